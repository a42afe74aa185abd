// Credentials of the one-time-secret services and their authentication:
//   EnigmaCrypt    Authorization: Bearer enigma_<32 hex>       (optional on create)
//   password.link  Authorization: ApiKey public_key_<32 hex> | private_key_<32 hex>
// Keys are stored by SHA-256 only (hash_api_key), like the anon.li keys.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "app.hpp"
#include "http_context.hpp"
#include "store_secrets.hpp"

namespace anonfs::server {

struct ServiceKeys {
  std::string enigma_token;
  std::string passwordlink_public_key;
  std::string passwordlink_private_key;
};

// Generates and stores one key of each kind for `user_id` (caller holds the lock and a
// transaction). Returns the key strings; only their hashes are stored.
ServiceKeys add_service_keys(Db& db, const std::string& user_id, std::int64_t now);

// "enigma_" | "public_key_" | "private_key_" followed by exactly 32 lowercase hex digits.
bool is_service_key(std::string_view key, std::string_view prefix) noexcept;

// The token of an "Authorization: <scheme> <token>" header whose scheme matches
// (case-insensitively); nullopt when the header is absent or has another scheme.
std::optional<std::string> authorization_token(const Context& ctx, std::string_view scheme);

// Looks a key up by hash; nullopt when malformed or unknown.
std::optional<store::ServiceKeyAuth> find_service_key(App& app, const std::string& key);

}  // namespace anonfs::server
