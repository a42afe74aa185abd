// Process-wide libcurl initialisation, done once before the first handle is created.
#pragma once

namespace anonfs::api::detail {

// Calls curl_global_init exactly once (thread-safe); curl_global_cleanup runs at static
// destruction, after every HttpClient constructed after the first call is gone.
void ensure_curl_global();

}  // namespace anonfs::api::detail
