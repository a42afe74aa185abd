#include "anonfs/crypto/base64.hpp"

#include <gtest/gtest.h>

#include "anonfs/crypto/error.hpp"

namespace ac = anonfs::crypto;
using ac::CryptoErrc;
using ac::CryptoError;

namespace {

ac::Bytes bytes(std::string_view s) {
  return ac::Bytes(s.begin(), s.end());
}

CryptoErrc code_of(auto&& fn) {
  try {
    fn();
  } catch (const CryptoError& e) {
    return e.code();
  }
  ADD_FAILURE() << "expected CryptoError";
  return CryptoErrc::kInternal;
}

TEST(Base64, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (auto [plain, enc] : vectors) {
    EXPECT_EQ(ac::base64_encode(bytes(plain)), enc);
    EXPECT_EQ(ac::base64_decode(enc), bytes(plain));
  }
}

TEST(Base64, StandardVsUrlAlphabet) {
  const ac::Bytes data = {0xfb, 0xff, 0xbf};
  EXPECT_EQ(ac::base64_encode(data), "+/+/");
  EXPECT_EQ(ac::base64url_encode(data), "-_-_");
  EXPECT_EQ(ac::base64_decode("+/+/"), data);
  EXPECT_EQ(ac::base64url_decode("-_-_"), data);
  EXPECT_EQ(code_of([] { ac::base64_decode("-_-_"); }), CryptoErrc::kInvalidEncoding);
  EXPECT_EQ(code_of([] { ac::base64url_decode("+/+/"); }), CryptoErrc::kInvalidEncoding);
}

TEST(Base64Url, NeverPadsAndToleratesCorrectPadding) {
  EXPECT_EQ(ac::base64url_encode(bytes("f")), "Zg");
  EXPECT_EQ(ac::base64url_encode(bytes("fo")), "Zm8");
  EXPECT_EQ(ac::base64url_decode("Zg"), bytes("f"));
  EXPECT_EQ(ac::base64url_decode("Zg=="), bytes("f"));
  EXPECT_EQ(code_of([] { ac::base64url_decode("Zg=", ac::Padding::kOptional); }),
            CryptoErrc::kInvalidEncoding);
}

TEST(Base64, PaddingModes) {
  EXPECT_EQ(code_of([] { ac::base64_decode("Zg"); }), CryptoErrc::kInvalidEncoding);
  EXPECT_EQ(ac::base64_decode("Zg", ac::Padding::kOptional), bytes("f"));
  EXPECT_EQ(code_of([] { ac::base64_decode("Zg==", ac::Padding::kForbidden); }),
            CryptoErrc::kInvalidEncoding);
  EXPECT_EQ(code_of([] { ac::base64url_decode("Zg==", ac::Padding::kForbidden); }),
            CryptoErrc::kInvalidEncoding);
}

TEST(Base64, RejectsMalformedInput) {
  const char* bad[] = {
      "Z",         // impossible length
      "Zg=",       // short padding
      "Zg===",     // excess padding
      "Z===",      // padding after one symbol
      "Zm9v====",  // padding on a full group
      "Zh==",      // non-canonical trailing bits
      "Zm9=",      // non-canonical trailing bits
      "Zm 9v",     // whitespace
      "Zm9v\n",    // newline
      "Z=g=",      // padding in the middle
      "Zm9v*",     // invalid symbol
  };
  for (const char* s : bad) {
    EXPECT_EQ(code_of([s] { ac::base64_decode(s, ac::Padding::kOptional); }),
              CryptoErrc::kInvalidEncoding)
        << s;
  }
  EXPECT_EQ(code_of([] { ac::base64_decode(std::string_view("Zm\0v", 4)); }),
            CryptoErrc::kInvalidEncoding);
}

TEST(Base64Url, ExactAndSecretDecoders) {
  const std::string key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
  const ac::Bytes raw = ac::base64url_decode_exact(key, 32);
  ASSERT_EQ(raw.size(), 32u);
  for (int i = 0; i < 32; ++i)
    EXPECT_EQ(raw[i], i);
  EXPECT_EQ(code_of([&] { ac::base64url_decode_exact(key, 16); }), CryptoErrc::kInvalidLength);
  const ac::SecretBytes secret = ac::base64url_decode_secret(key);
  EXPECT_TRUE(secret.equals(raw));
  EXPECT_EQ(ac::base64url_encode(secret.view()), key);
}

TEST(Base64, EncodedSizes) {
  EXPECT_EQ(ac::base64url_encoded_size(12), 16u);
  EXPECT_EQ(ac::base64url_encoded_size(32), 43u);
  EXPECT_EQ(ac::base64url_encoded_size(65), 87u);
  EXPECT_EQ(ac::base64url_encoded_size(40), 54u);
  EXPECT_EQ(ac::base64_encoded_size(18), 24u);
}

TEST(Base64, RoundTripsEveryLength) {
  ac::Bytes data;
  for (int n = 0; n < 70; ++n) {
    EXPECT_EQ(ac::base64_decode(ac::base64_encode(data)), data);
    EXPECT_EQ(ac::base64url_decode(ac::base64url_encode(data)), data);
    EXPECT_EQ(ac::base64url_encode(data).size(), ac::base64url_encoded_size(data.size()));
    data.push_back(static_cast<std::uint8_t>(n * 37 + 11));
  }
}

}  // namespace
