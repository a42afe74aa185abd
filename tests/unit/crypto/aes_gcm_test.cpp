#include "anonfs/crypto/aes_gcm.hpp"

#include <gtest/gtest.h>

#include "anonfs/crypto/error.hpp"
#include "anonfs/crypto/random.hpp"

namespace ac = anonfs::crypto;

namespace {

ac::Bytes hex(std::string_view s) {
  return ac::hex_decode(s);
}

// McGrew & Viega, "The Galois/Counter Mode of Operation", AES-256 test cases 13, 14 and 16.
TEST(AesGcm, NistVectors) {
  const ac::Bytes zero_key(32, 0);
  const ac::Bytes zero_iv(12, 0);
  EXPECT_EQ(ac::hex_encode(ac::gcm_seal(zero_key, zero_iv, {}, {})),
            "530f8afbc74536b9a963b4f1c4cb738b");
  EXPECT_EQ(ac::hex_encode(ac::gcm_seal(zero_key, zero_iv, {}, ac::Bytes(16, 0))),
            "cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919");

  const auto key = hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
  const auto iv = hex("cafebabefacedbaddecaf888");
  const auto pt =
      hex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e24"
          "49a6b525b16aedf5aa0de657ba637b39");
  const auto aad = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
  const std::string expected =
      "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b10"
      "56828838c5f61e6393ba7a0abcc9f662"
      "76fc6ece0f4e1768cddf8853bb2d551b";
  const auto sealed = ac::gcm_seal(key, iv, aad, pt);
  EXPECT_EQ(ac::hex_encode(sealed), expected);
  const auto opened = ac::gcm_open(key, iv, aad, sealed);
  EXPECT_TRUE(opened.equals(pt));
}

TEST(AesGcm, InPlaceRoundTrip) {
  const auto key = ac::random_secret(32);
  const auto iv = ac::random_bytes(12);
  ac::Bytes buf = ac::random_bytes(1000 + 16);
  const ac::Bytes pt(buf.begin(), buf.begin() + 1000);
  ac::gcm_encrypt(key.view(), iv, {}, ac::ByteView(buf.data(), 1000), buf);
  EXPECT_NE(ac::Bytes(buf.begin(), buf.begin() + 1000), pt);
  ASSERT_TRUE(ac::gcm_decrypt(key.view(), iv, {}, buf, buf));
  EXPECT_EQ(ac::Bytes(buf.begin(), buf.begin() + 1000), pt);
}

TEST(AesGcm, FailedInPlaceDecryptionRestoresCiphertext) {
  const auto key = ac::random_secret(32);
  const auto iv = ac::random_bytes(12);
  const auto wrong_iv = ac::random_bytes(12);
  const auto pt = ac::random_bytes(333);
  ac::Bytes buf = ac::gcm_seal(key.view(), iv, {}, pt);
  const ac::Bytes original = buf;
  EXPECT_FALSE(ac::gcm_decrypt_in_place_or_restore(key.view(), wrong_iv, {}, buf));
  EXPECT_EQ(buf, original);
  EXPECT_TRUE(ac::gcm_decrypt_in_place_or_restore(key.view(), iv, {}, buf));
  EXPECT_EQ(ac::Bytes(buf.begin(), buf.begin() + 333), pt);
}

TEST(AesGcm, DetectsEveryBitFlip) {
  const auto key = ac::random_secret(32);
  const auto iv = ac::random_bytes(12);
  const auto aad = ac::random_bytes(5);
  const auto sealed = ac::gcm_seal(key.view(), iv, aad, ac::random_bytes(24));
  for (std::size_t i = 0; i < sealed.size() * 8; i += 7) {
    ac::Bytes tampered = sealed;
    tampered[i / 8] ^= static_cast<std::uint8_t>(1u << (i % 8));
    try {
      ac::gcm_open(key.view(), iv, aad, tampered);
      ADD_FAILURE() << "bit " << i << " not detected";
    } catch (const ac::CryptoError& e) {
      EXPECT_EQ(e.code(), ac::CryptoErrc::kAuthenticationFailed);
    }
  }
  ac::Bytes other_aad = aad;
  other_aad[0] ^= 1;
  EXPECT_THROW(ac::gcm_open(key.view(), iv, other_aad, sealed), ac::CryptoError);
}

TEST(AesGcm, SixteenByteIvAndShortTags) {
  const auto key = ac::random_secret(32);
  const auto iv = ac::random_bytes(16);
  const auto pt = ac::random_bytes(40);
  for (std::size_t tag : {8u, 12u, 16u}) {
    const auto sealed = ac::gcm_seal(key.view(), iv, {}, pt, tag);
    ASSERT_EQ(sealed.size(), pt.size() + tag);
    EXPECT_TRUE(ac::gcm_open(key.view(), iv, {}, sealed, tag).equals(pt));
  }
}

TEST(AesGcm, RejectsBadParameters) {
  const auto key = ac::random_secret(32);
  const auto iv = ac::random_bytes(12);
  auto code = [](auto&& fn) {
    try {
      fn();
    } catch (const ac::CryptoError& e) {
      return e.code();
    }
    return ac::CryptoErrc::kInternal;
  };
  EXPECT_EQ(code([&] { ac::gcm_seal(ac::Bytes(16, 0), iv, {}, {}); }),
            ac::CryptoErrc::kInvalidLength);
  EXPECT_EQ(code([&] { ac::gcm_seal(key.view(), ac::Bytes{}, {}, {}); }),
            ac::CryptoErrc::kInvalidLength);
  EXPECT_EQ(code([&] { ac::gcm_open(key.view(), iv, {}, ac::Bytes(15, 0)); }),
            ac::CryptoErrc::kInvalidLength);
  EXPECT_EQ(code([&] { ac::gcm_seal(key.view(), iv, {}, {}, 3); }),
            ac::CryptoErrc::kInvalidArgument);
  ac::Bytes small(4);
  EXPECT_EQ(code([&] { ac::gcm_encrypt(key.view(), iv, {}, ac::Bytes(8, 0), small); }),
            ac::CryptoErrc::kInvalidArgument);
  ac::Bytes buf(64);
  EXPECT_EQ(code([&] {
              ac::gcm_encrypt(key.view(), iv, {}, ac::ByteView(buf.data(), 32),
                              ac::MutableByteView(buf.data() + 1, 48));
            }),
            ac::CryptoErrc::kInvalidArgument);
}

}  // namespace
