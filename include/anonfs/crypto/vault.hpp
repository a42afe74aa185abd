// anon.li vault crypto, kdf_version 1 (protocol spec §8.2-§8.4): the auth_secret sent to
// /api/v1/vault/unlock, the password KEK, the password-wrapped vault key, and drop owner keys
// wrapped under the vault key (AES-KW, RFC 3394). Two Argon2id runs per unlock, separated only
// by their salts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "anonfs/crypto/bytes.hpp"
#include "anonfs/crypto/drop_codec.hpp"

namespace anonfs::crypto {

inline constexpr std::int64_t kVaultKdfVersion = 1;
inline constexpr std::size_t kVaultKeySize = 32;
inline constexpr std::size_t kVaultSaltSize = 32;        // authSalt and vault_salt: 43 chars
inline constexpr std::size_t kVaultWrappedKeySize = 40;  // AES-KW of 32 bytes: 54 chars
inline constexpr std::size_t kVaultWrappedKeyChars = 54;

// Throws kUnsupported unless kdf_version == 1 (the only version anon.li defines).
void require_vault_kdf_version(std::int64_t kdf_version);

// The 32-byte vault key (AES-KW key for owner keys, AES-GCM key elsewhere). Move-only.
class VaultKey {
 public:
  static VaultKey generate();
  // kInvalidLength unless exactly 32 bytes.
  static VaultKey from_bytes(ByteView raw);

  VaultKey(VaultKey&&) noexcept = default;
  VaultKey& operator=(VaultKey&&) noexcept = default;
  VaultKey clone() const { return VaultKey(key_.clone()); }

  ByteView bytes() const noexcept { return key_.view(); }

 private:
  explicit VaultKey(SecretBytes key) : key_(std::move(key)) {}
  SecretBytes key_;
};

// auth_secret = base64url(Argon2id(password, authSalt)), 43 chars, returned as secret text.
// auth_salt is the 43-char base64url authSalt from /api/vault/bootstrap. Checks kdf_version
// first (kUnsupported), then the salt (kInvalidEncoding / kInvalidLength).
SecretBytes derive_vault_auth_secret(ByteView password, std::string_view auth_salt,
                                     std::int64_t kdf_version = kVaultKdfVersion);

// KEK = Argon2id(password, vault_salt) (32 raw bytes). Same checks as above.
SecretBytes derive_vault_kek(ByteView password, std::string_view vault_salt,
                             std::int64_t kdf_version = kVaultKdfVersion);

// password_wrapped_vault_key = base64url(AES-KW(KEK, vault key)), 54 chars.
std::string wrap_vault_key(ByteView kek, const VaultKey& vault_key);

// Inverse of wrap_vault_key. kInvalidEncoding / kInvalidLength on a malformed string,
// kWrongPassword when the AES-KW integrity check fails (wrong password = wrong KEK).
VaultKey unwrap_vault_key(ByteView kek, std::string_view password_wrapped_vault_key);

// Client side of vault unlock after /api/v1/vault/unlock answered: checks kdf_version, derives
// the KEK from vault_salt and unwraps. kWrongPassword for a wrong password.
VaultKey unlock_vault_key(ByteView password, std::string_view vault_salt,
                          std::string_view password_wrapped_vault_key,
                          std::int64_t kdf_version = kVaultKdfVersion);

// What vault setup / password change sends to the server (all base64url, no padding).
struct VaultCredentials {
  std::string auth_salt;                   // 43 chars
  std::string vault_salt;                  // 43 chars
  SecretBytes auth_secret;                 // 43 chars; the account credential password
  std::string password_wrapped_vault_key;  // 54 chars
};

// Wraps `vault_key` under `password` with fresh random salts (two Argon2id runs).
VaultCredentials make_vault_credentials(ByteView password, const VaultKey& vault_key);
// Deterministic form for tests: both salts must be 32 bytes (kInvalidLength otherwise).
VaultCredentials make_vault_credentials(ByteView password, const VaultKey& vault_key,
                                        ByteView auth_salt, ByteView vault_salt);

// Drop owner key: base64url(AES-KW(vault key, raw 32-byte drop key)), 54 chars (§8.4).
std::string wrap_drop_owner_key(const VaultKey& vault_key, const DropKey& drop_key);
// kInvalidEncoding / kInvalidLength on a malformed string, kAuthenticationFailed when the
// integrity check fails (wrong vault key or corrupted data).
DropKey unwrap_drop_owner_key(const VaultKey& vault_key, std::string_view wrapped_key);

}  // namespace anonfs::crypto
