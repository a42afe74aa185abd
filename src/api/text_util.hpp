// Internal text helpers of the api layer: trimming and sanitising untrusted server text.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace anonfs::api {

std::string_view trim(std::string_view text) noexcept;

// Replaces control characters by spaces, collapses the result's ends and truncates to `max_bytes`
// (appending "..."). Bytes >= 0x80 (UTF-8) are kept.
std::string sanitize_text(std::string_view text, std::size_t max_bytes);

}  // namespace anonfs::api
