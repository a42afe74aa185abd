// CurlHandle (an easy handle driven by its own multi handle, so a transfer can be woken up and
// cancelled at once) and HandlePool (reuse of handles, and so of their connections, across
// threads).
#pragma once

#include <curl/curl.h>

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

namespace anonfs::api::detail {

class CurlShare;

class CurlHandle {
 public:
  explicit CurlHandle(const CurlShare& share);
  ~CurlHandle();
  CurlHandle(const CurlHandle&) = delete;
  CurlHandle& operator=(const CurlHandle&) = delete;

  CURL* easy() const noexcept { return easy_.get(); }
  CURLM* multi() const noexcept { return multi_.get(); }
  // curl_easy_reset (keeps connections, DNS and TLS caches) and re-attaches the share.
  void reset() noexcept;

 private:
  struct EasyDeleter {
    void operator()(CURL* easy) const noexcept { curl_easy_cleanup(easy); }
  };
  struct MultiDeleter {
    void operator()(CURLM* multi) const noexcept { curl_multi_cleanup(multi); }
  };
  const CurlShare& share_;
  // The multi is destroyed first (member order), closing its cached connections while the easy
  // handle still exists; the easy handle is never left attached to it between transfers.
  std::unique_ptr<CURL, EasyDeleter> easy_;
  std::unique_ptr<CURLM, MultiDeleter> multi_;
};

// Idle handles of one client. Thread-safe: idle_ is guarded by mutex_.
class HandlePool {
 public:
  HandlePool(const CurlShare& share, std::size_t max_idle) : share_(share), max_idle_(max_idle) {}

  // A handle owned by the caller for the duration of one transfer; returned on destruction.
  class Lease {
   public:
    Lease(HandlePool& pool, std::unique_ptr<CurlHandle> handle)
        : pool_(pool), handle_(std::move(handle)) {}
    ~Lease() { pool_.release(std::move(handle_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    CurlHandle& operator*() const noexcept { return *handle_; }
    CurlHandle* operator->() const noexcept { return handle_.get(); }

   private:
    HandlePool& pool_;
    std::unique_ptr<CurlHandle> handle_;
  };

  Lease acquire();

 private:
  void release(std::unique_ptr<CurlHandle> handle) noexcept;

  const CurlShare& share_;
  const std::size_t max_idle_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<CurlHandle>> idle_;  // LIFO: the warmest connection first
};

}  // namespace anonfs::api::detail
