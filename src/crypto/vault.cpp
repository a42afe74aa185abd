// anon.li vault crypto, kdf_version 1 (protocol spec §8.2-§8.4).
#include "anonfs/crypto/vault.hpp"

#include <string>

#include "anonfs/crypto/aes_kw.hpp"
#include "anonfs/crypto/argon2id.hpp"
#include "anonfs/crypto/base64.hpp"
#include "anonfs/crypto/error.hpp"
#include "anonfs/crypto/random.hpp"
#include "b64_fixed.hpp"

namespace anonfs::crypto {

namespace {

SecretBytes encode_secret(ByteView raw) {
  std::string encoded = base64url_encode(raw);
  SecretBytes result = SecretBytes::from_string(encoded);
  secure_wipe(encoded.data(), encoded.size());
  return result;
}

}  // namespace

void require_vault_kdf_version(std::int64_t kdf_version) {
  if (kdf_version != kVaultKdfVersion) {
    throw CryptoError(CryptoErrc::kUnsupported,
                      "unsupported vault kdf_version " + std::to_string(kdf_version));
  }
}

VaultKey VaultKey::generate() {
  return VaultKey(random_secret(kVaultKeySize));
}

VaultKey VaultKey::from_bytes(ByteView raw) {
  if (raw.size() != kVaultKeySize) {
    throw CryptoError(CryptoErrc::kInvalidLength, "vault key must be 32 bytes");
  }
  return VaultKey(SecretBytes(raw));
}

SecretBytes derive_vault_auth_secret(ByteView password, std::string_view auth_salt,
                                     std::int64_t kdf_version) {
  require_vault_kdf_version(kdf_version);
  const Bytes salt = detail::decode_fixed_b64url(auth_salt, kVaultSaltSize, "vault authSalt");
  const SecretBytes raw = argon2id(password, salt);
  return encode_secret(raw.view());
}

SecretBytes derive_vault_kek(ByteView password, std::string_view vault_salt,
                             std::int64_t kdf_version) {
  require_vault_kdf_version(kdf_version);
  const Bytes salt = detail::decode_fixed_b64url(vault_salt, kVaultSaltSize, "vault_salt");
  return argon2id(password, salt);
}

std::string wrap_vault_key(ByteView kek, const VaultKey& vault_key) {
  return base64url_encode(aes_kw_wrap(kek, vault_key.bytes()));
}

VaultKey unwrap_vault_key(ByteView kek, std::string_view password_wrapped_vault_key) {
  const Bytes wrapped = detail::decode_fixed_b64url(
      password_wrapped_vault_key, kVaultWrappedKeySize, "password_wrapped_vault_key");
  try {
    return VaultKey::from_bytes(aes_kw_unwrap(kek, wrapped).view());
  } catch (const CryptoError& e) {
    if (e.code() != CryptoErrc::kAuthenticationFailed) throw;
    throw CryptoError(CryptoErrc::kWrongPassword,
                      "incorrect vault password (vault key did not unwrap)");
  }
}

VaultKey unlock_vault_key(ByteView password, std::string_view vault_salt,
                          std::string_view password_wrapped_vault_key, std::int64_t kdf_version) {
  require_vault_kdf_version(kdf_version);
  // Validate the wrapped key before spending an Argon2 run on it.
  (void)detail::decode_fixed_b64url(password_wrapped_vault_key, kVaultWrappedKeySize,
                                    "password_wrapped_vault_key");
  const SecretBytes kek = derive_vault_kek(password, vault_salt, kdf_version);
  return unwrap_vault_key(kek.view(), password_wrapped_vault_key);
}

VaultCredentials make_vault_credentials(ByteView password, const VaultKey& vault_key) {
  const Bytes auth_salt = random_bytes(kVaultSaltSize);
  const Bytes vault_salt = random_bytes(kVaultSaltSize);
  return make_vault_credentials(password, vault_key, auth_salt, vault_salt);
}

VaultCredentials make_vault_credentials(ByteView password, const VaultKey& vault_key,
                                        ByteView auth_salt, ByteView vault_salt) {
  if (password.empty()) {
    throw CryptoError(CryptoErrc::kInvalidArgument, "vault password must not be empty");
  }
  if (auth_salt.size() != kVaultSaltSize || vault_salt.size() != kVaultSaltSize) {
    throw CryptoError(CryptoErrc::kInvalidLength, "vault salts must be 32 bytes");
  }
  VaultCredentials credentials;
  credentials.auth_salt = base64url_encode(auth_salt);
  credentials.vault_salt = base64url_encode(vault_salt);
  credentials.auth_secret = encode_secret(argon2id(password, auth_salt).view());
  const SecretBytes kek = argon2id(password, vault_salt);
  credentials.password_wrapped_vault_key = wrap_vault_key(kek.view(), vault_key);
  return credentials;
}

std::string wrap_drop_owner_key(const VaultKey& vault_key, const DropKey& drop_key) {
  return base64url_encode(aes_kw_wrap(vault_key.bytes(), drop_key.bytes()));
}

DropKey unwrap_drop_owner_key(const VaultKey& vault_key, std::string_view wrapped_key) {
  const Bytes wrapped =
      detail::decode_fixed_b64url(wrapped_key, kVaultWrappedKeySize, "drop owner wrappedKey");
  return DropKey::from_bytes(aes_kw_unwrap(vault_key.bytes(), wrapped).view());
}

}  // namespace anonfs::crypto
