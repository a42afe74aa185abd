#include "ids.hpp"

#include "anonfs/crypto/base64.hpp"
#include "anonfs/crypto/bytes.hpp"
#include "anonfs/crypto/random.hpp"

namespace anonfs::server::ids {

namespace {
constexpr std::string_view kBase36 = "0123456789abcdefghijklmnopqrstuvwxyz";

std::string random_base36(std::size_t n) {
  std::string out(n, '0');
  for (auto& c : out)
    c = kBase36[crypto::random_uniform(36)];
  return out;
}
}  // namespace

std::string drop_id() {
  return random_base36(16);
}
std::string file_id() {
  return random_base36(10);
}
std::string cuid() {
  return "c" + random_base36(24);
}
std::string request_id() {
  return "req_" + crypto::hex_encode(crypto::random_bytes(8));
}
std::string upload_id() {
  return crypto::base64url_encode(crypto::random_bytes(24));
}
std::string api_key() {
  return "ak_" + crypto::hex_encode(crypto::random_bytes(16));
}

bool is_base36(std::string_view s, std::size_t n) noexcept {
  if (s.size() != n) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'))) return false;
  }
  return true;
}

bool is_drop_id(std::string_view s) noexcept {
  return is_base36(s, 16);
}
bool is_file_id(std::string_view s) noexcept {
  return is_base36(s, 10);
}

bool is_api_key(std::string_view s) noexcept {
  if (s.size() != 35 || s.substr(0, 3) != "ak_") return false;
  for (char c : s.substr(3)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool is_base64url(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace anonfs::server::ids
