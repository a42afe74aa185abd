// Throughput of ChunkReader::read with 128 KiB sequential reads (the FUSE max_read size):
//  - Warm: every chunk cached; the ceiling of the cache path (lookup + memcpy).
//  - Cold: a fake source of 8 MiB chunks (a buffer from the cache's pool + one copy per chunk,
//    like a ranged GET written into it), a cache of two chunks, with and without read-ahead: the
//    per-chunk overhead of the miss path, evictions and wiping. Network and AES-GCM are not
//    included; compare with crypto_bench's BM_ChunkDecryptInPlace.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "anonfs/crypto/bytes.hpp"
#include "anonfs/crypto/drop_size.hpp"
#include "anonfs/vfs/chunk_cache.hpp"
#include "anonfs/vfs/chunk_reader.hpp"

namespace {

using anonfs::crypto::ChunkLayout;
using anonfs::crypto::SecretBytes;
using anonfs::vfs::ChunkCache;
using anonfs::vfs::ChunkReader;
using anonfs::vfs::ChunkSource;
using anonfs::vfs::Prefetcher;
using anonfs::vfs::PrefetchOptions;

constexpr std::uint64_t kChunkSize = 8u << 20;
constexpr std::uint32_t kChunks = 8;  // 64 MiB file
constexpr std::size_t kReadSize = 128u << 10;

ChunkLayout layout() {
  const std::uint64_t plaintext = kChunkSize * kChunks;
  return anonfs::crypto::validate_chunk_layout(plaintext + kChunks * anonfs::crypto::kChunkTagSize,
                                               kChunkSize, kChunks);
}

// Returns a copy of a prepared 8 MiB buffer in a pooled chunk buffer: one pass over the bytes.
class CopySource : public ChunkSource {
 public:
  CopySource() : pattern_(kChunkSize) {
    for (std::size_t i = 0; i < pattern_.size(); ++i) {
      pattern_[i] = static_cast<std::uint8_t>(i * 131 + (i >> 12));
    }
  }
  SecretBytes load_chunk(std::uint32_t, std::stop_token) override {
    return SecretBytes(anonfs::crypto::ByteView(pattern_));
  }
  anonfs::vfs::ChunkBuffer load_chunk_into(std::uint32_t, anonfs::vfs::ChunkBufferPool& pool,
                                           std::stop_token) override {
    anonfs::vfs::ChunkBuffer out = pool.acquire(pattern_.size());
    std::memcpy(out.data(), pattern_.data(), pattern_.size());
    return out;
  }

 private:
  std::vector<std::uint8_t> pattern_;
};

std::uint64_t read_file(ChunkReader& reader, std::vector<std::uint8_t>& buf) {
  std::uint64_t offset = 0;
  for (std::size_t got; (got = reader.read(offset, buf)) > 0; offset += got) {
    benchmark::DoNotOptimize(buf.data());
  }
  return offset;
}

void BM_ReadWarm(benchmark::State& state) {
  ChunkCache cache(2 * kChunkSize * kChunks);
  ChunkReader reader("warm", layout(), std::make_shared<CopySource>(), cache, nullptr);
  std::vector<std::uint8_t> buf(kReadSize);
  read_file(reader, buf);  // fill the cache
  std::uint64_t offset = 0;
  std::int64_t bytes = 0;
  for (auto _ : state) {
    std::size_t got = reader.read(offset, buf);
    if (got == 0) got = reader.read(offset = 0, buf);
    offset += got;
    bytes += static_cast<std::int64_t>(got);
    benchmark::DoNotOptimize(buf.data());
  }
  state.SetBytesProcessed(bytes);
  state.counters["misses"] = static_cast<double>(cache.stats().misses);
}
BENCHMARK(BM_ReadWarm);

// One iteration reads the whole 64 MiB file through a fresh file id, so every chunk misses.
void ReadCold(benchmark::State& state, bool prefetch) {
  ChunkCache cache(prefetch ? 6 * kChunkSize : 2 * kChunkSize);
  PrefetchOptions options;
  options.threads = 2;
  options.max_ahead_chunks = 4;
  std::unique_ptr<Prefetcher> prefetcher;
  if (prefetch) prefetcher = std::make_unique<Prefetcher>(cache, options);
  auto source = std::make_shared<CopySource>();
  std::vector<std::uint8_t> buf(kReadSize);
  std::int64_t bytes = 0;
  int file = 0;
  for (auto _ : state) {
    ChunkReader reader("cold/" + std::to_string(file++), layout(), source, cache, prefetcher.get());
    bytes += static_cast<std::int64_t>(read_file(reader, buf));
  }
  if (prefetcher) prefetcher->wait_idle();
  state.SetBytesProcessed(bytes);
  const auto stats = cache.stats();
  state.counters["loads/iter"] =
      static_cast<double>(stats.misses) / static_cast<double>(state.iterations());
  state.counters["cached_MiB"] = static_cast<double>(stats.bytes) / (1 << 20);
}

void BM_ReadCold(benchmark::State& state) {
  ReadCold(state, false);
}
BENCHMARK(BM_ReadCold)->Unit(benchmark::kMillisecond);

void BM_ReadColdPrefetch(benchmark::State& state) {
  ReadCold(state, true);
}
BENCHMARK(BM_ReadColdPrefetch)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
