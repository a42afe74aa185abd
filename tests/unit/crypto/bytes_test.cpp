#include "anonfs/crypto/bytes.hpp"

#include <gtest/gtest.h>

#include <type_traits>

#include "anonfs/crypto/error.hpp"
#include "anonfs/crypto/random.hpp"

namespace ac = anonfs::crypto;

namespace {

TEST(SecretBytes, IsMoveOnly) {
  static_assert(!std::is_copy_constructible_v<ac::SecretBytes>);
  static_assert(!std::is_copy_assignable_v<ac::SecretBytes>);
  static_assert(std::is_nothrow_move_constructible_v<ac::SecretBytes>);
  ac::SecretBytes a = ac::SecretBytes::from_string("hunter2");
  ac::SecretBytes b = std::move(a);
  EXPECT_EQ(b.str(), "hunter2");
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): moved-from state is specified
  ac::SecretBytes c = b.clone();
  EXPECT_TRUE(c.equals(b.view()));
}

TEST(SecretBytes, AdoptWipesTheSource) {
  ac::Bytes raw = {1, 2, 3, 4};
  ac::SecretBytes s = ac::SecretBytes::adopt(std::move(raw));
  EXPECT_EQ(s.size(), 4u);
  EXPECT_TRUE(raw.empty());  // NOLINT(bugprone-use-after-move)
}

TEST(SecretBytes, ConstantTimeEquality) {
  const ac::Bytes x = {1, 2, 3};
  const ac::Bytes y = {1, 2, 4};
  EXPECT_TRUE(ac::constant_time_equal(x, x));
  EXPECT_FALSE(ac::constant_time_equal(x, y));
  EXPECT_FALSE(ac::constant_time_equal(x, ac::Bytes{1, 2}));
  EXPECT_TRUE(ac::constant_time_equal(ac::Bytes{}, ac::Bytes{}));
}

TEST(Hex, RoundTripAndStrictness) {
  const ac::Bytes data = {0x00, 0x7f, 0x80, 0xff};
  EXPECT_EQ(ac::hex_encode(data), "007f80ff");
  EXPECT_EQ(ac::hex_decode("007F80fF"), data);
  EXPECT_THROW(ac::hex_decode("abc"), ac::CryptoError);
  EXPECT_THROW(ac::hex_decode("zz"), ac::CryptoError);
  EXPECT_THROW(ac::hex_decode("0x12"), ac::CryptoError);
}

TEST(Random, UniformStaysInRangeAndCoversIt) {
  std::array<int, 7> seen{};
  for (int i = 0; i < 2000; ++i) {
    const auto v = ac::random_uniform(7);
    ASSERT_LT(v, 7u);
    ++seen[v];
  }
  for (int count : seen)
    EXPECT_GT(count, 150);  // expected ~285 each; 150 is > 8 sigma away
  EXPECT_EQ(ac::random_uniform(1), 0u);
  EXPECT_THROW(ac::random_uniform(0), ac::CryptoError);
  EXPECT_NE(ac::random_bytes(32), ac::random_bytes(32));
}

}  // namespace
