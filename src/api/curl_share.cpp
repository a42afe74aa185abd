// CURLSH setup and its lock callbacks.
#include "curl_share.hpp"

#include <stdexcept>

#include "curl_global.hpp"

namespace anonfs::api::detail {

CurlShare::CurlShare() {
  ensure_curl_global();
  share_.reset(curl_share_init());
  if (!share_) throw std::runtime_error("curl_share_init failed");
  CURLSH* s = share_.get();
  curl_share_setopt(s, CURLSHOPT_LOCKFUNC, &CurlShare::lock);
  curl_share_setopt(s, CURLSHOPT_UNLOCKFUNC, &CurlShare::unlock);
  curl_share_setopt(s, CURLSHOPT_USERDATA, this);
  curl_share_setopt(s, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  curl_share_setopt(s, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  // CURL_LOCK_DATA_CONNECT is deliberately not shared: in libcurl 7.x a shared connection cache
  // is not thread-safe (curl KNOWN_BUGS, curl/curl#4915). Connections are pooled per pooled
  // handle instead (each handle's multi keeps its connection cache across transfers).
}

void CurlShare::lock(CURL*, curl_lock_data data, curl_lock_access, void* user) {
  auto* self = static_cast<CurlShare*>(user);
  self->mutexes_.at(static_cast<std::size_t>(data)).lock();
}

void CurlShare::unlock(CURL*, curl_lock_data data, void* user) {
  auto* self = static_cast<CurlShare*>(user);
  self->mutexes_.at(static_cast<std::size_t>(data)).unlock();
}

}  // namespace anonfs::api::detail
