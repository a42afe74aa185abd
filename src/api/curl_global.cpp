// One-time curl_global_init / curl_global_cleanup.
#include "curl_global.hpp"

#include <curl/curl.h>

#include <stdexcept>

namespace anonfs::api::detail {

namespace {

struct CurlGlobal {
  CurlGlobal() {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw std::runtime_error("curl_global_init failed");
    }
  }
  ~CurlGlobal() { curl_global_cleanup(); }
  CurlGlobal(const CurlGlobal&) = delete;
  CurlGlobal& operator=(const CurlGlobal&) = delete;
};

}  // namespace

void ensure_curl_global() {
  // Function-local static: initialised once, thread-safe, destroyed after any object whose
  // constructor called this function first.
  static const CurlGlobal global;
  (void)global;
}

}  // namespace anonfs::api::detail
