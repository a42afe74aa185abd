// Creation, reset and pooling of curl easy+multi handle pairs.
#include "curl_handle.hpp"

#include <stdexcept>

#include "curl_share.hpp"

namespace anonfs::api::detail {

CurlHandle::CurlHandle(const CurlShare& share)
    : share_(share), easy_(curl_easy_init()), multi_(curl_multi_init()) {
  if (!easy_ || !multi_) throw std::runtime_error("curl handle allocation failed");
  curl_easy_setopt(easy_.get(), CURLOPT_SHARE, share_.get());
}

CurlHandle::~CurlHandle() = default;

void CurlHandle::reset() noexcept {
  curl_easy_reset(easy_.get());
  curl_easy_setopt(easy_.get(), CURLOPT_SHARE, share_.get());
}

HandlePool::Lease HandlePool::acquire() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto handle = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(handle));
    }
  }
  return Lease(*this, std::make_unique<CurlHandle>(share_));
}

void HandlePool::release(std::unique_ptr<CurlHandle> handle) noexcept {
  if (!handle) return;
  std::unique_lock lock(mutex_);
  if (idle_.size() < max_idle_) {
    try {
      idle_.push_back(std::move(handle));
    } catch (...) {
      // Out of memory: the handle is destroyed below, outside the lock.
    }
  }
  lock.unlock();
  // `handle` (if not pooled) is cleaned up here.
}

}  // namespace anonfs::api::detail
