// URL safety checks and redaction. Presigned URLs carry signatures in their query string and share
// links carry keys in their fragment, so neither may ever be sent (fragment) or logged (both).
#pragma once

#include <string>
#include <string_view>

namespace anonfs::api {

// Throws ApiError(kInvalidRequest) unless `url` is an absolute http:// or https:// URL without a
// fragment ('#'), without whitespace or control characters, and with a non-empty host.
void check_url(std::string_view url);

// The URL without userinfo, query string and fragment: "https://host:port/path". Safe to log and
// to put into error messages. Never throws for any input.
std::string redact_url(std::string_view url) noexcept;

}  // namespace anonfs::api
