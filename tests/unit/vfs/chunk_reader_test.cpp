// ChunkReader and Prefetcher: reads across chunk boundaries, EOF clipping, odd offsets, the cost
// of random reads, adaptive read-ahead, the prefetch budget and dedupe, shutdown with queued
// work, wrong-length chunks, failure and cancellation handling, and concurrent readers.
#include "anonfs/vfs/chunk_reader.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <latch>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

#include "anonfs/vfs/vfs_error.hpp"
#include "fake_source.hpp"

namespace anonfs::vfs {
namespace {

using testing::eventually;
using testing::FakeSource;
using testing::first_mismatch;
using testing::kChunk;
using testing::kMiB;
using testing::make_layout;

constexpr std::uint64_t kReadSize = 128 << 10;

// Five chunks, the last one short and odd-sized.
const std::uint64_t kFileSize = 4 * kChunk + 12345;

struct Fixture {
  explicit Fixture(std::uint64_t file_size = kFileSize, std::uint64_t cache_bytes = 128 * kMiB,
                   std::optional<PrefetchOptions> prefetch = std::nullopt)
      : layout(make_layout(file_size)),
        source(std::make_shared<FakeSource>(layout)),
        cache(cache_bytes) {
    if (prefetch) prefetcher.emplace(cache, *prefetch);
    reader.emplace("drop/file", layout, source, cache, prefetcher ? &*prefetcher : nullptr);
  }

  // Reads [offset, offset + n) and checks the bytes against the generator; returns bytes read.
  std::size_t read_and_check(std::uint64_t offset, std::size_t n) {
    std::vector<std::uint8_t> buf(n);
    const std::size_t got = reader->read(offset, buf);
    EXPECT_EQ(first_mismatch(source->seed(), offset, buf.data(), got), -1)
        << "offset " << offset << " length " << n;
    return got;
  }

  crypto::ChunkLayout layout;
  std::shared_ptr<FakeSource> source;
  ChunkCache cache;
  std::optional<Prefetcher> prefetcher;  // destroyed before the cache
  std::optional<ChunkReader> reader;     // destroyed before the prefetcher
};

PrefetchOptions prefetch_options(std::uint32_t ahead = 4, std::size_t threads = 2,
                                 std::uint64_t budget = 256 * kMiB) {
  PrefetchOptions o;
  o.threads = threads;
  o.max_ahead_chunks = ahead;
  o.max_inflight_bytes = budget;
  return o;
}

TEST(ChunkReader, ReadsAcrossChunkBoundaries) {
  Fixture f;
  EXPECT_EQ(f.reader->size(), kFileSize);
  EXPECT_EQ(f.read_and_check(kChunk - kMiB / 2, kMiB), kMiB);
  EXPECT_EQ(f.source->calls(0), 1);
  EXPECT_EQ(f.source->calls(1), 1);
  // A read spanning three chunks.
  EXPECT_EQ(f.read_and_check(2 * kChunk - 10, kChunk + 20), kChunk + 20);
  EXPECT_EQ(f.source->calls(1), 1);
  EXPECT_EQ(f.source->calls(2), 1);
  EXPECT_EQ(f.source->calls(3), 1);
  // The whole file in one read.
  EXPECT_EQ(f.read_and_check(0, kFileSize), kFileSize);
  EXPECT_EQ(f.source->total_calls(), 5);
}

TEST(ChunkReader, PinnedReadServesCachedChunksWithoutACopy) {
  Fixture f;
  const std::uint64_t offset = kChunk - 1000;
  const PinnedBytes bytes = f.reader->read_pinned(offset, 5000);
  ASSERT_EQ(bytes.pieces.size(), 2u);  // the tail of chunk 0, the head of chunk 1
  EXPECT_EQ(bytes.pieces[0].size(), 1000u);
  EXPECT_EQ(bytes.pieces[1].size(), 4000u);
  EXPECT_EQ(bytes.size(), 5000u);
  EXPECT_EQ(bytes.pins.size(), 2u);
  // The pieces are the cached chunks' own memory.
  const ChunkData chunk1 = f.cache.find(ChunkKey{"drop/file", 1});
  ASSERT_NE(chunk1, nullptr);
  EXPECT_EQ(bytes.pieces[1].data(), chunk1->data());
  // Still valid (and unchanged) after the cache dropped them.
  f.cache.clear();
  EXPECT_EQ(first_mismatch(f.source->seed(), offset, bytes.pieces[0].data(), 1000), -1);
  EXPECT_EQ(first_mismatch(f.source->seed(), kChunk, bytes.pieces[1].data(), 4000), -1);
  EXPECT_TRUE(f.reader->read_pinned(kFileSize, 10).pieces.empty());
  EXPECT_EQ(f.reader->read_pinned(kFileSize - 3, 10).size(), 3u);
}

TEST(ChunkReader, ClipsAtEndOfFile) {
  Fixture f;
  EXPECT_EQ(f.read_and_check(kFileSize - 100, 4096), 100u);
  EXPECT_EQ(f.read_and_check(kFileSize - 1, 1), 1u);
  std::vector<std::uint8_t> buf(4096, 0xEE);
  EXPECT_EQ(f.reader->read(kFileSize, buf), 0u);
  EXPECT_EQ(f.reader->read(kFileSize + 1, buf), 0u);
  EXPECT_EQ(f.reader->read(~std::uint64_t{0}, buf), 0u);
  EXPECT_EQ(buf[0], 0xEE);  // untouched
  EXPECT_EQ(f.reader->read(0, std::span<std::uint8_t>{}), 0u);
  EXPECT_EQ(f.source->total_calls(), 1);  // only the last chunk was loaded
  EXPECT_EQ(f.source->calls(4), 1);
}

TEST(ChunkReader, OddOffsetsAndLengths) {
  Fixture f;
  const std::uint64_t offsets[] = {0,
                                   1,
                                   kChunk - 1,
                                   kChunk,
                                   kChunk + 1,
                                   2 * kChunk - 3,
                                   3 * kChunk + 4093,
                                   4 * kChunk - 1,
                                   4 * kChunk,
                                   kFileSize - 7};
  const std::size_t lengths[] = {1, 2, 3, 4095, 4097, 65537, 1000003};
  for (const std::uint64_t offset : offsets) {
    for (const std::size_t length : lengths) {
      const std::uint64_t expected = std::min<std::uint64_t>(length, kFileSize - offset);
      ASSERT_EQ(f.read_and_check(offset, length), expected) << offset << "+" << length;
    }
  }
  for (std::uint32_t i = 0; i < 5; ++i)
    EXPECT_EQ(f.source->calls(i), 1) << i;
}

TEST(ChunkReader, RandomReadCostsExactlyOneChunkLoad) {
  Fixture f(kFileSize, 128 * kMiB, prefetch_options());
  f.read_and_check(2 * kChunk + 777, 4096);  // first access, mid-file
  f.prefetcher->wait_idle();
  EXPECT_EQ(f.source->total_calls(), 1);
  EXPECT_EQ(f.source->calls(2), 1);

  f.read_and_check(12345, 4096);  // jump back: random
  f.prefetcher->wait_idle();
  EXPECT_EQ(f.source->total_calls(), 2);
  EXPECT_EQ(f.source->calls(0), 1);

  f.read_and_check(4 * kChunk + 5, 4096);  // jump forward over several chunks: random
  f.prefetcher->wait_idle();
  EXPECT_EQ(f.source->total_calls(), 3);
  EXPECT_EQ(f.prefetcher->stats().scheduled, 0u);
}

TEST(ChunkReader, FirstReadAtStartDoesNotPrefetch) {
  Fixture f(kFileSize, 128 * kMiB, prefetch_options());
  f.read_and_check(0, 512);  // e.g. `file` sniffing magic bytes
  f.prefetcher->wait_idle();
  EXPECT_EQ(f.source->total_calls(), 1);
}

TEST(ChunkReader, WindowStartsAtOneDoublesAndResetsOnRandomJump) {
  const std::uint64_t size = 12 * kChunk;
  Fixture f(size, 128 * kMiB, prefetch_options(/*ahead=*/4));
  auto loaded = [&] {
    std::vector<int> v;
    for (std::uint32_t i = 0; i < 12; ++i)
      v.push_back(f.source->calls(i));
    return v;
  };
  f.read_and_check(0, kReadSize);  // first access: no read-ahead
  f.prefetcher->wait_idle();
  EXPECT_EQ(loaded(), (std::vector<int>{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  f.read_and_check(kReadSize, kReadSize);  // sequential: window 1
  f.prefetcher->wait_idle();
  EXPECT_EQ(loaded(), (std::vector<int>{1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  f.read_and_check(2 * kReadSize, kReadSize);  // same chunk: window stays 1
  f.prefetcher->wait_idle();
  EXPECT_EQ(loaded(), (std::vector<int>{1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  f.read_and_check(kChunk, kReadSize);  // next chunk: window 2 -> chunks 2, 3
  f.prefetcher->wait_idle();
  EXPECT_EQ(loaded(), (std::vector<int>{1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0}));
  f.read_and_check(2 * kChunk, kReadSize);  // window 4 -> chunks 3..6
  f.prefetcher->wait_idle();
  EXPECT_EQ(loaded(), (std::vector<int>{1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0}));
  f.read_and_check(3 * kChunk, kReadSize);  // window capped at 4 -> chunks 4..7
  f.prefetcher->wait_idle();
  EXPECT_EQ(loaded(), (std::vector<int>{1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0}));
  f.read_and_check(10 * kChunk, kReadSize);  // random jump: window reset, no read-ahead
  f.prefetcher->wait_idle();
  EXPECT_EQ(loaded(), (std::vector<int>{1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 0}));
  f.read_and_check(10 * kChunk + kReadSize, kReadSize);  // sequential again: window 1
  f.prefetcher->wait_idle();
  EXPECT_EQ(loaded(), (std::vector<int>{1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1}));
  EXPECT_EQ(f.prefetcher->stats().failed, 0u);
}

TEST(ChunkReader, SequentialReadPrefetchesAndLoadsEveryChunkOnce) {
  const std::uint64_t size = 8 * kChunk + 999;
  Fixture f(size, 128 * kMiB, prefetch_options());
  std::uint64_t offset = 0;
  while (offset < size)
    offset += f.read_and_check(offset, kReadSize);
  EXPECT_EQ(offset, size);
  f.prefetcher->wait_idle();
  for (std::uint32_t i = 0; i < 9; ++i)
    EXPECT_EQ(f.source->calls(i), 1) << i;
  EXPECT_EQ(f.source->total_calls(), 9);
  const PrefetchStats s = f.prefetcher->stats();
  EXPECT_GT(s.scheduled, 0u);
  EXPECT_EQ(s.loaded + s.already_present + s.unwanted, s.scheduled);
  EXPECT_EQ(s.failed, 0u);
  EXPECT_EQ(s.pending, 0u);
  EXPECT_EQ(s.inflight_bytes, 0u);
}

TEST(ChunkReader, ReadAheadRunsInBackgroundAndForegroundJoinsIt) {
  Fixture f(kFileSize, 128 * kMiB, prefetch_options());
  f.source->hold(1);
  f.read_and_check(0, kReadSize);
  f.read_and_check(kReadSize, kReadSize);  // sequential: chunk 1 is read ahead...
  ASSERT_TRUE(f.source->wait_entered(1));  // ...on a prefetch thread, as this one returned
  EXPECT_TRUE(f.cache.contains_or_loading(ChunkKey{"drop/file", 1}));

  const std::uint64_t hits_before = f.cache.stats().hits;
  std::jthread foreground([&] { f.read_and_check(kChunk + 10, kReadSize); });
  // The foreground read waits on the prefetch in flight instead of fetching again.
  ASSERT_TRUE(eventually([&] { return f.cache.stats().hits == hits_before + 1; }));
  f.source->release(1);
  foreground.join();
  f.prefetcher->wait_idle();
  EXPECT_EQ(f.source->calls(1), 1);
  EXPECT_GE(f.prefetcher->stats().loaded, 1u);
}

TEST(ChunkReader, NeverPrefetchesPastTheLastChunk) {
  const std::uint64_t size = 3 * kChunk - 5;
  Fixture f(size, 128 * kMiB, prefetch_options(/*ahead=*/8));
  std::uint64_t offset = 0;
  while (offset < size)
    offset += f.read_and_check(offset, kReadSize);
  // Reads at EOF and re-reads of the tail keep the reader "sequential" at the last chunk.
  std::vector<std::uint8_t> buf(kReadSize);
  EXPECT_EQ(f.reader->read(size, buf), 0u);
  f.read_and_check(size - 10, kReadSize);
  f.prefetcher->wait_idle();
  EXPECT_EQ(f.source->out_of_range(), 0);
  EXPECT_EQ(f.source->max_index_called(), 2u);
  EXPECT_EQ(f.source->total_calls(), 3);
  EXPECT_LE(f.prefetcher->stats().scheduled, 2u);
}

TEST(ChunkReader, ReadAheadIsLimitedToWhatTheCacheCanHold) {
  // Room for 3 chunks: the window is capped at 2 so read-ahead cannot evict the current chunk.
  const std::uint64_t size = 10 * kChunk;
  Fixture f(size, 3 * kChunk, prefetch_options(/*ahead=*/8));
  std::uint64_t offset = 0;
  while (offset < size) {
    offset += f.read_and_check(offset, kReadSize);
    f.prefetcher->wait_idle();  // deterministic: read-ahead never lags behind the reader here
    ASSERT_LE(f.cache.stats().bytes, 3 * kChunk);
  }
  for (std::uint32_t i = 0; i < 10; ++i)
    EXPECT_EQ(f.source->calls(i), 1) << i << ": " << f.source->log();
  EXPECT_LE(f.cache.stats().bytes, 3 * kChunk);
}

// Occupies the only worker of a one-thread Prefetcher until release().
struct BusyWorker {
  explicit BusyWorker(Prefetcher& prefetcher)
      : source(std::make_shared<FakeSource>(make_layout(1000, 1000))) {
    source->hold(0);
    prefetcher.schedule(ChunkKey{"busy", 0}, source, 1000);
    EXPECT_TRUE(source->wait_entered(0));
  }
  void release() { source->release(0); }
  std::shared_ptr<FakeSource> source;
};

TEST(ChunkReader, ReadAheadTheReaderHasPassedIsDropped) {
  Fixture f(6 * kChunk, 128 * kMiB, prefetch_options(/*ahead=*/4, /*threads=*/1));
  BusyWorker busy(*f.prefetcher);
  // Read-ahead jobs queue up behind the busy worker while the reader loads chunks 0-4 itself.
  f.read_and_check(0, kReadSize);
  f.read_and_check(kReadSize, kReadSize);   // schedules 1
  f.read_and_check(kChunk, kReadSize);      // schedules 2, 3
  f.read_and_check(2 * kChunk, kReadSize);  // schedules 4, 5 (3 is queued)
  f.read_and_check(3 * kChunk, kReadSize);
  f.read_and_check(4 * kChunk, kReadSize);
  f.cache.clear();  // as if evicted: a stale job would fetch chunks 1-4 again
  busy.release();
  f.prefetcher->wait_idle();
  for (std::uint32_t i = 0; i < 5; ++i)
    EXPECT_EQ(f.source->calls(i), 1) << i;
  EXPECT_EQ(f.source->calls(5), 1);  // still ahead of the reader: loaded
  const PrefetchStats s = f.prefetcher->stats();
  EXPECT_EQ(s.scheduled, 6u);  // the busy job and chunks 1-5
  EXPECT_EQ(s.unwanted, 4u);
  EXPECT_EQ(s.loaded, 2u);  // the busy job and chunk 5
}

TEST(ChunkReader, ClosingTheReaderDropsItsQueuedReadAhead) {
  Fixture f(6 * kChunk, 128 * kMiB, prefetch_options(/*ahead=*/4, /*threads=*/1));
  BusyWorker busy(*f.prefetcher);
  f.read_and_check(0, kReadSize);
  f.read_and_check(kReadSize, kReadSize);  // schedules 1
  f.read_and_check(kChunk, kReadSize);     // schedules 2, 3
  f.reader.reset();
  busy.release();
  f.prefetcher->wait_idle();
  EXPECT_EQ(f.source->total_calls(), 2);  // chunks 0 and 1, by the reader
  EXPECT_EQ(f.prefetcher->stats().unwanted, 3u);
}

TEST(ChunkReader, NoPrefetcherMeansNoReadAhead) {
  Fixture f;
  std::uint64_t offset = 0;
  for (int i = 0; i < 10; ++i)
    offset += f.read_and_check(offset, kReadSize);
  EXPECT_EQ(f.source->total_calls(), 1);
}

TEST(ChunkReader, WrongLengthChunkIsAnIoErrorAndNotCached) {
  Fixture f(kFileSize, 128 * kMiB, prefetch_options());
  f.source->return_short(1);
  f.source->return_short(4);
  f.read_and_check(0, kReadSize);
  f.read_and_check(kReadSize, kReadSize);  // schedules chunk 1, whose prefetch fails
  f.prefetcher->wait_idle();
  EXPECT_EQ(f.prefetcher->stats().failed, 1u);
  EXPECT_FALSE(f.cache.contains_or_loading(ChunkKey{"drop/file", 1}));

  std::vector<std::uint8_t> buf(kReadSize);
  try {
    f.reader->read(kChunk, buf);
    FAIL() << "no error";
  } catch (const VfsError& e) {
    EXPECT_EQ(e.code(), VfsErrc::kIo);
  }
  EXPECT_THROW(f.reader->read(kFileSize - 3, buf), VfsError);  // short final chunk too
  EXPECT_FALSE(f.cache.contains_or_loading(ChunkKey{"drop/file", 1}));
  EXPECT_FALSE(f.cache.contains_or_loading(ChunkKey{"drop/file", 4}));
  f.prefetcher->wait_idle();
}

TEST(ChunkReader, SourceFailureIsReportedAndRetriedByTheNextRead) {
  Fixture f;
  f.source->fail(2, 1);
  std::vector<std::uint8_t> buf(4096);
  EXPECT_THROW(f.reader->read(2 * kChunk, buf), std::runtime_error);
  EXPECT_EQ(f.read_and_check(2 * kChunk, 4096), 4096u);
  EXPECT_EQ(f.source->calls(2), 2);
}

TEST(ChunkReader, CancelledReadThrowsWithoutLoading) {
  Fixture f;
  std::stop_source stop;
  stop.request_stop();
  std::vector<std::uint8_t> buf(4096);
  try {
    f.reader->read(0, buf, stop.get_token());
    FAIL() << "no error";
  } catch (const VfsError& e) {
    EXPECT_EQ(e.code(), VfsErrc::kCancelled);
  }
  EXPECT_EQ(f.source->total_calls(), 0);
}

TEST(ChunkReader, CancellingOneReaderDoesNotFailAnotherWaitingOnTheSameLoad) {
  Fixture f;
  f.source->hold(1);
  std::stop_source stop_a;
  std::atomic<int> a_result = -1;  // 1: cancelled as expected
  std::jthread a([&] {
    std::vector<std::uint8_t> buf(4096);
    try {
      f.reader->read(kChunk, buf, stop_a.get_token());
      a_result = 0;
    } catch (const VfsError& e) {
      a_result = e.code() == VfsErrc::kCancelled ? 1 : 2;
    }
  });
  ASSERT_TRUE(f.source->wait_entered(1, 1));
  const std::uint64_t hits_before = f.cache.stats().hits;
  std::jthread b([&] { EXPECT_EQ(f.read_and_check(kChunk + 100, 4096), 4096u); });
  ASSERT_TRUE(eventually([&] { return f.cache.stats().hits == hits_before + 1; }));
  stop_a.request_stop();                      // a's load gives up...
  ASSERT_TRUE(f.source->wait_entered(1, 2));  // ...and b loads the chunk itself
  f.source->release(1);
  a.join();
  b.join();
  EXPECT_EQ(a_result, 1);
  EXPECT_EQ(f.source->calls(1), 2);
}

TEST(ChunkReader, InconsistentLayoutIsRejected) {
  ChunkCache cache(kMiB);
  auto source = std::make_shared<FakeSource>(make_layout(100));
  const crypto::ChunkLayout bad{kMiB, 3, 3 * kMiB};  // chunkSize below 5 MiB with 3 chunks
  try {
    ChunkReader reader("f", bad, source, cache, nullptr);
    FAIL() << "no error";
  } catch (const VfsError& e) {
    EXPECT_EQ(e.code(), VfsErrc::kInvalidArgument);
  }
}

TEST(ChunkReader, SingleChunkFile) {
  ChunkCache cache(kMiB);
  const crypto::ChunkLayout layout = make_layout(1000, 1000);
  auto source = std::make_shared<FakeSource>(layout, 3);
  Prefetcher prefetcher(cache, prefetch_options());
  ChunkReader reader("tiny", layout, source, cache, &prefetcher);
  std::vector<std::uint8_t> buf(300);
  std::uint64_t offset = 0;
  for (std::size_t got; (got = reader.read(offset, buf)) > 0; offset += got) {
    EXPECT_EQ(first_mismatch(3, offset, buf.data(), got), -1);
  }
  EXPECT_EQ(offset, 1000u);
  prefetcher.wait_idle();
  EXPECT_EQ(source->total_calls(), 1);
}

// ---- Prefetcher on its own ----

TEST(Prefetcher, SkipsWhenTheInflightBudgetIsExhausted) {
  const crypto::ChunkLayout layout = make_layout(4 * kChunk);
  auto source = std::make_shared<FakeSource>(layout);
  ChunkCache cache(128 * kMiB);
  Prefetcher prefetcher(cache, prefetch_options(4, 2, kChunk + kChunk / 2));
  source->hold_all();
  prefetcher.schedule(ChunkKey{"f", 0}, source, kChunk);
  prefetcher.schedule(ChunkKey{"f", 1}, source, kChunk);      // would exceed 1.5 chunks: skipped
  prefetcher.schedule(ChunkKey{"f", 2}, source, 3 * kChunk);  // larger than the budget
  PrefetchStats s = prefetcher.stats();
  EXPECT_EQ(s.scheduled, 1u);
  EXPECT_EQ(s.skipped_budget, 2u);
  EXPECT_EQ(s.inflight_bytes, kChunk);
  ASSERT_TRUE(source->wait_entered(0));
  source->release_all();
  prefetcher.wait_idle();
  EXPECT_EQ(prefetcher.stats().inflight_bytes, 0u);
  prefetcher.schedule(ChunkKey{"f", 1}, source, kChunk);  // budget free again
  prefetcher.wait_idle();
  EXPECT_EQ(source->calls(0), 1);
  EXPECT_EQ(source->calls(1), 1);
  EXPECT_EQ(source->calls(2), 0);
  EXPECT_EQ(prefetcher.stats().loaded, 2u);
  EXPECT_TRUE(cache.contains_or_loading(ChunkKey{"f", 1}));
}

TEST(Prefetcher, DedupesCachedLoadingAndQueuedKeys) {
  const crypto::ChunkLayout layout = make_layout(4 * kChunk);
  auto source = std::make_shared<FakeSource>(layout);
  ChunkCache cache(128 * kMiB);
  Prefetcher prefetcher(cache, prefetch_options(4, /*threads=*/1));
  source->hold(0);
  prefetcher.schedule(ChunkKey{"f", 0}, source, kChunk);
  ASSERT_TRUE(source->wait_entered(0));                   // running on the only worker
  prefetcher.schedule(ChunkKey{"f", 1}, source, kChunk);  // queued behind it
  prefetcher.schedule(ChunkKey{"f", 1}, source, kChunk);  // already queued
  prefetcher.schedule(ChunkKey{"f", 0}, source, kChunk);  // loading
  EXPECT_EQ(prefetcher.stats().skipped_present, 2u);
  EXPECT_EQ(prefetcher.stats().pending, 2u);
  source->release(0);
  prefetcher.wait_idle();
  prefetcher.schedule(ChunkKey{"f", 1}, source, kChunk);  // cached
  EXPECT_EQ(prefetcher.stats().skipped_present, 3u);
  prefetcher.wait_idle();
  EXPECT_EQ(source->calls(0), 1);
  EXPECT_EQ(source->calls(1), 1);
}

TEST(Prefetcher, SwallowsAndCountsFailures) {
  const crypto::ChunkLayout layout = make_layout(4 * kChunk);
  auto source = std::make_shared<FakeSource>(layout);
  ChunkCache cache(128 * kMiB);
  Prefetcher prefetcher(cache, prefetch_options());
  source->fail(0, 1);
  prefetcher.schedule(ChunkKey{"f", 0}, source, kChunk);
  prefetcher.wait_idle();
  EXPECT_EQ(prefetcher.stats().failed, 1u);
  EXPECT_FALSE(cache.contains_or_loading(ChunkKey{"f", 0}));
  prefetcher.schedule(ChunkKey{"f", 0}, source, kChunk);
  prefetcher.wait_idle();
  EXPECT_EQ(prefetcher.stats().loaded, 1u);
  EXPECT_TRUE(cache.contains_or_loading(ChunkKey{"f", 0}));
}

TEST(Prefetcher, DestructionCancelsRunningAndQueuedJobs) {
  const crypto::ChunkLayout layout = make_layout(10 * kChunk);
  auto source = std::make_shared<FakeSource>(layout);
  ChunkCache cache(128 * kMiB);
  {
    Prefetcher prefetcher(cache, prefetch_options(4, /*threads=*/1, 1ull << 40));
    source->hold_all();  // loads end only through their stop token
    for (std::uint32_t i = 0; i < 10; ++i)
      prefetcher.schedule(ChunkKey{"f", i}, source, kChunk);
    ASSERT_TRUE(source->wait_entered(0));
    EXPECT_EQ(prefetcher.stats().pending, 10u);
  }  // must neither hang nor crash
  EXPECT_EQ(source->total_calls(), 1);
  EXPECT_EQ(source->cancelled(), 1);
  EXPECT_FALSE(cache.contains_or_loading(ChunkKey{"f", 0}));
  EXPECT_EQ(cache.stats().loads_failed, 1u);
}

TEST(Prefetcher, DestructionWhileIdleAndWithManyThreads) {
  ChunkCache cache(kMiB);
  for (int i = 0; i < 20; ++i) {
    Prefetcher prefetcher(cache, prefetch_options(4, /*threads=*/8));
  }
  Prefetcher zero_threads(cache, prefetch_options(4, /*threads=*/0));  // runs with one worker
  const crypto::ChunkLayout layout = make_layout(1000, 1000);
  auto source = std::make_shared<FakeSource>(layout);
  zero_threads.schedule(ChunkKey{"t", 0}, source, 1000);
  zero_threads.wait_idle();
  EXPECT_EQ(source->calls(0), 1);
}

// ---- Concurrency ----

TEST(ChunkReader, ConcurrentReadersOfOneHandleGetCorrectBytes) {
  constexpr int kThreads = 8;
  const std::uint64_t size = 6 * kChunk + 4321;
  // A cache of 3 chunks forces evictions and reloads while 8 threads read.
  Fixture f(size, 3 * kChunk, prefetch_options(4, 2));
  std::latch start(kThreads);
  std::atomic<int> mismatches = 0;
  std::atomic<std::uint64_t> bytes = 0;
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        std::mt19937_64 rng(static_cast<std::uint64_t>(t) + 1);
        std::vector<std::uint8_t> buf(kReadSize + 17 * static_cast<std::size_t>(t));
        start.arrive_and_wait();
        if (t % 2 == 0) {  // sequential scan from a thread-specific start
          std::uint64_t offset = (static_cast<std::uint64_t>(t) * 1234567) % size;
          for (std::size_t got; (got = f.reader->read(offset, buf)) > 0; offset += got) {
            if (first_mismatch(f.source->seed(), offset, buf.data(), got) != -1) ++mismatches;
            bytes += got;
          }
        } else {  // random reads
          for (int i = 0; i < 60; ++i) {
            const std::uint64_t offset = rng() % size;
            const std::size_t n = 1 + rng() % buf.size();
            const std::size_t got = f.reader->read(offset, std::span(buf).first(n));
            if (got != std::min<std::uint64_t>(n, size - offset)) ++mismatches;
            if (first_mismatch(f.source->seed(), offset, buf.data(), got) != -1) ++mismatches;
            bytes += got;
          }
        }
      });
    }
  }
  f.prefetcher->wait_idle();
  EXPECT_EQ(mismatches, 0);
  EXPECT_GT(bytes, 0u);
  EXPECT_LE(f.cache.stats().bytes, 3 * kChunk);
  EXPECT_EQ(f.source->out_of_range(), 0);
}

TEST(ChunkReader, ConcurrentHandlesOfOneFileShareLoads) {
  constexpr int kThreads = 6;
  const std::uint64_t size = 5 * kChunk + 1;
  const crypto::ChunkLayout layout = make_layout(size);
  auto source = std::make_shared<FakeSource>(layout, 11);
  ChunkCache cache(64 * kMiB);
  Prefetcher prefetcher(cache, prefetch_options(4, 3));
  std::latch start(kThreads);
  std::atomic<int> mismatches = 0;
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&] {
        ChunkReader reader("drop/shared", layout, source, cache, &prefetcher);
        std::vector<std::uint8_t> buf(kReadSize);
        start.arrive_and_wait();
        std::uint64_t offset = 0;
        for (std::size_t got; (got = reader.read(offset, buf)) > 0; offset += got) {
          if (first_mismatch(11, offset, buf.data(), got) != -1) ++mismatches;
        }
        if (offset != size) ++mismatches;
      });
    }
  }
  prefetcher.wait_idle();
  EXPECT_EQ(mismatches, 0);
  // The cache holds the whole file: every chunk was fetched exactly once for all six handles.
  for (std::uint32_t i = 0; i < 6; ++i)
    EXPECT_EQ(source->calls(i), 1) << i;
}

}  // namespace
}  // namespace anonfs::vfs
