// ChunkReader: reads byte ranges of one file's plaintext through the ChunkCache, with adaptive
// read-ahead on a shared Prefetcher. The source of a chunk (network fetch + decryption) is a
// ChunkSource supplied by the caller, so this layer is testable without a server.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <stop_token>
#include <string>
#include <vector>

#include "anonfs/crypto/bytes.hpp"
#include "anonfs/crypto/drop_size.hpp"
#include "anonfs/vfs/chunk_buffer.hpp"
#include "anonfs/vfs/chunk_cache.hpp"

namespace anonfs::vfs {

// Fetches and decrypts chunk `index` of one file. Must return exactly the plaintext length of
// that chunk (per the file's ChunkLayout), already GCM-verified, or throw. Called from reader and
// prefetch threads concurrently; implementations must be thread-safe. `cancel` is the foreground
// read's token or, for read-ahead, the prefetch worker's token (triggered when the Prefetcher is
// destroyed); a load should give up promptly once it is triggered.
class ChunkSource {
 public:
  virtual ~ChunkSource() = default;
  virtual crypto::SecretBytes load_chunk(std::uint32_t index, std::stop_token cancel) = 0;
  // The same, into memory from `pool` (what the cache calls). The default copies load_chunk()'s
  // result; sources on the hot path override it to fetch and decrypt in the pool's buffer.
  virtual ChunkBuffer load_chunk_into(std::uint32_t index, ChunkBufferPool& pool,
                                      std::stop_token cancel);
};

struct PrefetchOptions {
  std::size_t threads = 4;             // worker threads of the shared pool (at least 1 is used)
  std::uint32_t max_ahead_chunks = 4;  // read-ahead window cap per sequential reader
  std::uint64_t max_inflight_bytes = 256u << 20;  // global bound on prefetch loads in flight
};

struct PrefetchStats {
  std::uint64_t scheduled = 0;        // jobs accepted by schedule()
  std::uint64_t skipped_present = 0;  // schedule() calls for a key cached, loading or queued
  std::uint64_t skipped_budget = 0;   // schedule() calls refused by max_inflight_bytes
  std::uint64_t loaded = 0;           // jobs that ran a load and cached (or offered) the chunk
  std::uint64_t already_present = 0;  // jobs that found the chunk cached or loading when run
  std::uint64_t no_room = 0;          // jobs dropped: loads in flight held the cache budget
  std::uint64_t unwanted = 0;         // jobs dropped because `wanted` returned false
  std::uint64_t failed = 0;           // jobs whose load threw (swallowed)
  std::uint64_t cancelled = 0;        // jobs dropped or stopped by the destructor
  std::uint64_t inflight_bytes = 0;   // budgeted bytes of queued + running jobs
  std::uint64_t pending = 0;          // queued + running jobs
};

// A shared pool that runs read-ahead loads into the ChunkCache (which must outlive it; so must
// the Prefetcher outlive the ChunkReaders using it). Thread-safe. Destruction cancels queued work,
// triggers the stop token of running loads and joins the workers.
class Prefetcher {
 public:
  Prefetcher(ChunkCache& cache, PrefetchOptions options = {});
  ~Prefetcher();
  Prefetcher(const Prefetcher&) = delete;
  Prefetcher& operator=(const Prefetcher&) = delete;

  // Queues a load of `key` via `source` unless it is cached, loading or already queued, or the
  // in-flight budget is exhausted (then it is skipped, never blocks). `plaintext_size` is the
  // chunk's size for budgeting. Failures are swallowed (the foreground read retries and reports).
  // `wanted`, if set, is asked on a worker thread right before the job runs; false drops the job
  // (its reader has read past the chunk or was closed), so that a stale job does not fetch a
  // chunk again after it was consumed and evicted. It must be cheap and must not throw.
  void schedule(const ChunkKey& key, std::shared_ptr<ChunkSource> source,
                std::uint64_t plaintext_size, std::function<bool()> wanted = {});

  const PrefetchOptions& options() const noexcept;
  PrefetchStats stats() const;
  // Blocks until no job is queued or running (tests, orderly shutdown, benchmarks).
  void wait_idle();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Bytes of one read served without a copy: `pieces` (in order) point into memory that `pins`
// keeps alive and unchanged, e.g. cached chunks, which stay valid even if evicted meanwhile.
struct PinnedBytes {
  std::vector<std::shared_ptr<const void>> pins;
  std::vector<std::span<const std::uint8_t>> pieces;
  std::size_t size() const noexcept {
    std::size_t n = 0;
    for (const auto& p : pieces)
      n += p.size();
    return n;
  }
};

// One per open file. Thread-safe: FUSE may issue concurrent reads on one handle.
// Read-ahead: the first read and any read that is not sequential (starting at the previous read's
// end, or in the chunk the previous read ended in or the next one) load only their own chunk(s).
// Sequential reads read ahead 1 chunk, doubling each time the reader enters a new chunk up to
// min(max_ahead_chunks, cache capacity / chunk_size - 1), never past the last chunk.
class ChunkReader {
 public:
  // file_id: the ChunkKey::file of this file. layout: validated chunk geometry (an inconsistent
  // layout throws VfsError(kInvalidArgument)). `cache` and `prefetcher` must outlive the reader.
  ChunkReader(std::string file_id, crypto::ChunkLayout layout, std::shared_ptr<ChunkSource> source,
              ChunkCache& cache, Prefetcher* prefetcher /* nullable: no read-ahead */);
  ~ChunkReader();

  // Copies plaintext [offset, offset + out.size()) clipped to the file size into `out`; returns
  // the number of bytes copied (0 at or past EOF). Loads missing chunks through the cache;
  // detects sequential access and schedules read-ahead. Throws what the source throws,
  // VfsError(kIo) when the source returns a chunk of the wrong length, and VfsError(kCancelled)
  // when `cancel` is triggered before or during a load. A failure of a load started by another
  // reader or by read-ahead is retried with this read's own load before it is reported.
  std::size_t read(std::uint64_t offset, std::span<std::uint8_t> out, std::stop_token cancel = {});
  // The same read without the copy: the plaintext [offset, offset + size) clipped to the file
  // size as pieces of the cached chunks, pinned by the result (empty at or past EOF).
  PinnedBytes read_pinned(std::uint64_t offset, std::size_t size, std::stop_token cancel = {});

  std::uint64_t size() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace anonfs::vfs
