// ChunkCache: LRU order and byte budget, oversized chunks, single-flight loading, failure
// propagation, erase/clear, and that the mutex is not held while loading.
#include "anonfs/vfs/chunk_cache.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <condition_variable>
#include <cstring>
#include <latch>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "fake_source.hpp"

namespace anonfs::vfs {
namespace {

using testing::eventually;

// Test chunks come from a pool of their own that keeps nothing.
ChunkBuffer filled(std::size_t size, std::uint8_t value) {
  static ChunkBufferPool pool(0);
  ChunkBuffer out = pool.acquire(size);
  for (std::size_t i = 0; i < size; ++i)
    out.data()[i] = value;
  return out;
}

// A loader that counts its calls and returns `size` bytes of `value`.
struct CountingLoad {
  std::atomic<int>* calls;
  std::size_t size;
  std::uint8_t value;
  ChunkBuffer operator()() const {
    ++*calls;
    return filled(size, value);
  }
};

// A gate a loader blocks on until the test opens it.
class Gate {
 public:
  void wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return open_; });
  }
  void open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

ChunkKey key(std::string file, std::uint32_t index) {
  return ChunkKey{std::move(file), index};
}

TEST(ChunkCache, LoadsOnceThenHits) {
  ChunkCache cache(100);
  std::atomic<int> calls = 0;
  const ChunkData a = cache.get_or_load(key("f", 0), CountingLoad{&calls, 10, 1});
  const ChunkData b = cache.get_or_load(key("f", 0), CountingLoad{&calls, 10, 1});
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(a.get(), b.get());
  ASSERT_EQ(a->size(), 10u);
  EXPECT_EQ(a->data()[9], 1);
  const ChunkCacheStats s = cache.stats();
  EXPECT_EQ(s.misses, 1u);
  EXPECT_EQ(s.hits, 1u);
  EXPECT_EQ(s.bytes, 10u);
  EXPECT_EQ(s.entries, 1u);
  EXPECT_TRUE(cache.contains_or_loading(key("f", 0)));
  EXPECT_FALSE(cache.contains_or_loading(key("f", 1)));
  EXPECT_FALSE(cache.contains_or_loading(key("g", 0)));
  EXPECT_EQ(cache.find(key("f", 1)), nullptr);
  EXPECT_EQ(cache.find(key("f", 0)).get(), a.get());
  EXPECT_EQ(cache.capacity(), 100u);
}

TEST(ChunkCache, EvictsLeastRecentlyUsedWithinByteBudget) {
  ChunkCache cache(30);
  std::atomic<int> calls = 0;
  cache.get_or_load(key("f", 0), CountingLoad{&calls, 10, 0});
  cache.get_or_load(key("f", 1), CountingLoad{&calls, 10, 1});
  cache.get_or_load(key("f", 2), CountingLoad{&calls, 10, 2});
  EXPECT_EQ(cache.stats().bytes, 30u);
  ASSERT_NE(cache.find(key("f", 0)), nullptr);  // LRU order now: 0, 2, 1

  cache.get_or_load(key("f", 3), CountingLoad{&calls, 10, 3});  // evicts 1
  EXPECT_TRUE(cache.contains_or_loading(key("f", 0)));
  EXPECT_FALSE(cache.contains_or_loading(key("f", 1)));
  EXPECT_TRUE(cache.contains_or_loading(key("f", 2)));
  EXPECT_TRUE(cache.contains_or_loading(key("f", 3)));
  EXPECT_EQ(cache.stats().evictions, 1u);

  cache.get_or_load(key("f", 2), CountingLoad{&calls, 10, 2});  // hit; order: 2, 3, 0
  cache.get_or_load(key("f", 4), CountingLoad{&calls, 20, 4});  // evicts 0 then 3
  EXPECT_FALSE(cache.contains_or_loading(key("f", 0)));
  EXPECT_FALSE(cache.contains_or_loading(key("f", 3)));
  EXPECT_TRUE(cache.contains_or_loading(key("f", 2)));
  EXPECT_TRUE(cache.contains_or_loading(key("f", 4)));
  const ChunkCacheStats s = cache.stats();
  EXPECT_EQ(s.bytes, 30u);
  EXPECT_EQ(s.entries, 2u);
  EXPECT_EQ(s.evictions, 3u);
  EXPECT_EQ(calls, 5);

  // Evicted chunks are loaded again.
  cache.get_or_load(key("f", 1), CountingLoad{&calls, 10, 1});
  EXPECT_EQ(calls, 6);
  EXPECT_LE(cache.stats().bytes, 30u);
}

TEST(ChunkCache, ChunkLargerThanBudgetIsReturnedButNotKept) {
  ChunkCache cache(16);
  std::atomic<int> calls = 0;
  cache.get_or_load(key("f", 0), CountingLoad{&calls, 8, 0});
  const ChunkData big = cache.get_or_load(key("f", 1), CountingLoad{&calls, 17, 9});
  ASSERT_EQ(big->size(), 17u);
  EXPECT_EQ(big->data()[16], 9);
  EXPECT_FALSE(cache.contains_or_loading(key("f", 1)));
  EXPECT_TRUE(cache.contains_or_loading(key("f", 0)));  // not evicted for nothing
  cache.get_or_load(key("f", 1), CountingLoad{&calls, 17, 9});
  EXPECT_EQ(calls, 3);
  const ChunkCacheStats s = cache.stats();
  EXPECT_EQ(s.bytes, 8u);
  EXPECT_EQ(s.entries, 1u);
  EXPECT_EQ(s.evictions, 0u);
}

TEST(ChunkCache, ZeroCapacityCachesNothing) {
  ChunkCache cache(0);
  std::atomic<int> calls = 0;
  cache.get_or_load(key("f", 0), CountingLoad{&calls, 1, 0});
  cache.get_or_load(key("f", 0), CountingLoad{&calls, 1, 0});
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(cache.stats().entries, 0u);
}

TEST(ChunkCache, EvictedChunkStaysValidForItsHolder) {
  ChunkCache cache(10);
  std::atomic<int> calls = 0;
  const ChunkData held = cache.get_or_load(key("f", 0), CountingLoad{&calls, 10, 0xAB});
  cache.get_or_load(key("f", 1), CountingLoad{&calls, 10, 0xCD});  // evicts f/0
  EXPECT_FALSE(cache.contains_or_loading(key("f", 0)));
  ASSERT_EQ(held->size(), 10u);
  for (std::size_t i = 0; i < held->size(); ++i)
    ASSERT_EQ(held->data()[i], 0xAB);
}

TEST(ChunkCache, ConcurrentRequestsForOneKeyShareOneLoad) {
  constexpr int kThreads = 8;
  ChunkCache cache(1000);
  std::atomic<int> calls = 0;
  Gate gate;
  std::latch start(kThreads);
  std::vector<ChunkData> results(kThreads);
  std::vector<std::jthread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      results[t] = cache.get_or_load(key("f", 3), [&] {
        ++calls;
        gate.wait();
        return filled(100, 42);
      });
    });
  }
  // Open the gate only once every other thread is waiting on the one load in flight.
  ASSERT_TRUE(eventually([&] { return cache.stats().hits == kThreads - 1; }));
  EXPECT_TRUE(cache.contains_or_loading(key("f", 3)));
  EXPECT_EQ(cache.find(key("f", 3)), nullptr);  // in flight is not cached yet
  gate.open();
  threads.clear();
  EXPECT_EQ(calls, 1);
  for (const ChunkData& r : results) {
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r.get(), results[0].get());
  }
  const ChunkCacheStats s = cache.stats();
  EXPECT_EQ(s.misses, 1u);
  EXPECT_EQ(s.hits, static_cast<std::uint64_t>(kThreads - 1));
}

TEST(ChunkCache, FailedLoadReachesEveryWaiterAndIsRetriedAfterwards) {
  constexpr int kThreads = 6;
  ChunkCache cache(1000);
  std::atomic<int> calls = 0;
  Gate gate;
  std::latch start(kThreads);
  std::atomic<int> failures = 0;
  std::vector<std::jthread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      start.arrive_and_wait();
      try {
        cache.get_or_load(key("f", 0), [&]() -> ChunkBuffer {
          ++calls;
          gate.wait();
          throw std::runtime_error("boom");
        });
      } catch (const std::runtime_error& e) {
        if (std::string(e.what()) == "boom") ++failures;
      }
    });
  }
  ASSERT_TRUE(eventually([&] { return cache.stats().hits == kThreads - 1; }));
  gate.open();
  threads.clear();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(failures, kThreads);
  EXPECT_FALSE(cache.contains_or_loading(key("f", 0)));
  EXPECT_EQ(cache.stats().loads_failed, 1u);
  EXPECT_EQ(cache.stats().entries, 0u);

  // Not cached: the next request loads again and succeeds.
  const ChunkData ok = cache.get_or_load(key("f", 0), [&] {
    ++calls;
    return filled(5, 1);
  });
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(ok->size(), 5u);
  EXPECT_TRUE(cache.contains_or_loading(key("f", 0)));
}

TEST(ChunkCache, MutexIsNotHeldWhileLoading) {
  ChunkCache cache(1000);
  std::atomic<int> calls = 0;
  // A loader that uses the cache itself would deadlock if the cache held its lock.
  const ChunkData outer = cache.get_or_load(key("f", 0), [&] {
    EXPECT_TRUE(cache.contains_or_loading(key("f", 0)));
    const ChunkData inner = cache.get_or_load(key("f", 1), CountingLoad{&calls, 4, 2});
    EXPECT_EQ(cache.stats().misses, 2u);
    cache.find(key("f", 1));
    return filled(4, 1);
  });
  EXPECT_EQ(outer->size(), 4u);
  EXPECT_EQ(cache.stats().entries, 2u);
}

TEST(ChunkCache, LoadsOfDifferentKeysRunInParallel) {
  ChunkCache cache(1000);
  std::barrier both_loading(2);  // deadlocks unless the two loads overlap
  auto load = [&](std::uint32_t index) {
    return cache.get_or_load(key("f", index), [&] {
      both_loading.arrive_and_wait();
      return filled(10, static_cast<std::uint8_t>(index));
    });
  };
  std::jthread other([&] { load(1); });
  load(2);
  other.join();
  EXPECT_EQ(cache.stats().entries, 2u);
}

TEST(ChunkCache, EraseFileDropsItsChunksAndDiscardsItsLoadInFlight) {
  ChunkCache cache(1000);
  std::atomic<int> calls = 0;
  cache.get_or_load(key("a", 0), CountingLoad{&calls, 10, 0});
  cache.get_or_load(key("a", 1), CountingLoad{&calls, 10, 1});
  cache.get_or_load(key("b", 0), CountingLoad{&calls, 10, 2});

  Gate gate;
  std::atomic<bool> loading = false;
  ChunkData late;
  std::jthread loader([&] {
    late = cache.get_or_load(key("a", 2), [&] {
      loading = true;
      gate.wait();
      return filled(10, 3);
    });
  });
  ASSERT_TRUE(eventually([&] { return loading.load(); }));
  cache.erase_file("a");
  EXPECT_FALSE(cache.contains_or_loading(key("a", 0)));
  EXPECT_FALSE(cache.contains_or_loading(key("a", 1)));
  EXPECT_TRUE(cache.contains_or_loading(key("b", 0)));
  EXPECT_EQ(cache.stats().bytes, 10u);
  gate.open();
  loader.join();
  ASSERT_NE(late, nullptr);  // the loader still gets its data...
  EXPECT_EQ(late->size(), 10u);
  EXPECT_FALSE(cache.contains_or_loading(key("a", 2)));  // ...but it is not cached
  EXPECT_EQ(cache.stats().entries, 1u);
  EXPECT_EQ(cache.stats().evictions, 0u);  // erasing is not evicting
}

TEST(ChunkCache, ClearEmptiesTheCache) {
  ChunkCache cache(1000);
  std::atomic<int> calls = 0;
  for (std::uint32_t i = 0; i < 5; ++i)
    cache.get_or_load(key("f", i), CountingLoad{&calls, 7, 0});
  EXPECT_EQ(cache.stats().bytes, 35u);
  cache.clear();
  const ChunkCacheStats s = cache.stats();
  EXPECT_EQ(s.bytes, 0u);
  EXPECT_EQ(s.entries, 0u);
  cache.get_or_load(key("f", 0), CountingLoad{&calls, 7, 0});
  EXPECT_EQ(calls, 6);
}

TEST(ChunkCache, ManyThreadsManyKeysStayWithinBudget) {
  constexpr int kThreads = 8;
  constexpr std::uint32_t kKeys = 40;
  ChunkCache cache(10 * 64);
  std::atomic<int> calls = 0;
  std::atomic<int> bad = 0;
  std::latch start(kThreads);
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        start.arrive_and_wait();
        for (int round = 0; round < 200; ++round) {
          const auto index = static_cast<std::uint32_t>((round * 7 + t * 13) % kKeys);
          const ChunkData d = cache.get_or_load(key("f", index), [&] {
            ++calls;
            return filled(64, static_cast<std::uint8_t>(index));
          });
          if (d->size() != 64 || d->data()[63] != index) ++bad;
          if (cache.stats().bytes > cache.capacity()) ++bad;
        }
      });
    }
  }
  EXPECT_EQ(bad, 0);
  const ChunkCacheStats s = cache.stats();
  EXPECT_LE(s.bytes, 640u);
  EXPECT_EQ(s.hits + s.misses, static_cast<std::uint64_t>(kThreads * 200));
  EXPECT_EQ(s.misses, static_cast<std::uint64_t>(calls.load()));
}

// ---- budget accounting of loads in flight --------------------------------------------------

TEST(ChunkCache, LoadInFlightIsChargedBeforeItRunsAndEvictsFirst) {
  ChunkCache cache(30);
  std::atomic<int> calls = 0;
  cache.get_or_load(key("f", 0), CountingLoad{&calls, 10, 0}, 10);
  cache.get_or_load(key("f", 1), CountingLoad{&calls, 10, 1}, 10);
  cache.get_or_load(key("f", 2), CountingLoad{&calls, 10, 2}, 10);
  EXPECT_EQ(cache.stats().bytes, 30u);
  EXPECT_EQ(cache.stats().reserved, 0u);

  // While chunk 3 loads, its 10 bytes are charged and the least recently used chunk is gone.
  const ChunkData d = cache.get_or_load(
      key("f", 3),
      [&] {
        const ChunkCacheStats s = cache.stats();
        EXPECT_EQ(s.reserved, 10u);
        EXPECT_EQ(s.bytes, 20u);
        EXPECT_EQ(s.evictions, 1u);
        EXPECT_FALSE(cache.contains_or_loading(key("f", 0)));
        return filled(10, 3);
      },
      10);
  const ChunkCacheStats s = cache.stats();
  EXPECT_EQ(s.reserved, 0u);
  EXPECT_EQ(s.bytes, 30u);
  EXPECT_EQ(s.evictions, 1u);  // no second eviction at insertion
}

TEST(ChunkCache, EvictedChunkMemoryIsReusedByTheLoadThatEvictedIt) {
  constexpr std::size_t kSize = 3 << 20;  // page multiple: the recycled buffer fits exactly
  ChunkCache cache(2 * kSize);
  auto load_from_pool = [&](std::uint8_t value) {
    return [&cache, value] {
      ChunkBuffer b = cache.buffers().acquire(kSize);
      std::memset(b.data(), value, b.size());
      return b;
    };
  };
  cache.get_or_load(key("f", 0), load_from_pool(1), kSize);
  cache.get_or_load(key("f", 1), load_from_pool(2), kSize);
  EXPECT_EQ(cache.buffers().stats().allocations, 2u);
  const ChunkData d = cache.get_or_load(key("f", 2), load_from_pool(3), kSize);  // evicts f/0
  const ChunkBufferPoolStats s = cache.buffers().stats();
  EXPECT_EQ(s.allocations, 2u);
  EXPECT_EQ(s.reuses, 1u);
  EXPECT_EQ(s.mapped_bytes, 2 * kSize);
  EXPECT_EQ(d->data()[kSize - 1], 3);
}

TEST(ChunkCache, PrefetchNeverExceedsTheBudgetWithLoadsInFlight) {
  ChunkCache cache(20);
  std::atomic<int> calls = 0;
  Gate gate;
  std::atomic<int> loading = 0;
  std::vector<std::jthread> loaders;
  for (std::uint32_t i = 0; i < 2; ++i) {
    loaders.emplace_back([&, i] {
      cache.get_or_load(
          key("f", i),
          [&] {
            ++loading;
            gate.wait();
            return filled(10, 1);
          },
          10);
    });
  }
  ASSERT_TRUE(eventually([&] { return loading.load() == 2; }));
  EXPECT_EQ(cache.stats().reserved, 20u);

  // No room: the two loads in flight hold the whole budget.
  EXPECT_EQ(cache.prefetch(key("f", 2), CountingLoad{&calls, 10, 2}, 10), PrefetchOutcome::kNoRoom);
  EXPECT_EQ(cache.prefetch(key("f", 0), CountingLoad{&calls, 10, 2}, 10),
            PrefetchOutcome::kPresent);
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(cache.stats().prefetch_no_room, 1u);

  // A foreground load still runs (over budget while the others are in flight).
  const ChunkData fg = cache.get_or_load(key("f", 3), CountingLoad{&calls, 10, 3}, 10);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(fg->size(), 10u);

  gate.open();
  loaders.clear();
  ChunkCacheStats s = cache.stats();
  EXPECT_EQ(s.reserved, 0u);
  EXPECT_LE(s.bytes, 20u);

  // With no load in flight a prefetch makes room by evicting, and loads.
  EXPECT_EQ(cache.prefetch(key("f", 2), CountingLoad{&calls, 10, 2}, 10), PrefetchOutcome::kLoaded);
  EXPECT_TRUE(cache.contains_or_loading(key("f", 2)));
  s = cache.stats();
  EXPECT_LE(s.bytes, 20u);
  EXPECT_EQ(calls, 2);
  // A chunk larger than the budget is never prefetched.
  EXPECT_EQ(cache.prefetch(key("f", 9), CountingLoad{&calls, 30, 9}, 30), PrefetchOutcome::kNoRoom);
}

TEST(ChunkCache, FailedLoadReturnsItsCharge) {
  ChunkCache cache(100);
  EXPECT_THROW(cache.get_or_load(
                   key("f", 0), []() -> ChunkBuffer { throw std::runtime_error("boom"); }, 60),
               std::runtime_error);
  EXPECT_THROW(cache.prefetch(
                   key("f", 1), []() -> ChunkBuffer { throw std::runtime_error("boom"); }, 60),
               std::runtime_error);
  EXPECT_EQ(cache.stats().reserved, 0u);
  EXPECT_EQ(cache.stats().loads_failed, 2u);
}

}  // namespace
}  // namespace anonfs::vfs
