// ChunkBufferPool: exact sizes, reuse of released buffers, wiping on release and truncate, the
// retain limit, and buffers that outlive their pool.
#include "anonfs/vfs/chunk_buffer.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <thread>
#include <utility>
#include <vector>

namespace anonfs::vfs {
namespace {

constexpr std::size_t kMiB = std::size_t{1} << 20;

bool all_zero(const std::uint8_t* p, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    if (p[i] != 0) return false;
  }
  return true;
}

TEST(ChunkBufferPool, AcquireGivesTheExactSizeInWholePages) {
  ChunkBufferPool pool(64 * kMiB);
  const ChunkBuffer b = pool.acquire(5000);
  ASSERT_NE(b.data(), nullptr);
  EXPECT_EQ(b.size(), 5000u);
  EXPECT_EQ(b.capacity(), 8192u);
  EXPECT_EQ(b.view().size(), 5000u);
  const ChunkBufferPoolStats s = pool.stats();
  EXPECT_EQ(s.allocations, 1u);
  EXPECT_EQ(s.mapped_bytes, 8192u);
  EXPECT_TRUE(pool.acquire(0).empty());
}

TEST(ChunkBufferPool, BigBuffersStartOnAHugePageBoundary) {
  ChunkBufferPool pool(64 * kMiB);
  const ChunkBuffer b = pool.acquire(5 * kMiB + 16);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(b.data()) % (2 * kMiB), 0u);
  EXPECT_EQ(b.capacity(), 5 * kMiB + 4096);
}

TEST(ChunkBufferPool, ReleasedBufferIsWipedAndReused) {
  ChunkBufferPool pool(64 * kMiB);
  const std::uint8_t* first = nullptr;
  {
    ChunkBuffer b = pool.acquire(3 * kMiB);
    std::memset(b.data(), 0xAB, b.size());
    first = b.data();
  }
  ChunkBufferPoolStats s = pool.stats();
  EXPECT_EQ(s.free_buffers, 1u);
  EXPECT_EQ(s.free_bytes, 3 * kMiB);

  const ChunkBuffer again = pool.acquire(3 * kMiB - 100);  // fits the free buffer
  EXPECT_EQ(again.data(), first);
  EXPECT_EQ(again.size(), 3 * kMiB - 100);
  EXPECT_TRUE(all_zero(again.data(), again.capacity()));  // nothing of the old chunk is left
  s = pool.stats();
  EXPECT_EQ(s.allocations, 1u);
  EXPECT_EQ(s.reuses, 1u);
  EXPECT_EQ(s.free_buffers, 0u);
  EXPECT_EQ(s.mapped_bytes, 3 * kMiB);
}

TEST(ChunkBufferPool, MovedFromBufferReleasesNothing) {
  ChunkBufferPool pool(64 * kMiB);
  ChunkBuffer a = pool.acquire(kMiB);
  a.data()[0] = 7;
  ChunkBuffer b = std::move(a);
  EXPECT_EQ(a.data(), nullptr);  // NOLINT(bugprone-use-after-move): the moved-from state
  EXPECT_EQ(b.data()[0], 7);
  a = std::move(b);
  EXPECT_EQ(a.data()[0], 7);
  EXPECT_EQ(pool.stats().free_buffers, 0u);
}

TEST(ChunkBufferPool, MuchLargerFreeBufferIsNotUsedForASmallChunk) {
  ChunkBufferPool pool(64 * kMiB);
  { const ChunkBuffer big = pool.acquire(4 * kMiB); }
  const ChunkBuffer small = pool.acquire(4096);
  const ChunkBufferPoolStats s = pool.stats();
  EXPECT_EQ(s.allocations, 2u);
  EXPECT_EQ(s.reuses, 0u);
  EXPECT_EQ(s.free_buffers, 1u);
}

TEST(ChunkBufferPool, TruncateWipesTheTail) {
  ChunkBufferPool pool(kMiB);
  ChunkBuffer b = pool.acquire(10000);
  std::memset(b.data(), 0x5A, b.size());
  b.truncate(100);
  EXPECT_EQ(b.size(), 100u);
  EXPECT_EQ(b.data()[99], 0x5A);
  EXPECT_TRUE(all_zero(b.data() + 100, b.capacity() - 100));
  b.truncate(1000);  // growing is a no-op
  EXPECT_EQ(b.size(), 100u);
}

TEST(ChunkBufferPool, KeepsFreeBuffersOnlyWithinTheRetainLimit) {
  ChunkBufferPool pool(2 * kMiB);
  {
    std::vector<ChunkBuffer> live;
    for (int i = 0; i < 3; ++i)
      live.push_back(pool.acquire(kMiB));
    EXPECT_EQ(pool.stats().mapped_bytes, 3 * kMiB);
  }
  // The first release finds 3 MiB mapped (over the limit) and unmaps its buffer; the other two
  // then fit within 2 MiB and are kept.
  ChunkBufferPoolStats s = pool.stats();
  EXPECT_EQ(s.unmapped, 1u);
  EXPECT_EQ(s.free_buffers, 2u);
  EXPECT_EQ(s.mapped_bytes, 2 * kMiB);
  pool.trim();
  s = pool.stats();
  EXPECT_EQ(s.free_buffers, 0u);
  EXPECT_EQ(s.mapped_bytes, 0u);
}

TEST(ChunkBufferPool, ZeroRetainKeepsNothing) {
  ChunkBufferPool pool(0);
  { const ChunkBuffer b = pool.acquire(kMiB); }
  const ChunkBufferPoolStats s = pool.stats();
  EXPECT_EQ(s.free_buffers, 0u);
  EXPECT_EQ(s.mapped_bytes, 0u);
  EXPECT_EQ(s.unmapped, 1u);
}

// Waits (bounded) until the pool's background spare maker has produced `spares` spares.
bool wait_for_spares(const ChunkBufferPool& pool, std::uint64_t spares) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (pool.stats().spares < spares || pool.stats().free_buffers == 0) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

TEST(ChunkBufferPool, KeepSpareServesTheNextAcquireAndIsReplenished) {
  ChunkBufferPool pool(64 * kMiB);
  pool.keep_spare(8 * kMiB);
  ASSERT_TRUE(wait_for_spares(pool, 1));
  EXPECT_EQ(pool.stats().allocations, 0u);
  ChunkBuffer first = pool.acquire(8 * kMiB - 100);  // fits the spare
  EXPECT_EQ(pool.stats().reuses, 1u);
  EXPECT_EQ(pool.stats().allocations, 0u);
  EXPECT_TRUE(all_zero(first.data(), first.size()));  // fresh pages, never another chunk's data
  ASSERT_TRUE(wait_for_spares(pool, 2));              // a new spare replaces the one taken
  EXPECT_EQ(pool.stats().mapped_bytes, 16 * kMiB);
}

TEST(ChunkBufferPool, BufferMayOutliveItsPool) {
  ChunkBuffer survivor;
  {
    ChunkBufferPool pool(64 * kMiB);
    { const ChunkBuffer freed = pool.acquire(kMiB); }  // a free buffer, unmapped with the pool
    survivor = pool.acquire(2 * kMiB);
    std::memset(survivor.data(), 1, survivor.size());
  }
  EXPECT_EQ(survivor.data()[survivor.size() - 1], 1);
  survivor = ChunkBuffer();  // released after the pool: unmapped, no crash
  EXPECT_EQ(survivor.data(), nullptr);
}

}  // namespace
}  // namespace anonfs::vfs
