// Vault crypto (§8.2-§8.4) against the §14.3 vectors, AES-KW against RFC 3394, and malformed or
// tampered inputs. Argon2 runs are limited to the ones the vectors need.
#include "anonfs/crypto/vault.hpp"

#include <gtest/gtest.h>

#include <numeric>
#include <string>

#include "../../support/crypto_error.hpp"
#include "anonfs/crypto/aes_kw.hpp"
#include "anonfs/crypto/base64.hpp"
#include "anonfs/crypto/error.hpp"

namespace anonfs::crypto {
namespace {

// §14.3.
constexpr std::string_view kPassword = "vault password 123";
constexpr std::string_view kAuthSalt = "EBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8";
constexpr std::string_view kAuthSecret = "OV_u_dLVvYX8BS8ziKOyyOImoJGhaGvbH97Ipo6Vmas";
constexpr std::string_view kVaultSalt = "MDEyMzQ1Njc4OTo7PD0-P0BBQkNERUZHSElKS0xNTk8";
constexpr std::string_view kKek =
    "03627c599e20b15cacaeb18c2ce81125c6b0077202248d47bd7c92b0fda7686b";
constexpr std::string_view kWrappedVaultKey =
    "hi5_AtdDrf7pHkD-IIqvo-AVRAHQIxK6RkzQed2Z0DsksQYqK9hBog";
constexpr std::string_view kWrappedOwnerKey =
    "iNDAtKXHFfQo8VRl7igNYXRsOw5HU4GpSaF19o02DY-r4ZENHDforg";
constexpr std::string_view kDropKeyString = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";

Bytes range_bytes(std::uint8_t first, std::size_t n) {
  Bytes b(n);
  std::iota(b.begin(), b.end(), first);
  return b;
}
ByteView pw(std::string_view s) {
  return as_bytes(s);
}
VaultKey test_vault_key() {
  return VaultKey::from_bytes(range_bytes(0x80, 32));
}
std::string flip(std::string_view encoded, std::size_t byte) {
  Bytes raw = base64url_decode(encoded);
  raw.at(byte) ^= 0x01;
  return base64url_encode(raw);
}

// ---- AES-KW --------------------------------------------------------------------------------

TEST(AesKw, Rfc3394Vectors) {
  const Bytes kek = range_bytes(0, 32);
  // RFC 3394 §4.3: 128 bits of key data with a 256-bit KEK.
  const Bytes data128 = hex_decode("00112233445566778899AABBCCDDEEFF");
  const Bytes wrapped128 = aes_kw_wrap(kek, data128);
  EXPECT_EQ(hex_encode(wrapped128), "64e8c3f9ce0f5ba263e9777905818a2a93c8191e7d6e8ae7");
  EXPECT_TRUE(aes_kw_unwrap(kek, wrapped128).equals(data128));
  // RFC 3394 §4.6: 256 bits of key data with a 256-bit KEK.
  const Bytes data256 =
      hex_decode("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F");
  const Bytes wrapped256 = aes_kw_wrap(kek, data256);
  EXPECT_EQ(hex_encode(wrapped256),
            "28c9f404c4b810f4cbccb35cfb87f8263f5786e2d80ed326cbc7f0e71a99f43bfb988b9b7a02dd21");
  EXPECT_TRUE(aes_kw_unwrap(kek, wrapped256).equals(data256));
}

TEST(AesKw, IntegrityFailures) {
  const Bytes kek = range_bytes(0, 32);
  const Bytes wrapped = aes_kw_wrap(kek, range_bytes(0x80, 32));
  for (std::size_t i : {std::size_t{0}, std::size_t{7}, std::size_t{8}, std::size_t{39}}) {
    Bytes bad = wrapped;
    bad[i] ^= 0x10;
    EXPECT_CRYPTO_ERROR(aes_kw_unwrap(kek, bad), CryptoErrc::kAuthenticationFailed);
  }
  EXPECT_CRYPTO_ERROR(aes_kw_unwrap(range_bytes(1, 32), wrapped),
                      CryptoErrc::kAuthenticationFailed);
  // Truncated by one block: still a legal length, but the check fails.
  EXPECT_CRYPTO_ERROR(aes_kw_unwrap(kek, ByteView(wrapped).first(32)),
                      CryptoErrc::kAuthenticationFailed);
}

TEST(AesKw, BadLengths) {
  const Bytes kek = range_bytes(0, 32);
  EXPECT_CRYPTO_ERROR(aes_kw_wrap(range_bytes(0, 16), range_bytes(0, 32)),
                      CryptoErrc::kInvalidLength);
  EXPECT_CRYPTO_ERROR(aes_kw_wrap(kek, range_bytes(0, 8)), CryptoErrc::kInvalidLength);
  EXPECT_CRYPTO_ERROR(aes_kw_wrap(kek, range_bytes(0, 31)), CryptoErrc::kInvalidLength);
  EXPECT_CRYPTO_ERROR(aes_kw_wrap(kek, {}), CryptoErrc::kInvalidLength);
  EXPECT_CRYPTO_ERROR(aes_kw_unwrap(kek, range_bytes(0, 16)), CryptoErrc::kInvalidLength);
  EXPECT_CRYPTO_ERROR(aes_kw_unwrap(kek, range_bytes(0, 41)), CryptoErrc::kInvalidLength);
  EXPECT_CRYPTO_ERROR(aes_kw_unwrap(kek, {}), CryptoErrc::kInvalidLength);
  EXPECT_CRYPTO_ERROR(aes_kw_unwrap(range_bytes(0, 33), range_bytes(0, 40)),
                      CryptoErrc::kInvalidLength);
  EXPECT_CRYPTO_ERROR(aes_kw_unwrap(kek, Bytes(1 << 16)), CryptoErrc::kInvalidLength);
}

// ---- Derivations (Argon2) ------------------------------------------------------------------

TEST(Vault, AuthSecretVector) {
  const SecretBytes secret = derive_vault_auth_secret(pw(kPassword), kAuthSalt, 1);
  EXPECT_EQ(secret.str(), kAuthSecret);
}

TEST(Vault, KekVector) {
  const SecretBytes kek = derive_vault_kek(pw(kPassword), kVaultSalt);
  EXPECT_EQ(hex_encode(kek.view()), kKek);
}

TEST(Vault, UnlockVector) {
  const VaultKey key = unlock_vault_key(pw(kPassword), kVaultSalt, kWrappedVaultKey, 1);
  EXPECT_TRUE(constant_time_equal(key.bytes(), range_bytes(0x80, 32)));
}

TEST(Vault, UnlockWithWrongPassword) {
  EXPECT_CRYPTO_ERROR(unlock_vault_key(pw("vault password 124"), kVaultSalt, kWrappedVaultKey),
                      CryptoErrc::kWrongPassword);
}

TEST(Vault, CredentialsMatchVectors) {
  const VaultCredentials c = make_vault_credentials(pw(kPassword), test_vault_key(),
                                                    range_bytes(0x10, 32), range_bytes(0x30, 32));
  EXPECT_EQ(c.auth_salt, kAuthSalt);
  EXPECT_EQ(c.vault_salt, kVaultSalt);
  EXPECT_EQ(c.auth_secret.str(), kAuthSecret);
  EXPECT_EQ(c.password_wrapped_vault_key, kWrappedVaultKey);
}

// ---- Wrapping without Argon2 ---------------------------------------------------------------

TEST(Vault, WrapAndUnwrapVaultKeyUnderKek) {
  const Bytes kek = hex_decode(kKek);
  EXPECT_EQ(wrap_vault_key(kek, test_vault_key()), kWrappedVaultKey);
  EXPECT_TRUE(
      constant_time_equal(unwrap_vault_key(kek, kWrappedVaultKey).bytes(), range_bytes(0x80, 32)));
  // A wrong KEK is what a wrong password produces.
  EXPECT_CRYPTO_ERROR(unwrap_vault_key(range_bytes(0, 32), kWrappedVaultKey),
                      CryptoErrc::kWrongPassword);
  EXPECT_CRYPTO_ERROR(unwrap_vault_key(kek, flip(kWrappedVaultKey, 20)),
                      CryptoErrc::kWrongPassword);
}

TEST(Vault, DropOwnerKeyVector) {
  const VaultKey vault_key = test_vault_key();
  const DropKey drop_key = DropKey::parse(kDropKeyString);
  EXPECT_EQ(wrap_drop_owner_key(vault_key, drop_key), kWrappedOwnerKey);
  const DropKey recovered = unwrap_drop_owner_key(vault_key, kWrappedOwnerKey);
  EXPECT_EQ(recovered.to_string().str(), kDropKeyString);
}

TEST(Vault, DropOwnerKeyFailures) {
  const VaultKey vault_key = test_vault_key();
  const VaultKey other = VaultKey::from_bytes(range_bytes(0x81, 32));
  EXPECT_CRYPTO_ERROR(unwrap_drop_owner_key(other, kWrappedOwnerKey),
                      CryptoErrc::kAuthenticationFailed);
  for (std::size_t i : {std::size_t{0}, std::size_t{9}, std::size_t{39}}) {
    EXPECT_CRYPTO_ERROR(unwrap_drop_owner_key(vault_key, flip(kWrappedOwnerKey, i)),
                        CryptoErrc::kAuthenticationFailed);
  }
  const std::string w(kWrappedOwnerKey);
  EXPECT_CRYPTO_ERROR(unwrap_drop_owner_key(vault_key, ""), CryptoErrc::kInvalidLength);
  EXPECT_CRYPTO_ERROR(unwrap_drop_owner_key(vault_key, w.substr(0, 43)),
                      CryptoErrc::kInvalidLength);  // 32 bytes: an unwrapped key, not a wrap
  EXPECT_CRYPTO_ERROR(unwrap_drop_owner_key(vault_key, w + "AAAA"), CryptoErrc::kInvalidLength);
  EXPECT_CRYPTO_ERROR(unwrap_drop_owner_key(vault_key, std::string(4096, 'A')),
                      CryptoErrc::kInvalidLength);
  EXPECT_CRYPTO_ERROR(unwrap_drop_owner_key(vault_key, w.substr(0, 53)),
                      CryptoErrc::kInvalidLength);
  EXPECT_CRYPTO_ERROR(unwrap_drop_owner_key(vault_key, w + "="), CryptoErrc::kInvalidLength);
  EXPECT_CRYPTO_ERROR(unwrap_drop_owner_key(vault_key, w.substr(0, 52) + "=="),
                      CryptoErrc::kInvalidEncoding);
  // Correct padding is tolerated like SRV's decoders do.
  EXPECT_EQ(unwrap_drop_owner_key(vault_key, w + "==").to_string().str(), kDropKeyString);
  std::string noncanonical = w;
  noncanonical.back() = 'h';  // 54 chars: last char has 4 unused bits; 'g' -> 'h' sets one
  EXPECT_CRYPTO_ERROR(unwrap_drop_owner_key(vault_key, noncanonical), CryptoErrc::kInvalidEncoding);
  EXPECT_CRYPTO_ERROR(unwrap_drop_owner_key(vault_key, "*" + w.substr(1)),
                      CryptoErrc::kInvalidEncoding);
}

TEST(Vault, RandomKeysRoundTrip) {
  const VaultKey vault_key = VaultKey::generate();
  const DropKey drop_key = DropKey::generate();
  const std::string wrapped = wrap_drop_owner_key(vault_key, drop_key);
  EXPECT_EQ(wrapped.size(), kVaultWrappedKeyChars);
  EXPECT_TRUE(
      constant_time_equal(unwrap_drop_owner_key(vault_key, wrapped).bytes(), drop_key.bytes()));
  const Bytes kek = range_bytes(7, 32);
  const std::string wrapped_vault = wrap_vault_key(kek, vault_key);
  EXPECT_EQ(wrapped_vault.size(), kVaultWrappedKeyChars);
  EXPECT_TRUE(
      constant_time_equal(unwrap_vault_key(kek, wrapped_vault).bytes(), vault_key.clone().bytes()));
}

// ---- Input validation before any derivation -------------------------------------------------

TEST(Vault, RefusesOtherKdfVersions) {
  EXPECT_NO_THROW(require_vault_kdf_version(1));
  for (const std::int64_t v : {std::int64_t{0}, std::int64_t{2}, std::int64_t{-1},
                               std::numeric_limits<std::int64_t>::max()}) {
    EXPECT_CRYPTO_ERROR(require_vault_kdf_version(v), CryptoErrc::kUnsupported);
    EXPECT_CRYPTO_ERROR(derive_vault_auth_secret(pw(kPassword), kAuthSalt, v),
                        CryptoErrc::kUnsupported);
    EXPECT_CRYPTO_ERROR(derive_vault_kek(pw(kPassword), kVaultSalt, v), CryptoErrc::kUnsupported);
    EXPECT_CRYPTO_ERROR(unlock_vault_key(pw(kPassword), kVaultSalt, kWrappedVaultKey, v),
                        CryptoErrc::kUnsupported);
  }
}

TEST(Vault, MalformedInputsFailFast) {
  const std::string salt(kAuthSalt);
  EXPECT_CRYPTO_ERROR(derive_vault_auth_secret(pw(kPassword), salt.substr(0, 42)),
                      CryptoErrc::kInvalidLength);
  EXPECT_CRYPTO_ERROR(derive_vault_auth_secret(pw(kPassword), salt + "AAAA"),
                      CryptoErrc::kInvalidLength);
  EXPECT_CRYPTO_ERROR(derive_vault_auth_secret(pw(kPassword), ""), CryptoErrc::kInvalidLength);
  EXPECT_CRYPTO_ERROR(derive_vault_auth_secret(pw(kPassword), salt.substr(0, 42) + "9"),
                      CryptoErrc::kInvalidEncoding);
  EXPECT_CRYPTO_ERROR(derive_vault_kek(pw(kPassword), std::string(100000, 'A')),
                      CryptoErrc::kInvalidLength);
  EXPECT_CRYPTO_ERROR(
      derive_vault_kek(pw(kPassword), "MDEyMzQ1Njc4OTo7PD0+P0BBQkNERUZHSElKS0xNTk8"),
      CryptoErrc::kInvalidEncoding);  // standard base64 '+'
  const std::string wrapped(kWrappedVaultKey);
  // The wrapped key is checked before the (expensive) KEK derivation.
  EXPECT_CRYPTO_ERROR(unlock_vault_key(pw(kPassword), kVaultSalt, wrapped.substr(0, 43)),
                      CryptoErrc::kInvalidLength);
  EXPECT_CRYPTO_ERROR(unlock_vault_key(pw(kPassword), kVaultSalt, wrapped + "="),
                      CryptoErrc::kInvalidLength);
  EXPECT_CRYPTO_ERROR(unlock_vault_key(pw(kPassword), kVaultSalt, wrapped.substr(0, 53) + "==="),
                      CryptoErrc::kInvalidEncoding);
  EXPECT_CRYPTO_ERROR(unlock_vault_key(pw(kPassword), kVaultSalt, ""), CryptoErrc::kInvalidLength);
  EXPECT_CRYPTO_ERROR(unwrap_vault_key(range_bytes(0, 31), kWrappedVaultKey),
                      CryptoErrc::kInvalidLength);
  EXPECT_CRYPTO_ERROR(VaultKey::from_bytes(range_bytes(0, 31)), CryptoErrc::kInvalidLength);
  EXPECT_CRYPTO_ERROR(make_vault_credentials(pw(kPassword), test_vault_key(), range_bytes(0, 31),
                                             range_bytes(0, 32)),
                      CryptoErrc::kInvalidLength);
  EXPECT_CRYPTO_ERROR(make_vault_credentials({}, test_vault_key()), CryptoErrc::kInvalidArgument);
}

}  // namespace
}  // namespace anonfs::crypto
