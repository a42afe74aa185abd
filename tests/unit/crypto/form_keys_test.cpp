// Form owner-key wrap (§10.4, vector §14.4) and form passwords (§12, vector §14.5).
#include "anonfs/crypto/form_keys.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "anonfs/crypto/aes_gcm.hpp"
#include "anonfs/crypto/aes_kw.hpp"
#include "anonfs/crypto/argon2id.hpp"
#include "anonfs/crypto/base64.hpp"
#include "anonfs/crypto/error.hpp"

namespace anonfs::crypto {
namespace {

// §14.3
constexpr char kKekHex[] = "03627c599e20b15cacaeb18c2ce81125c6b0077202248d47bd7c92b0fda7686b";
constexpr char kPasswordWrappedVaultKey[] =
    "hi5_AtdDrf7pHkD-IIqvo-AVRAHQIxK6RkzQed2Z0DsksQYqK9hBog";
// §14.4
constexpr char kFormPub[] =
    "BAIX5hfwtkQ5KCePlpmeaaI6TywVK99tbN9m5bgCgtTtGUp968uXcS0t2jyoWqh2Wlb0X8dYWZZS8ol8ZTBuV5Q";
constexpr char kFormPkcs8Hex[] =
    "308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b02010104201111111111111111111111"
    "111111111111111111111111111111111111111111a144034200040217e617f0b6443928278f96999e69a23a4f2c15"
    "2bdf6d6cdf66e5b80282d4ed194a7debcb97712d2dda3ca85aa8765a56f45fc758599652f2897c65306e5794";
constexpr char kWrapped[] =
    "kJGSk5SVlpeYmZqbhd7c33enpSFi9mR677xpJYIZbv6RwVY3aP3Ysa0FD-VK8kHr89GAFwbbpox_"
    "dlzCWI0KJ4mVqSyZgomBHY"
    "WlGXpzW0NnQg9EjN0clZaunPIbLWEiGBW3z0zcPuR2akQbmEI-BpNBVBBHw5YjEOpD1icJfo-afImH-"
    "VUj1B2ucwwC07p41GhM"
    "CWrEZh5iGZ_Br4ouUNUjfPaovw";
// §14.5
constexpr char kFormPassword[] = "letmein!";
constexpr char kSalt[] = "YGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn8";
constexpr char kCustomKeyIv[] = "ICEiIyQlJicoKSor";
constexpr char kWitness[] = "4OHi4-Tl5ufo6err7O3u7_Dx8vP09fb3-Pn6-_z9_v8";
constexpr char kCustomKeyData[] =
    "PT9qRk0x9gTH-i8SYEKax3MqFzAHFxqT9P-boLvtsCDsgKmd97_EvxIhp-1hrUI_qez6VNCkh92ko7U";
constexpr char kVerifier[] = "2QutlzhBgScyA90PjMMOFqgXvvelGwJutr8Kf8ujMSo";

Bytes range_bytes(std::uint8_t first, std::size_t n) {
  Bytes out(n);
  for (std::size_t i = 0; i < n; ++i)
    out[i] = static_cast<std::uint8_t>(first + i);
  return out;
}

SecretBytes vault_key() {
  return SecretBytes(range_bytes(0x80, 32));
}

void expect_errc(const std::function<void()>& fn, CryptoErrc code) {
  try {
    fn();
    ADD_FAILURE() << "expected CryptoError(" << to_string(code) << "), nothing thrown";
  } catch (const CryptoError& e) {
    EXPECT_EQ(e.code(), code) << "got " << to_string(e.code()) << ": " << e.what();
  }
}

// ------------------------------------------------------------------------------------------------
// §10.4

TEST(FormKeyWrap, VaultKeyOfVector) {
  // The §14.3 vault key is bytes 0x80..0x9f; confirm through the AES-KW vector.
  const SecretBytes unwrapped =
      aes_kw_unwrap(hex_decode(kKekHex), base64url_decode(kPasswordWrappedVaultKey));
  EXPECT_TRUE(unwrapped.equals(vault_key().view()));
}

TEST(FormKeyWrap, VectorWrapIsExact) {
  const SecretBytes key = vault_key();
  const std::string wrapped =
      wrap_form_private_key(key.view(), hex_decode(kFormPkcs8Hex), range_bytes(0x90, 12));
  EXPECT_EQ(wrapped, kWrapped);
  EXPECT_EQ(wrapped.size(), 222u);
}

TEST(FormKeyWrap, VectorUnwrap) {
  const SecretBytes key = vault_key();
  const SecretBytes der = unwrap_form_private_key_der(key.view(), kWrapped);
  EXPECT_EQ(hex_encode(der.view()), kFormPkcs8Hex);
  const P256PrivateKey form = unwrap_form_private_key(key.view(), kWrapped);
  EXPECT_EQ(form.public_key().to_base64url(), kFormPub);
}

TEST(FormKeyWrap, RandomRoundTrips) {
  const SecretBytes key = vault_key();
  for (int i = 0; i < 4; ++i) {
    const auto form = P256PrivateKey::generate();
    const std::string a = wrap_form_private_key(key.view(), form);
    const std::string b = wrap_form_private_key(key.view(), form);
    EXPECT_NE(a, b);  // fresh IV
    EXPECT_EQ(a.size(), 222u);
    EXPECT_EQ(unwrap_form_private_key(key.view(), a).public_key(), form.public_key());
    EXPECT_EQ(unwrap_form_private_key(key.view(), b).public_key(), form.public_key());
  }
  // Arbitrary payloads (the wrap itself does not look inside).
  for (std::size_t n : {0u, 1u, 200u}) {
    const Bytes data(n, 0x5a);
    const std::string w = wrap_form_private_key(key.view(), data);
    EXPECT_TRUE(unwrap_form_private_key_der(key.view(), w).equals(data));
  }
}

TEST(FormKeyWrap, RejectsBadInput) {
  const SecretBytes key = vault_key();
  const Bytes blob = base64url_decode(kWrapped);
  // Too short: <= 12 bytes, and shorter than IV + tag.
  for (std::size_t n : {0u, 1u, 12u, 13u, 27u}) {
    SCOPED_TRACE(n);
    expect_errc(
        [&] { unwrap_form_private_key_der(key.view(), base64url_encode(ByteView(blob).first(n))); },
        CryptoErrc::kInvalidLength);
  }
  // IV + tag only: authenticates nothing, fails the tag.
  expect_errc(
      [&] { unwrap_form_private_key_der(key.view(), base64url_encode(ByteView(blob).first(28))); },
      CryptoErrc::kAuthenticationFailed);
  // Bad base64url.
  std::string bad = kWrapped;
  bad[7] = '+';
  expect_errc([&] { unwrap_form_private_key_der(key.view(), bad); }, CryptoErrc::kInvalidEncoding);
  expect_errc(
      [&] { unwrap_form_private_key_der(key.view(), std::string(kWrapped).substr(0, 221)); },
      CryptoErrc::kInvalidEncoding);
  std::string noncanon = kWrapped;  // 222 chars: the last one has 2 unused bits
  ASSERT_EQ(noncanon.back(), 'w');
  noncanon.back() = 'x';
  expect_errc([&] { unwrap_form_private_key_der(key.view(), noncanon); },
              CryptoErrc::kInvalidEncoding);
  // Every byte flipped: IV, ciphertext, tag.
  for (std::size_t i = 0; i < blob.size(); ++i) {
    Bytes flipped = blob;
    flipped[i] ^= 0x40;
    expect_errc([&] { unwrap_form_private_key_der(key.view(), base64url_encode(flipped)); },
                CryptoErrc::kAuthenticationFailed);
  }
  // Wrong vault key, vault key of the wrong size.
  SecretBytes other = vault_key();
  other.data()[0] ^= 1;
  expect_errc([&] { unwrap_form_private_key_der(other.view(), kWrapped); },
              CryptoErrc::kAuthenticationFailed);
  expect_errc([&] { unwrap_form_private_key_der(ByteView(key.view()).first(31), kWrapped); },
              CryptoErrc::kInvalidLength);
  expect_errc(
      [&] { wrap_form_private_key(ByteView(key.view()).first(16), hex_decode(kFormPkcs8Hex)); },
      CryptoErrc::kInvalidLength);
  expect_errc([&] { wrap_form_private_key(key.view(), hex_decode(kFormPkcs8Hex), Bytes(16, 0)); },
              CryptoErrc::kInvalidLength);
  // Without the AAD (a plain vault payload) the tag fails.
  const Bytes iv = range_bytes(0x90, 12);
  Bytes no_aad = iv;
  const Bytes sealed = gcm_seal(key.view(), iv, {}, hex_decode(kFormPkcs8Hex));
  no_aad.insert(no_aad.end(), sealed.begin(), sealed.end());
  expect_errc([&] { unwrap_form_private_key_der(key.view(), base64url_encode(no_aad)); },
              CryptoErrc::kAuthenticationFailed);
  // A correctly wrapped blob that is not a P-256 PKCS#8.
  const std::string junk = wrap_form_private_key(key.view(), Bytes(40, 0x30));
  EXPECT_NO_THROW(unwrap_form_private_key_der(key.view(), junk));
  expect_errc([&] { unwrap_form_private_key(key.view(), junk); }, CryptoErrc::kInvalidFormat);
}

// ------------------------------------------------------------------------------------------------
// §12

TEST(FormPassword, VectorCreateIsExact) {
  const FormPasswordSetup s = create_form_password(as_bytes(kFormPassword), range_bytes(0x60, 32),
                                                   range_bytes(0x20, 12), range_bytes(0xe0, 32));
  EXPECT_EQ(s.salt, kSalt);
  EXPECT_EQ(s.custom_key_iv, kCustomKeyIv);
  EXPECT_EQ(s.custom_key_data, kCustomKeyData);
  EXPECT_EQ(s.custom_key_verifier, kVerifier);
  EXPECT_EQ(s.witness.str(), kWitness);
}

TEST(FormPassword, VectorDeriveProof) {
  const SecretBytes proof =
      derive_form_proof(as_bytes(kFormPassword), kSalt, kCustomKeyData, kCustomKeyIv);
  EXPECT_EQ(proof.str(), kWitness);
  EXPECT_EQ(form_proof_verifier(proof.view()), kVerifier);
  EXPECT_TRUE(verify_form_proof(proof.view(), kVerifier));
}

TEST(FormPassword, WrongPassword) {
  expect_errc([&] { derive_form_proof(as_bytes("letmein?"), kSalt, kCustomKeyData, kCustomKeyIv); },
              CryptoErrc::kWrongPassword);
  expect_errc([&] { derive_form_proof({}, kSalt, kCustomKeyData, kCustomKeyIv); },
              CryptoErrc::kWrongPassword);
  // Tampered ciphertext looks the same as a wrong password.
  Bytes data = base64url_decode(kCustomKeyData);
  data[0] ^= 1;
  expect_errc(
      [&] {
        derive_form_proof(as_bytes(kFormPassword), kSalt, base64url_encode(data), kCustomKeyIv);
      },
      CryptoErrc::kWrongPassword);
}

TEST(FormPassword, VerifyProof) {
  EXPECT_TRUE(verify_form_proof(as_bytes(kWitness), kVerifier));
  std::string other = kWitness;
  other[0] = 'A';
  EXPECT_FALSE(verify_form_proof(as_bytes(other), kVerifier));
  EXPECT_FALSE(verify_form_proof(as_bytes(kWitness), ""));
  EXPECT_FALSE(verify_form_proof(as_bytes(kWitness), std::string(kVerifier) + "="));
  EXPECT_FALSE(verify_form_proof(as_bytes(kWitness), std::string(kVerifier).substr(0, 42)));
  EXPECT_FALSE(verify_form_proof({}, kVerifier));
  // The verifier hashes the witness *string*, not its decoded bytes.
  EXPECT_FALSE(verify_form_proof(base64url_decode(kWitness), kVerifier));
}

TEST(FormPassword, RandomRoundTrip) {
  const FormPasswordSetup s = create_form_password(as_bytes("correct horse"));
  EXPECT_EQ(s.salt.size(), 43u);
  EXPECT_EQ(s.custom_key_iv.size(), 16u);
  EXPECT_EQ(s.custom_key_data.size(), 79u);
  EXPECT_EQ(s.custom_key_verifier.size(), 43u);
  EXPECT_EQ(s.witness.size(), kFormWitnessChars);
  const SecretBytes proof =
      derive_form_proof(as_bytes("correct horse"), s.salt, s.custom_key_data, s.custom_key_iv);
  EXPECT_TRUE(proof.equals(s.witness.view()));
  EXPECT_TRUE(verify_form_proof(proof.view(), s.custom_key_verifier));
}

TEST(FormPassword, CreateRejectsBadArguments) {
  const Bytes salt = range_bytes(0x60, 32);
  const Bytes iv = range_bytes(0x20, 12);
  const Bytes witness = range_bytes(0xe0, 32);
  expect_errc([&] { create_form_password({}, salt, iv, witness); }, CryptoErrc::kInvalidArgument);
  expect_errc([&] { create_form_password({}); }, CryptoErrc::kInvalidArgument);
  expect_errc([&] { create_form_password(as_bytes("pw"), ByteView(salt).first(31), iv, witness); },
              CryptoErrc::kInvalidLength);
  expect_errc([&] { create_form_password(as_bytes("pw"), salt, ByteView(iv).first(11), witness); },
              CryptoErrc::kInvalidLength);
  expect_errc([&] { create_form_password(as_bytes("pw"), salt, iv, ByteView(witness).first(16)); },
              CryptoErrc::kInvalidLength);
}

TEST(FormPassword, DeriveRejectsMalformedFieldsBeforeArgon2) {
  const auto pw = as_bytes(kFormPassword);
  // Salt.
  expect_errc([&] { derive_form_proof(pw, "", kCustomKeyData, kCustomKeyIv); },
              CryptoErrc::kInvalidLength);
  expect_errc(
      [&] { derive_form_proof(pw, base64url_encode(Bytes(31, 1)), kCustomKeyData, kCustomKeyIv); },
      CryptoErrc::kInvalidLength);
  std::string bad_salt = kSalt;
  bad_salt[0] = '*';
  expect_errc([&] { derive_form_proof(pw, bad_salt, kCustomKeyData, kCustomKeyIv); },
              CryptoErrc::kInvalidEncoding);
  std::string noncanon_salt = kSalt;  // 43 chars: 2 unused bits in the last one
  ASSERT_EQ(noncanon_salt.back(), '8');
  noncanon_salt.back() = '9';
  expect_errc([&] { derive_form_proof(pw, noncanon_salt, kCustomKeyData, kCustomKeyIv); },
              CryptoErrc::kInvalidEncoding);
  // IV.
  expect_errc([&] { derive_form_proof(pw, kSalt, kCustomKeyData, "ICEiIyQlJicoKSorLA"); },
              CryptoErrc::kInvalidLength);
  expect_errc([&] { derive_form_proof(pw, kSalt, kCustomKeyData, "ICEiIyQlJicoKSo"); },
              CryptoErrc::kInvalidLength);  // 11 bytes
  expect_errc([&] { derive_form_proof(pw, kSalt, kCustomKeyData, "ICEiIyQlJicoKSoX"); },
              CryptoErrc::kWrongPassword);  // a valid but different IV
  // Data: too short for a tag plus one byte, too long for the server, bad encoding.
  expect_errc([&] { derive_form_proof(pw, kSalt, "", kCustomKeyIv); }, CryptoErrc::kInvalidLength);
  expect_errc([&] { derive_form_proof(pw, kSalt, base64url_encode(Bytes(16, 1)), kCustomKeyIv); },
              CryptoErrc::kInvalidLength);
  expect_errc([&] { derive_form_proof(pw, kSalt, std::string(516, 'A'), kCustomKeyIv); },
              CryptoErrc::kInvalidLength);
  expect_errc(
      [&] {
        derive_form_proof(pw, kSalt, std::string(kCustomKeyData).substr(0, 77), kCustomKeyIv);
      },
      CryptoErrc::kInvalidEncoding);
}

TEST(FormPassword, DecryptedWitnessMustBeBase64url) {
  const Bytes salt = range_bytes(0x60, 32);
  const Bytes iv = range_bytes(0x20, 12);
  const SecretBytes key = argon2id(as_bytes(kFormPassword), salt);
  const Bytes data = gcm_seal(key.view(), iv, {}, as_bytes("not a witness!"));
  expect_errc(
      [&] {
        derive_form_proof(as_bytes(kFormPassword), base64url_encode(salt), base64url_encode(data),
                          base64url_encode(iv));
      },
      CryptoErrc::kInvalidFormat);
}

}  // namespace
}  // namespace anonfs::crypto
