// Argon2id and password-protected drops: the §14.2 vector in both directions, wrong passwords,
// and malformed fields (rejected before any key derivation). Each Argon2 run takes ~0.3 s, so
// the number of derivations is kept small.
#include "anonfs/crypto/drop_password.hpp"

#include <gtest/gtest.h>

#include <numeric>
#include <string>

#include "../../support/crypto_error.hpp"
#include "anonfs/crypto/argon2id.hpp"
#include "anonfs/crypto/base64.hpp"
#include "anonfs/crypto/error.hpp"

namespace anonfs::crypto {
namespace {

// §14.2.
constexpr std::string_view kPassword = "correct horse battery staple";
constexpr std::string_view kSalt = "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8";
constexpr std::string_view kArgonOut =
    "c0be8cee923eb6d155ea71b0f5ed90a0cae58741dbb148820fa8fa4fc599de10";
constexpr std::string_view kIv = "cHFyc3R1dnd4eXp7";
constexpr std::string_view kKeyData =
    "FousYYZ-8IrkicpJUFtc2bxcZ0ZxECn1Wc-v81x2dYADBDhwcWX3CCgnguIFDknzS4_P_OCx-mzhs2k";
constexpr std::string_view kKeyString = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";

Bytes range_bytes(std::uint8_t first, std::size_t n) {
  Bytes b(n);
  std::iota(b.begin(), b.end(), first);
  return b;
}

ByteView pw(std::string_view s) {
  return as_bytes(s);
}

TEST(Argon2id, SpecVector) {
  const SecretBytes out = argon2id(pw(kPassword), range_bytes(0x40, 32));
  EXPECT_EQ(hex_encode(out.view()), kArgonOut);
}

TEST(Argon2id, CheapParametersAndErrors) {
  const Argon2idParams cheap{
      .memory_kib = 64, .iterations = 1, .parallelism = 1, .output_size = 16};
  const SecretBytes a = argon2id(pw("pw"), range_bytes(0, 16), cheap);
  const SecretBytes b = argon2id(pw("pw"), range_bytes(1, 16), cheap);
  EXPECT_EQ(a.size(), 16u);
  EXPECT_FALSE(a.equals(b.view()));
  EXPECT_TRUE(a.equals(argon2id(pw("pw"), range_bytes(0, 16), cheap).view()));
  EXPECT_EQ(argon2id({}, range_bytes(0, 16), cheap).size(), 16u);  // empty password is legal
  EXPECT_CRYPTO_ERROR(argon2id(pw("pw"), range_bytes(0, 7), cheap), CryptoErrc::kInvalidArgument);
  Argon2idParams bad = cheap;
  bad.iterations = 0;
  EXPECT_CRYPTO_ERROR(argon2id(pw("pw"), range_bytes(0, 16), bad), CryptoErrc::kInvalidArgument);
  bad = cheap;
  bad.output_size = 3;
  EXPECT_CRYPTO_ERROR(argon2id(pw("pw"), range_bytes(0, 16), bad), CryptoErrc::kInvalidArgument);
  bad = cheap;
  bad.parallelism = 0;
  EXPECT_CRYPTO_ERROR(argon2id(pw("pw"), range_bytes(0, 16), bad), CryptoErrc::kInvalidArgument);
}

TEST(DropPassword, ProtectMatchesSpecVector) {
  const DropKey key = DropKey::parse(kKeyString);
  const DropPasswordFields fields =
      protect_drop_key(key, pw(kPassword), range_bytes(0x40, 32), range_bytes(0x70, 12));
  EXPECT_EQ(fields.salt, kSalt);
  EXPECT_EQ(fields.custom_key_iv, kIv);
  EXPECT_EQ(fields.custom_key_data, kKeyData);
  EXPECT_EQ(fields.custom_key_data.size(), 79u);
}

TEST(DropPassword, UnlockSpecVector) {
  const SecretBytes key_string = unlock_drop_key_string(pw(kPassword), kSalt, kKeyData, kIv);
  EXPECT_EQ(key_string.str(), kKeyString);
}

TEST(DropPassword, WrongPassword) {
  EXPECT_CRYPTO_ERROR(
      unlock_drop_key_string(pw("correct horse battery stapler"), kSalt, kKeyData, kIv),
      CryptoErrc::kWrongPassword);
}

TEST(DropPassword, TamperedKeyDataLooksLikeAWrongPassword) {
  Bytes data = base64url_decode(kKeyData);
  data[58] ^= 0x01;  // last tag byte
  EXPECT_CRYPTO_ERROR(unlock_drop_key_string(pw(kPassword), kSalt, base64url_encode(data), kIv),
                      CryptoErrc::kWrongPassword);
}

TEST(DropPassword, RandomRoundTrip) {
  const DropKey key = DropKey::generate();
  const std::string password = "a long enough passphrase ✓";
  const DropPasswordFields fields = protect_drop_key(key, pw(password));
  EXPECT_EQ(fields.salt.size(), 43u);
  EXPECT_EQ(fields.custom_key_iv.size(), 16u);
  EXPECT_EQ(fields.custom_key_data.size(), 79u);
  const DropKey unlocked = unlock_drop_key(pw(password), fields);
  EXPECT_TRUE(constant_time_equal(unlocked.bytes(), key.bytes()));
}

TEST(DropPassword, MalformedFieldsFailBeforeDerivation) {
  const std::string salt(kSalt);
  const std::string data(kKeyData);
  const std::string iv(kIv);
  const ByteView p = pw(kPassword);
  // Salt: wrong length, oversized, non-canonical, bad alphabet.
  EXPECT_CRYPTO_ERROR(unlock_drop_key_string(p, salt.substr(0, 42), data, iv),
                      CryptoErrc::kInvalidLength);
  EXPECT_CRYPTO_ERROR(unlock_drop_key_string(p, salt + "AAAA", data, iv),
                      CryptoErrc::kInvalidLength);
  EXPECT_CRYPTO_ERROR(unlock_drop_key_string(p, std::string(5000, 'A'), data, iv),
                      CryptoErrc::kInvalidLength);
  EXPECT_CRYPTO_ERROR(unlock_drop_key_string(p, "", data, iv), CryptoErrc::kInvalidLength);
  EXPECT_CRYPTO_ERROR(unlock_drop_key_string(p, salt.substr(0, 42) + "9", data, iv),
                      CryptoErrc::kInvalidEncoding);
  EXPECT_CRYPTO_ERROR(unlock_drop_key_string(p, salt.substr(0, 42) + "/", data, iv),
                      CryptoErrc::kInvalidEncoding);
  // IV.
  EXPECT_CRYPTO_ERROR(unlock_drop_key_string(p, salt, data, iv.substr(0, 15)),
                      CryptoErrc::kInvalidLength);
  EXPECT_CRYPTO_ERROR(unlock_drop_key_string(p, salt, data, iv + "AAAA"),
                      CryptoErrc::kInvalidLength);
  EXPECT_CRYPTO_ERROR(unlock_drop_key_string(p, salt, data, iv.substr(0, 15) + "."),
                      CryptoErrc::kInvalidEncoding);
  // customKeyData: too short (tag only / less), too long, bad encoding, truncated.
  EXPECT_CRYPTO_ERROR(unlock_drop_key_string(p, salt, "", iv), CryptoErrc::kInvalidLength);
  EXPECT_CRYPTO_ERROR(unlock_drop_key_string(p, salt, base64url_encode(Bytes(16)), iv),
                      CryptoErrc::kInvalidLength);
  EXPECT_CRYPTO_ERROR(unlock_drop_key_string(p, salt, std::string(513, 'A'), iv),
                      CryptoErrc::kInvalidLength);
  EXPECT_CRYPTO_ERROR(unlock_drop_key_string(p, salt, data.substr(0, 77), iv),
                      CryptoErrc::kInvalidEncoding);
  EXPECT_CRYPTO_ERROR(unlock_drop_key_string(p, salt, data + "!", iv),
                      CryptoErrc::kInvalidEncoding);
}

TEST(DropPassword, ProtectRejectsBadArguments) {
  const DropKey key = DropKey::parse(kKeyString);
  EXPECT_CRYPTO_ERROR(protect_drop_key(key, {}), CryptoErrc::kInvalidArgument);
  EXPECT_CRYPTO_ERROR(protect_drop_key(key, pw(kPassword), range_bytes(0, 31), range_bytes(0, 12)),
                      CryptoErrc::kInvalidLength);
  EXPECT_CRYPTO_ERROR(protect_drop_key(key, pw(kPassword), range_bytes(0, 32), range_bytes(0, 16)),
                      CryptoErrc::kInvalidLength);
}

}  // namespace
}  // namespace anonfs::crypto
