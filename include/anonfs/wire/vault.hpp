// JSON wire types of the anon.li vault routes usable with an API key (protocol §8.1) and of the
// reference server's extensions (POST /api/v1/vault/setup, GET /api/v1/vault/form-keys).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "anonfs/wire/json_util.hpp"

namespace anonfs::wire {

// POST /api/vault/bootstrap
struct VaultBootstrapRequest {
  std::string email;
};

inline void to_json(nlohmann::json& j, const VaultBootstrapRequest& r) {
  j = {{"email", r.email}};
}
inline void from_json(const nlohmann::json& j, VaultBootstrapRequest& r) {
  r.email = j.at("email").get<std::string>();
}

struct VaultBootstrapResponse {  // envelope data
  std::string authSalt;          // 43 chars
  std::int64_t kdfVersion = 1;
};

inline void to_json(nlohmann::json& j, const VaultBootstrapResponse& r) {
  j = {{"authSalt", r.authSalt}, {"kdfVersion", r.kdfVersion}};
}
inline void from_json(const nlohmann::json& j, VaultBootstrapResponse& r) {
  r.authSalt = j.at("authSalt").get<std::string>();
  r.kdfVersion = j.at("kdfVersion").get<std::int64_t>();
}

// POST /api/v1/vault/unlock
struct VaultUnlockRequest {
  std::string auth_secret;
};

inline void to_json(nlohmann::json& j, const VaultUnlockRequest& r) {
  j = {{"auth_secret", r.auth_secret}};
}
inline void from_json(const nlohmann::json& j, VaultUnlockRequest& r) {
  r.auth_secret = j.at("auth_secret").get<std::string>();
}

struct VaultUnlockResponse {  // envelope data
  std::string vault_id;
  std::int64_t vault_generation = 0;
  std::string vault_salt;
  std::string password_wrapped_vault_key;
  std::int64_t kdf_version = 1;
};

inline void to_json(nlohmann::json& j, const VaultUnlockResponse& r) {
  j = {{"vault_id", r.vault_id},
       {"vault_generation", r.vault_generation},
       {"vault_salt", r.vault_salt},
       {"password_wrapped_vault_key", r.password_wrapped_vault_key},
       {"kdf_version", r.kdf_version}};
}
inline void from_json(const nlohmann::json& j, VaultUnlockResponse& r) {
  r.vault_id = j.at("vault_id").get<std::string>();
  r.vault_generation = j.at("vault_generation").get<std::int64_t>();
  r.vault_salt = j.at("vault_salt").get<std::string>();
  r.password_wrapped_vault_key = j.at("password_wrapped_vault_key").get<std::string>();
  r.kdf_version = j.at("kdf_version").get<std::int64_t>();
}

// Extension: POST /api/v1/vault/setup (API key). Strict body.
struct VaultSetupRequest {
  std::string authSalt;                     // 43 chars (32 bytes)
  std::string auth_secret;                  // base64url 16..2048
  std::string vault_salt;                   // 43 chars
  std::string password_wrapped_vault_key;   // 54 chars (40-byte AES-KW blob)
  std::optional<std::int64_t> kdf_version;  // must be 1 when present
};

inline void to_json(nlohmann::json& j, const VaultSetupRequest& r) {
  j = {{"authSalt", r.authSalt},
       {"auth_secret", r.auth_secret},
       {"vault_salt", r.vault_salt},
       {"password_wrapped_vault_key", r.password_wrapped_vault_key}};
  if (r.kdf_version) j["kdf_version"] = *r.kdf_version;
}
inline void from_json(const nlohmann::json& j, VaultSetupRequest& r) {
  r.authSalt = j.at("authSalt").get<std::string>();
  r.auth_secret = j.at("auth_secret").get<std::string>();
  r.vault_salt = j.at("vault_salt").get<std::string>();
  r.password_wrapped_vault_key = j.at("password_wrapped_vault_key").get<std::string>();
  get_optional(j, "kdf_version", r.kdf_version);
}

struct VaultSetupResponse {  // envelope data
  std::string vault_id;
  std::int64_t vault_generation = 1;
  std::int64_t kdf_version = 1;
};

inline void to_json(nlohmann::json& j, const VaultSetupResponse& r) {
  j = {{"vault_id", r.vault_id},
       {"vault_generation", r.vault_generation},
       {"kdf_version", r.kdf_version}};
}
inline void from_json(const nlohmann::json& j, VaultSetupResponse& r) {
  r.vault_id = j.at("vault_id").get<std::string>();
  r.vault_generation = j.at("vault_generation").get<std::int64_t>();
  get_or_default(j, "kdf_version", r.kdf_version);
}

// GET /api/v1/vault/drop-keys item (and ?drop_id= single object)
struct DropKey {
  std::string drop_id;
  std::string wrapped_key;
  std::int64_t vault_generation = 0;
};

inline void to_json(nlohmann::json& j, const DropKey& k) {
  j = {{"drop_id", k.drop_id},
       {"wrapped_key", k.wrapped_key},
       {"vault_generation", k.vault_generation}};
}
inline void from_json(const nlohmann::json& j, DropKey& k) {
  k.drop_id = j.at("drop_id").get<std::string>();
  k.wrapped_key = j.at("wrapped_key").get<std::string>();
  k.vault_generation = j.at("vault_generation").get<std::int64_t>();
}

// POST /api/v1/vault/drop-keys (strict)
struct PutDropKeyRequest {
  std::string drop_id;
  std::string wrapped_key;
  std::string vault_id;
  std::int64_t vault_generation = 0;
};

inline void to_json(nlohmann::json& j, const PutDropKeyRequest& r) {
  j = {{"drop_id", r.drop_id},
       {"wrapped_key", r.wrapped_key},
       {"vault_id", r.vault_id},
       {"vault_generation", r.vault_generation}};
}
inline void from_json(const nlohmann::json& j, PutDropKeyRequest& r) {
  r.drop_id = j.at("drop_id").get<std::string>();
  r.wrapped_key = j.at("wrapped_key").get<std::string>();
  r.vault_id = j.at("vault_id").get<std::string>();
  r.vault_generation = j.at("vault_generation").get<std::int64_t>();
}

struct PutDropKeyResponse {  // envelope data
  std::string drop_id;
  std::int64_t vault_generation = 0;
};

inline void to_json(nlohmann::json& j, const PutDropKeyResponse& r) {
  j = {{"drop_id", r.drop_id}, {"vault_generation", r.vault_generation}};
}
inline void from_json(const nlohmann::json& j, PutDropKeyResponse& r) {
  r.drop_id = j.at("drop_id").get<std::string>();
  r.vault_generation = j.at("vault_generation").get<std::int64_t>();
}

}  // namespace anonfs::wire
