// password.link: the API vector of secrets-protocols.md §4b, split-password generation, sealing
// round trips and malformed halves/ciphertexts.

#include "anonfs/crypto/passwordlink.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "../../support/crypto_error.hpp"
#include "anonfs/crypto/base64.hpp"
#include "anonfs/crypto/error.hpp"
#include "anonfs/crypto/sjcl.hpp"

namespace anonfs::crypto {
namespace {

constexpr std::string_view kCiphertext =
    "eyJpdiI6InhHZnlEd3Z2K2JqeVlpbUNKYnhEcUE9PSIsInYiOjEsIml0ZXIiOjEwMDAwLCJrcyI6MjU2LCJ0cyI6NjQsIm"
    "1vZGUiOiJnY20iLCJhZGF0YSI6IiIsImNpcGhlciI6ImFlcyIsInNhbHQiOiJ2LzRWQ3lTVVQ1VT0iLCJjdCI6IkNDLzgy"
    "TkpoU21GTWx0UXRGL1VtZWxkUiJ9";
constexpr std::string_view kPrivateB64 = "ZmtnamJudmxha3dpZWpndXRu";
constexpr std::string_view kPublicB64 = "RklHS0VPVElSVUJOQUtRSlJM";
constexpr std::string_view kPlaintext = "secret \xe2\x9c\x93";  // "secret ✓"

CryptoErrc error_of(const std::function<void()>& fn) {
  return anonfs::test_support::crypto_error_of(fn);
}

CryptoErrc open_error(std::string_view ct, std::string_view priv, std::string_view pub) {
  return error_of([&] { (void)passwordlink_open(ct, priv, pub); });
}

TEST(PasswordLink, OpensApiVector) {
  EXPECT_EQ(passwordlink_open(kCiphertext, kPrivateB64, kPublicB64).str(), kPlaintext);
}

TEST(PasswordLink, VectorHalvesAndPassword) {
  const SecretBytes priv = passwordlink_decode_half(kPrivateB64);
  const SecretBytes pub = passwordlink_decode_half(kPublicB64);
  EXPECT_EQ(priv.str(), "fkgjbnvlakwiejgutn");
  EXPECT_EQ(pub.str(), "FIGKEOTIRUBNAKQJRL");
  EXPECT_EQ(passwordlink_password(priv.view(), pub.view()).str(),
            "fkgjbnvlakwiejgutnFIGKEOTIRUBNAKQJRL");
  // The API ciphertext is base64 of the SJCL JSON text.
  const Bytes json = base64_decode(kCiphertext);
  EXPECT_EQ(sjcl_decrypt(as_chars(json), as_bytes("fkgjbnvlakwiejgutnFIGKEOTIRUBNAKQJRL")).str(),
            kPlaintext);
}

TEST(PasswordLink, PasswordMapsBytesLikeAtobThenUtf8) {
  const Bytes priv = {'a', 0xE9};
  const Bytes pub = {0x7F, 0x80, 0xFF};
  EXPECT_EQ(hex_encode(passwordlink_password(priv, pub).view()), "61c3a97fc280c3bf");
}

TEST(PasswordLink, GeneratedHalves) {
  std::set<char> seen;
  for (int i = 0; i < 300; ++i) {
    const PasswordLinkHalves h = passwordlink_generate_halves();
    ASSERT_EQ(h.private_part.size(), kPasswordLinkHalfSize);
    ASSERT_EQ(h.public_part.size(), kPasswordLinkHalfSize);
    ASSERT_FALSE(h.private_part.equals(h.public_part.view()));
    for (const SecretBytes* part : {&h.private_part, &h.public_part}) {
      for (char c : part->str()) {
        ASSERT_NE(kPasswordLinkAlphabet.find(c), std::string_view::npos);
        seen.insert(c);
      }
    }
  }
  // 10800 draws over 90 symbols: all of them appear (failure odds ~1e-48).
  EXPECT_EQ(kPasswordLinkAlphabet.size(), 90u);
  EXPECT_EQ(seen.size(), 90u);
}

TEST(PasswordLink, SealOpenRoundTrip) {
  const PasswordLinkSealed sealed = passwordlink_seal(as_bytes(kPlaintext));
  EXPECT_EQ(sealed.password_part_private.size(), kPasswordLinkHalfB64Size);
  EXPECT_EQ(sealed.public_part_b64.size(), kPasswordLinkHalfB64Size);
  EXPECT_EQ(sealed.password_part_private.str().find('='), std::string_view::npos);
  EXPECT_EQ(passwordlink_open(sealed.ciphertext, sealed.password_part_private.str(),
                              sealed.public_part_b64.str())
                .str(),
            kPlaintext);
  // The official parameters.
  const Bytes json = base64_decode(sealed.ciphertext);
  const nlohmann::json doc = nlohmann::json::parse(as_chars(json));
  EXPECT_EQ(doc["mode"], "gcm");
  EXPECT_EQ(doc["ks"], 256);
  EXPECT_EQ(doc["iter"], 10000);
  EXPECT_EQ(doc["ts"], 64);
  EXPECT_EQ(base64_decode(doc["salt"].get<std::string>()).size(), 8u);
  EXPECT_EQ(base64_decode(doc["iv"].get<std::string>()).size(), 16u);
  // Halves swapped: the password is private + public, in that order.
  EXPECT_EQ(open_error(sealed.ciphertext, sealed.public_part_b64.str(),
                       sealed.password_part_private.str()),
            CryptoErrc::kWrongPassword);
}

TEST(PasswordLink, SealWithGivenHalvesAndStrongerParameters) {
  PasswordLinkHalves halves{SecretBytes::from_string("fkgjbnvlakwiejgutn"),
                            SecretBytes::from_string("FIGKEOTIRUBNAKQJRL")};
  SjclParams params;
  params.tag_bits = 128;
  params.salt_size = 16;
  const PasswordLinkSealed sealed = passwordlink_seal(as_bytes("x"), halves, params);
  EXPECT_EQ(sealed.password_part_private.str(), kPrivateB64);
  EXPECT_EQ(sealed.public_part_b64.str(), kPublicB64);
  EXPECT_EQ(passwordlink_open(sealed.ciphertext, kPrivateB64, kPublicB64).str(), "x");
  const SjclBlob blob = sjcl_parse(as_chars(base64_decode(sealed.ciphertext)));
  EXPECT_EQ(blob.tag_bits, 128u);
  EXPECT_EQ(blob.salt.size(), 16u);

  // Empty secret.
  const PasswordLinkSealed empty = passwordlink_seal({}, halves);
  EXPECT_TRUE(passwordlink_open(empty.ciphertext, kPrivateB64, kPublicB64).empty());
}

TEST(PasswordLink, SealRejectsBadInput) {
  EXPECT_EQ(error_of([] { (void)passwordlink_seal(as_bytes("\xc0\x80")); }),
            CryptoErrc::kInvalidArgument);
  PasswordLinkHalves short_half{SecretBytes::from_string("fkgjbnvlakwiejgut"),
                                SecretBytes::from_string("FIGKEOTIRUBNAKQJRL")};
  EXPECT_EQ(error_of([&] { (void)passwordlink_seal(as_bytes("x"), short_half); }),
            CryptoErrc::kInvalidLength);
  PasswordLinkHalves empty_half{SecretBytes::from_string("fkgjbnvlakwiejgutn"), SecretBytes()};
  EXPECT_EQ(error_of([&] { (void)passwordlink_seal(as_bytes("x"), empty_half); }),
            CryptoErrc::kInvalidLength);
}

TEST(PasswordLink, BadHalves) {
  // base64 of 17 and 19 bytes, too short/long strings.
  const std::string b17 = base64_encode(Bytes(17, 'a'));
  const std::string b19 = base64_encode(Bytes(19, 'a'));
  EXPECT_EQ(open_error(kCiphertext, b17, kPublicB64), CryptoErrc::kInvalidLength);
  EXPECT_EQ(open_error(kCiphertext, kPrivateB64, b19), CryptoErrc::kInvalidLength);
  EXPECT_EQ(open_error(kCiphertext, "", kPublicB64), CryptoErrc::kInvalidLength);
  EXPECT_EQ(open_error(kCiphertext, kPrivateB64, kPublicB64.substr(0, 23)),
            CryptoErrc::kInvalidLength);
  EXPECT_EQ(open_error(kCiphertext, kPrivateB64, std::string(kPublicB64) + "="),
            CryptoErrc::kInvalidLength);
  // Not base64: a '+' that a form decoder turned into a space, '-' from base64url, '%2B'.
  std::string spaced(kPublicB64);
  spaced[3] = ' ';
  EXPECT_EQ(open_error(kCiphertext, kPrivateB64, spaced), CryptoErrc::kInvalidEncoding);
  std::string urlsafe(kPublicB64);
  urlsafe[3] = '-';
  EXPECT_EQ(open_error(kCiphertext, kPrivateB64, urlsafe), CryptoErrc::kInvalidEncoding);
  EXPECT_EQ(open_error(kCiphertext, "%2B" + std::string(kPrivateB64.substr(3)), kPublicB64),
            CryptoErrc::kInvalidEncoding);
  // Another valid half: wrong password.
  EXPECT_EQ(open_error(kCiphertext, kPrivateB64, base64_encode(Bytes(18, 'A'))),
            CryptoErrc::kWrongPassword);
}

TEST(PasswordLink, BadCiphertext) {
  EXPECT_EQ(open_error("", kPrivateB64, kPublicB64), CryptoErrc::kInvalidFormat);
  EXPECT_EQ(open_error("not base64!", kPrivateB64, kPublicB64), CryptoErrc::kInvalidEncoding);
  EXPECT_EQ(open_error(kCiphertext.substr(0, kCiphertext.size() - 1), kPrivateB64, kPublicB64),
            CryptoErrc::kInvalidEncoding);
  // Truncated on a 4-character boundary: valid base64 of broken JSON.
  EXPECT_EQ(open_error(kCiphertext.substr(0, 100), kPrivateB64, kPublicB64),
            CryptoErrc::kInvalidFormat);
  // The raw JSON instead of its base64.
  EXPECT_EQ(open_error(as_chars(base64_decode(kCiphertext)), kPrivateB64, kPublicB64),
            CryptoErrc::kInvalidEncoding);
  // Unpadded base64 of the JSON is tolerated.
  const std::string json(as_chars(base64_decode(kCiphertext)));
  std::string unpadded = base64_encode(as_bytes(json));
  while (!unpadded.empty() && unpadded.back() == '=')
    unpadded.pop_back();
  EXPECT_EQ(passwordlink_open(unpadded, kPrivateB64, kPublicB64).str(), kPlaintext);
  // Tampered ct inside the JSON.
  std::string tampered = json;
  const std::size_t ct = tampered.find("CC/82");
  ASSERT_NE(ct, std::string::npos);
  tampered[ct] = 'D';
  EXPECT_EQ(open_error(base64_encode(as_bytes(tampered)), kPrivateB64, kPublicB64),
            CryptoErrc::kWrongPassword);
  // Unsupported mode inside.
  std::string ccm = json;
  ccm.replace(ccm.find("\"gcm\""), 5, "\"ccm\"");
  EXPECT_EQ(open_error(base64_encode(as_bytes(ccm)), kPrivateB64, kPublicB64),
            CryptoErrc::kUnsupported);
  // Oversized.
  EXPECT_EQ(open_error(std::string(30u << 20, 'A'), kPrivateB64, kPublicB64),
            CryptoErrc::kInvalidLength);
}

}  // namespace
}  // namespace anonfs::crypto
