#include "anonfs/crypto/hash.hpp"

#include <gtest/gtest.h>

#include "anonfs/crypto/error.hpp"

namespace ac = anonfs::crypto;

namespace {

ac::Bytes hex(std::string_view s) {
  return ac::hex_decode(s);
}
std::string hex(ac::ByteView b) {
  return ac::hex_encode(b);
}

TEST(Hash, Sha256) {
  EXPECT_EQ(hex(ac::sha256(ac::as_bytes("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex(ac::sha256({})),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Hash, HmacSha256Rfc4231) {
  EXPECT_EQ(hex(ac::hmac_sha256(ac::Bytes(20, 0x0b), ac::as_bytes("Hi There"))),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(
      hex(ac::hmac_sha256(ac::as_bytes("Jefe"), ac::as_bytes("what do ya want for nothing?"))),
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Hash, Pbkdf2) {
  EXPECT_EQ(
      hex(ac::pbkdf2(ac::HashAlg::kSha256, ac::as_bytes("password"), ac::as_bytes("salt"), 1, 32)
              .view()),
      "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b");
  EXPECT_EQ(
      hex(ac::pbkdf2(ac::HashAlg::kSha256, ac::as_bytes("password"), ac::as_bytes("salt"), 4096, 32)
              .view()),
      "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a");
  EXPECT_EQ(
      hex(ac::pbkdf2(ac::HashAlg::kSha1, ac::as_bytes("password"), ac::as_bytes("salt"), 1, 20)
              .view()),
      "0c60c80f961f0e71f3a9b524af6012062fe037a6");
  EXPECT_THROW(ac::pbkdf2(ac::HashAlg::kSha1, {}, {}, 0, 20), ac::CryptoError);
}

TEST(Hash, HkdfRfc5869) {
  // Test case 1.
  EXPECT_EQ(hex(ac::hkdf_sha256(ac::Bytes(22, 0x0b), hex("000102030405060708090a0b0c"),
                                hex("f0f1f2f3f4f5f6f7f8f9"), 42)
                    .view()),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
  // Test case 3: empty salt and info.
  EXPECT_EQ(hex(ac::hkdf_sha256(ac::Bytes(22, 0x0b), {}, {}, 42).view()),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

}  // namespace
