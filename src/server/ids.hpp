// Identifier formats of protocol §1.6 and the API key format of §1.1.
#pragma once

#include <string>
#include <string_view>

namespace anonfs::server::ids {

std::string drop_id();     // 16 chars [0-9a-z]
std::string file_id();     // 10 chars [0-9a-z]
std::string cuid();        // "c" + 24 chars [0-9a-z]
std::string request_id();  // "req_" + 16 lowercase hex
std::string upload_id();   // opaque multipart upload id (32 chars base64url)
std::string api_key();     // "ak_" + 32 lowercase hex

bool is_drop_id(std::string_view s) noexcept;
bool is_file_id(std::string_view s) noexcept;
bool is_api_key(std::string_view s) noexcept;
// [0-9a-z]{n}
bool is_base36(std::string_view s, std::size_t n) noexcept;
// ^[A-Za-z0-9_-]+$
bool is_base64url(std::string_view s) noexcept;

}  // namespace anonfs::server::ids
