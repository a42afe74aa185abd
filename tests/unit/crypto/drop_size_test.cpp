// Drop size arithmetic: the §3 examples, the §2.3 validation rules at their boundaries, the §2.6
// legacy fallback, chunk ranges, and absurd untrusted values.
#include "anonfs/crypto/drop_size.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <numeric>
#include <random>

#include "../../support/crypto_error.hpp"
#include "anonfs/crypto/error.hpp"

namespace anonfs::crypto {
namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;
constexpr std::uint64_t kGiB = 1024 * kMiB;
constexpr std::uint64_t kMax64 = std::numeric_limits<std::uint64_t>::max();

void expect_invalid(std::uint64_t size, std::uint64_t chunk_size, std::uint64_t chunk_count) {
  SCOPED_TRACE(testing::Message() << "size=" << size << " chunkSize=" << chunk_size
                                  << " chunkCount=" << chunk_count);
  EXPECT_CRYPTO_ERROR(validate_chunk_layout(size, chunk_size, chunk_count),
                      CryptoErrc::kInvalidFormat);
}

void expect_valid(std::uint64_t size, std::uint64_t chunk_size, std::uint64_t chunk_count) {
  SCOPED_TRACE(testing::Message() << "size=" << size << " chunkSize=" << chunk_size
                                  << " chunkCount=" << chunk_count);
  const ChunkLayout layout = validate_chunk_layout(size, chunk_size, chunk_count);
  EXPECT_EQ(layout.ciphertext_size, size);
  EXPECT_EQ(layout.chunk_size, chunk_size);
  EXPECT_EQ(layout.chunk_count, chunk_count);
}

// Checks that ranges tile the object and the plaintext exactly, and that part sizes match.
void expect_consistent(const ChunkLayout& layout) {
  const std::uint64_t plain = plaintext_size(layout);
  EXPECT_EQ(plain + 16 * layout.chunk_count, layout.ciphertext_size);
  const std::vector<std::uint64_t> parts = upload_part_sizes(layout);
  ASSERT_EQ(parts.size(), layout.chunk_count);
  EXPECT_EQ(std::accumulate(parts.begin(), parts.end(), std::uint64_t{0}), layout.ciphertext_size);
  std::uint64_t ct_pos = 0;
  std::uint64_t pt_pos = 0;
  for (std::uint32_t i = 0; i < layout.chunk_count; ++i) {
    const ByteRange ct = chunk_ciphertext_range(layout, i);
    const ByteRange pt = chunk_plaintext_range(layout, i);
    EXPECT_EQ(ct.offset, ct_pos);
    EXPECT_EQ(pt.offset, pt_pos);
    EXPECT_EQ(ct.length, pt.length + 16);
    EXPECT_EQ(ct.length, parts[i]);
    EXPECT_GT(pt.length, 0u);
    EXPECT_LE(pt.length, layout.chunk_size);
    if (i + 1 < layout.chunk_count) {
      EXPECT_EQ(pt.length, layout.chunk_size);
      EXPECT_GE(layout.chunk_size, kMinMultipartChunkSize);
    }
    EXPECT_EQ(chunk_index_at(layout, pt.offset), i);
    EXPECT_EQ(chunk_index_at(layout, pt.end() - 1), i);
    ct_pos = ct.end();
    pt_pos = pt.end();
  }
  EXPECT_EQ(ct_pos, layout.ciphertext_size);
  EXPECT_EQ(pt_pos, plain);
  EXPECT_CRYPTO_ERROR(chunk_index_at(layout, plain), CryptoErrc::kInvalidArgument);
}

TEST(DropSize, WebExampleFromSpec) {
  const ChunkLayout layout = plan_chunks(125'829'120);
  EXPECT_EQ(layout.chunk_size, 52'428'800u);
  EXPECT_EQ(layout.chunk_count, 3u);
  EXPECT_EQ(layout.ciphertext_size, 125'829'168u);
  EXPECT_EQ(upload_part_sizes(layout),
            (std::vector<std::uint64_t>{52'428'816, 52'428'816, 20'971'536}));
  EXPECT_EQ(plaintext_size(layout), 125'829'120u);
  EXPECT_EQ(validate_chunk_layout(125'829'168, 52'428'800, 3), layout);
  expect_consistent(layout);
}

TEST(DropSize, CliExampleFromSpecValidates) {
  const ChunkLayout layout = validate_chunk_layout(125'829'168, 41'943'040, 3);
  EXPECT_EQ(upload_part_sizes(layout),
            (std::vector<std::uint64_t>{41'943'056, 41'943'056, 41'943'056}));
  EXPECT_EQ(plaintext_size(layout), 125'829'120u);
  expect_consistent(layout);
}

TEST(DropSize, PlanSingleChunkUpTo50MiB) {
  EXPECT_EQ(plan_chunks(1), (ChunkLayout{1, 1, 17}));
  EXPECT_EQ(plan_chunks(19), (ChunkLayout{19, 1, 35}));
  EXPECT_EQ(plan_chunks(50 * kMiB), (ChunkLayout{50 * kMiB, 1, 50 * kMiB + 16}));
  EXPECT_EQ(plan_chunks(50 * kMiB + 1), (ChunkLayout{50 * kMiB, 2, 50 * kMiB + 1 + 32}));
  EXPECT_EQ(plan_chunks(100 * kMiB), (ChunkLayout{50 * kMiB, 2, 100 * kMiB + 32}));
  EXPECT_EQ(plan_chunks(250 * kGiB).chunk_count, 5120u);
  EXPECT_EQ(plan_chunks(250 * kGiB).chunk_size, 50 * kMiB);
}

TEST(DropSize, PlanRejectsEmptyAndTooLarge) {
  EXPECT_CRYPTO_ERROR(plan_chunks(0), CryptoErrc::kInvalidArgument);
  EXPECT_CRYPTO_ERROR(plan_chunks(250 * kGiB + 1), CryptoErrc::kInvalidArgument);
  EXPECT_CRYPTO_ERROR(plan_chunks(kMax64), CryptoErrc::kInvalidArgument);
}

TEST(DropSize, PlansAlwaysValidateAndTile) {
  std::mt19937_64 rng(12345);
  std::vector<std::uint64_t> sizes = {1,
                                      2,
                                      16,
                                      17,
                                      5 * kMiB,
                                      50 * kMiB - 1,
                                      50 * kMiB,
                                      50 * kMiB + 1,
                                      100 * kMiB - 1,
                                      100 * kMiB + 1,
                                      2 * kGiB - 1,
                                      2 * kGiB,
                                      5 * kGiB,
                                      250 * kGiB - 1,
                                      250 * kGiB};
  for (int i = 0; i < 40; ++i)
    sizes.push_back(1 + rng() % (250 * kGiB));
  for (int i = 0; i < 40; ++i)
    sizes.push_back(1 + rng() % (200 * kMiB));
  for (const std::uint64_t size : sizes) {
    SCOPED_TRACE(size);
    const ChunkLayout layout = plan_chunks(size);
    EXPECT_EQ(plaintext_size(layout), size);
    EXPECT_EQ(validate_chunk_layout(layout.ciphertext_size, layout.chunk_size, layout.chunk_count),
              layout);
    if (layout.chunk_count <= 64) expect_consistent(layout);
  }
}

TEST(DropSize, ChunkCountBounds) {
  expect_invalid(17, 1, 0);
  expect_valid(17, 1, 1);
  // 10 000 chunks of 5 MiB: the smallest and largest legal sizes.
  const std::uint64_t part = 5 * kMiB + 16;
  expect_valid(9'999 * part + 17, 5 * kMiB, 10'000);
  expect_valid(10'000 * part, 5 * kMiB, 10'000);
  expect_invalid(10'001 * part, 5 * kMiB, 10'001);
  expect_invalid(10'000 * part, 5 * kMiB, kMax64);
  expect_invalid(10'000 * part, 5 * kMiB, std::uint64_t{1} << 32);  // would truncate to 0
}

TEST(DropSize, ChunkSizeBounds) {
  expect_invalid(17, 0, 1);
  const std::uint64_t int_max = 2'147'483'647;
  expect_valid(int_max + 16, int_max, 1);
  expect_invalid(int_max + 17, int_max + 1, 1);
  expect_invalid(17, kMax64, 1);
  expect_invalid(kMax64, kMax64, kMax64);
  // chunkCount > 1 needs chunkSize >= 5 MiB.
  expect_valid(2 * (5 * kMiB + 16), 5 * kMiB, 2);
  expect_invalid(2 * (5 * kMiB + 15), 5 * kMiB - 1, 2);
  // Several chunks of 2^31-1 each.
  expect_valid(3 * (int_max + 16), int_max, 3);
}

TEST(DropSize, SizeBounds) {
  expect_invalid(0, 1, 1);
  expect_invalid(16, 1, 1);  // no plaintext
  expect_invalid(kMax64, 50 * kMiB, 3);
  expect_invalid(kMax64, kMax64, 1);
  // Plaintext just above 250 GiB in a shape that is otherwise legal.
  const std::uint64_t n = 5'121;
  const std::uint64_t lower = (n - 1) * (50 * kMiB + 16) + 17;
  EXPECT_EQ(lower - 16 * n, 250 * kGiB + 1);
  expect_invalid(lower, 50 * kMiB, n);
  // And exactly 250 GiB is fine.
  expect_valid(250 * kGiB + 16 * 5'120, 50 * kMiB, 5'120);
  expect_invalid(kMaxCiphertextSize + 1, kMaxChunkSize, 10'000);
}

TEST(DropSize, MultiChunkRangeAndFinalPartRule) {
  const std::uint64_t cs = 50 * kMiB;
  const std::uint64_t part = cs + 16;
  expect_valid(2 * part + 17, cs, 3);    // final part carries one byte
  expect_invalid(2 * part + 16, cs, 3);  // final part is just a tag
  expect_invalid(2 * part, cs, 3);       // final part empty
  expect_invalid(part, cs, 3);
  expect_valid(3 * part, cs, 3);        // final part full
  expect_invalid(3 * part + 1, cs, 3);  // final part larger than chunkSize + 16
  expect_invalid(4 * part, cs, 3);
}

TEST(DropSize, SingleChunkNeedsChunkSizeAtLeastPlaintext) {
  expect_valid(117, 101, 1);
  expect_invalid(117, 100, 1);
  // The seed documentation sends the ciphertext length as chunkSize: also legal.
  const ChunkLayout seed = validate_chunk_layout(117, 117, 1);
  EXPECT_EQ(plaintext_size(seed), 101u);
  EXPECT_EQ(chunk_plaintext_range(seed, 0), (ByteRange{0, 101}));
  EXPECT_EQ(chunk_ciphertext_range(seed, 0), (ByteRange{0, 117}));
  expect_consistent(seed);
  // Single chunks are limited by the INTEGER column: < 2 GiB plaintext.
  expect_invalid(2 * kGiB + 16, 2 * kGiB, 1);
}

TEST(DropSize, LegacyFallbackWhenChunkFieldsAreNull) {
  EXPECT_EQ(chunk_layout_from_server(125'829'168, std::nullopt, std::nullopt),
            (ChunkLayout{52'428'800, 3, 125'829'168}));
  EXPECT_EQ(chunk_layout_from_server(1'000, std::nullopt, std::nullopt),
            (ChunkLayout{52'428'800, 1, 1'000}));
  EXPECT_EQ(chunk_layout_from_server(52'428'816, std::nullopt, std::nullopt),
            (ChunkLayout{52'428'800, 1, 52'428'816}));
  EXPECT_EQ(chunk_layout_from_server(52'428'816 + 17, std::nullopt, std::nullopt),
            (ChunkLayout{52'428'800, 2, 52'428'816 + 17}));
  // A derived second chunk that would be shorter than its tag is refused.
  EXPECT_CRYPTO_ERROR(chunk_layout_from_server(52'428'818, std::nullopt, std::nullopt),
                      CryptoErrc::kInvalidFormat);
  // One field present.
  EXPECT_EQ(chunk_layout_from_server(125'829'168, 41'943'040, std::nullopt),
            (ChunkLayout{41'943'040, 3, 125'829'168}));
  EXPECT_EQ(chunk_layout_from_server(1'000, std::nullopt, 1), (ChunkLayout{52'428'800, 1, 1'000}));
  // Both present: plain validation.
  EXPECT_EQ(chunk_layout_from_server(125'829'168, 52'428'800, 3),
            (ChunkLayout{52'428'800, 3, 125'829'168}));
  EXPECT_CRYPTO_ERROR(chunk_layout_from_server(125'829'168, 52'428'800, 2),
                      CryptoErrc::kInvalidFormat);
  // Nonsense.
  EXPECT_CRYPTO_ERROR(chunk_layout_from_server(16, std::nullopt, std::nullopt),
                      CryptoErrc::kInvalidFormat);
  EXPECT_CRYPTO_ERROR(chunk_layout_from_server(0, std::nullopt, std::nullopt),
                      CryptoErrc::kInvalidFormat);
  EXPECT_CRYPTO_ERROR(chunk_layout_from_server(kMax64, std::nullopt, std::nullopt),
                      CryptoErrc::kInvalidFormat);
  EXPECT_CRYPTO_ERROR(chunk_layout_from_server(1'000, kMax64, std::nullopt),
                      CryptoErrc::kInvalidFormat);
  EXPECT_CRYPTO_ERROR(chunk_layout_from_server(1'000, 0, std::nullopt), CryptoErrc::kInvalidFormat);
  EXPECT_CRYPTO_ERROR(chunk_layout_from_server(kMax64, kMax64 - 15, std::nullopt),
                      CryptoErrc::kInvalidFormat);
  EXPECT_CRYPTO_ERROR(chunk_layout_from_server(kMax64, 1, kMax64), CryptoErrc::kInvalidFormat);
}

TEST(DropSize, AbsurdTriplesNeverCrash) {
  const std::uint64_t values[] = {0,           1,          15,         16,
                                  17,          5 * kMiB,   50 * kMiB,  kMaxChunkSize,
                                  1ull << 31,  1ull << 32, 1ull << 62, 1ull << 63,
                                  kMax64 - 16, kMax64 - 1, kMax64};
  for (const std::uint64_t size : values) {
    for (const std::uint64_t cs : values) {
      for (const std::uint64_t cc : values) {
        try {
          const ChunkLayout layout = validate_chunk_layout(size, cs, cc);
          expect_consistent(layout);
        } catch (const CryptoError& e) {
          EXPECT_EQ(e.code(), CryptoErrc::kInvalidFormat);
        }
      }
    }
  }
}

TEST(DropSize, IndexAndRanges) {
  const ChunkLayout layout = plan_chunks(125'829'120);
  EXPECT_EQ(chunk_index_at(layout, 0), 0u);
  EXPECT_EQ(chunk_index_at(layout, 52'428'799), 0u);
  EXPECT_EQ(chunk_index_at(layout, 52'428'800), 1u);
  EXPECT_EQ(chunk_index_at(layout, 125'829'119), 2u);
  EXPECT_CRYPTO_ERROR(chunk_index_at(layout, 125'829'120), CryptoErrc::kInvalidArgument);
  EXPECT_CRYPTO_ERROR(chunk_index_at(layout, kMax64), CryptoErrc::kInvalidArgument);

  EXPECT_EQ(chunk_ciphertext_range(layout, 0), (ByteRange{0, 52'428'816}));
  EXPECT_EQ(chunk_ciphertext_range(layout, 1), (ByteRange{52'428'816, 52'428'816}));
  EXPECT_EQ(chunk_ciphertext_range(layout, 2), (ByteRange{104'857'632, 20'971'536}));
  EXPECT_EQ(chunk_ciphertext_range(layout, 2).end(), 125'829'168u);
  EXPECT_EQ(chunk_plaintext_range(layout, 0), (ByteRange{0, 52'428'800}));
  EXPECT_EQ(chunk_plaintext_range(layout, 2), (ByteRange{104'857'600, 20'971'520}));
  EXPECT_CRYPTO_ERROR(chunk_ciphertext_range(layout, 3), CryptoErrc::kInvalidArgument);
  EXPECT_CRYPTO_ERROR(chunk_plaintext_range(layout, 0xFFFFFFFF), CryptoErrc::kInvalidArgument);
}

TEST(DropSize, HandMadeInconsistentLayoutsAreRefused) {
  const ChunkLayout zero{};
  EXPECT_CRYPTO_ERROR(plaintext_size(zero), CryptoErrc::kInvalidArgument);
  EXPECT_CRYPTO_ERROR(upload_part_sizes(zero), CryptoErrc::kInvalidArgument);
  EXPECT_CRYPTO_ERROR(chunk_index_at(zero, 0), CryptoErrc::kInvalidArgument);
  const ChunkLayout bogus{kMax64, 3, kMax64};
  EXPECT_CRYPTO_ERROR(chunk_ciphertext_range(bogus, 1), CryptoErrc::kInvalidArgument);
  EXPECT_CRYPTO_ERROR(chunk_plaintext_range(bogus, 1), CryptoErrc::kInvalidArgument);
}

}  // namespace
}  // namespace anonfs::crypto
