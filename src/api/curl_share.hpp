// CurlShare: a CURLSH shared by all handles of one HttpClient (DNS cache and TLS sessions), with
// one mutex per shared data kind.
#pragma once

#include <curl/curl.h>

#include <array>
#include <memory>
#include <mutex>

namespace anonfs::api::detail {

class CurlShare {
 public:
  CurlShare();
  ~CurlShare() = default;
  CurlShare(const CurlShare&) = delete;
  CurlShare& operator=(const CurlShare&) = delete;

  CURLSH* get() const noexcept { return share_.get(); }

 private:
  struct Deleter {
    void operator()(CURLSH* share) const noexcept { curl_share_cleanup(share); }
  };
  static void lock(CURL* handle, curl_lock_data data, curl_lock_access access, void* user);
  static void unlock(CURL* handle, curl_lock_data data, void* user);

  // Guards libcurl's shared data; index = curl_lock_data. Declared before share_ so the mutexes
  // outlive the share object.
  std::array<std::mutex, CURL_LOCK_DATA_LAST> mutexes_;
  std::unique_ptr<CURLSH, Deleter> share_;
};

}  // namespace anonfs::api::detail
