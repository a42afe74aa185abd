#include "service_keys.hpp"

#include <cctype>

#include "anonfs/crypto/bytes.hpp"
#include "anonfs/crypto/random.hpp"
#include "auth.hpp"

namespace anonfs::server {

namespace {
std::string make_key(std::string_view prefix) {
  return std::string(prefix) + crypto::hex_encode(crypto::random_bytes(16));
}

bool iequal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}
}  // namespace

ServiceKeys add_service_keys(Db& db, const std::string& user_id, std::int64_t now) {
  ServiceKeys keys{make_key("enigma_"), make_key("public_key_"), make_key("private_key_")};
  store::insert_service_key(db, user_id, store::ServiceKeyKind::kEnigma,
                            hash_api_key(keys.enigma_token), now);
  store::insert_service_key(db, user_id, store::ServiceKeyKind::kPlPublic,
                            hash_api_key(keys.passwordlink_public_key), now);
  store::insert_service_key(db, user_id, store::ServiceKeyKind::kPlPrivate,
                            hash_api_key(keys.passwordlink_private_key), now);
  return keys;
}

bool is_service_key(std::string_view key, std::string_view prefix) noexcept {
  if (key.size() != prefix.size() + 32 || key.substr(0, prefix.size()) != prefix) return false;
  for (char c : key.substr(prefix.size())) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::optional<std::string> authorization_token(const Context& ctx, std::string_view scheme) {
  if (!ctx.req.has_header("Authorization")) return std::nullopt;
  const auto& header = ctx.req.get_header_value("Authorization");
  const auto space = header.find(' ');
  if (space == std::string::npos) return std::nullopt;
  if (!iequal(std::string_view(header).substr(0, space), scheme)) return std::nullopt;
  auto rest = header.substr(space + 1);
  while (!rest.empty() && rest.front() == ' ')
    rest.erase(rest.begin());
  return rest.substr(0, rest.find(' '));
}

std::optional<store::ServiceKeyAuth> find_service_key(App& app, const std::string& key) {
  if (!is_service_key(key, "enigma_") && !is_service_key(key, "public_key_") &&
      !is_service_key(key, "private_key_"))
    return std::nullopt;
  const auto hash = hash_api_key(key);
  auto lock = app.db->lock();
  return store::find_service_key(*app.db, hash);
}

}  // namespace anonfs::server
