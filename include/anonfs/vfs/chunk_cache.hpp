// ChunkCache: the bounded LRU cache of decrypted (GCM-verified) chunks shared by every open file
// of a mount, with single-flight loading: concurrent readers of one chunk share one fetch.
// Loads are charged to the byte budget before they start (see get_or_load), and chunk memory comes
// from the cache's ChunkBufferPool, which recycles the buffers of evicted chunks.
// Thread-safe; the internal mutex is never held while a loader runs.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "anonfs/vfs/chunk_buffer.hpp"

namespace anonfs::vfs {

// One chunk of one file. `file` is any stable identity of the file's content, e.g.
// "<dropId>/<fileId>" (finished drops are immutable, so the key never goes stale).
struct ChunkKey {
  std::string file;
  std::uint32_t index = 0;
  friend bool operator==(const ChunkKey&, const ChunkKey&) = default;
};

// Plaintext of one chunk, shared with every reader that holds it; wiped (and its memory recycled)
// when the last holder lets go.
using ChunkData = std::shared_ptr<const ChunkBuffer>;

// Produces the verified plaintext of one chunk or throws (the exception reaches every waiter).
// Loaders take their buffer from ChunkCache::buffers().
using ChunkLoad = std::function<ChunkBuffer()>;

struct ChunkCacheStats {
  std::uint64_t hits = 0;    // get_or_load served from the cache (or a load in flight)
  std::uint64_t misses = 0;  // get_or_load that started a load
  std::uint64_t loads_failed = 0;
  std::uint64_t evictions = 0;
  std::uint64_t bytes = 0;     // plaintext bytes currently cached
  std::uint64_t reserved = 0;  // bytes charged for loads in flight (see get_or_load)
  std::uint64_t entries = 0;
  std::uint64_t prefetch_no_room = 0;  // prefetch() calls refused: loads in flight fill the budget
};

enum class PrefetchOutcome {
  kLoaded,   // this call loaded and cached the chunk
  kPresent,  // cached or being loaded already: nothing done
  kNoRoom,   // loads in flight already hold the budget: nothing done
};

class ChunkCache {
 public:
  // capacity_bytes: budget for cached plaintext plus loads in flight. A chunk larger than the
  // budget is still returned to its readers but not kept. Eviction is LRU; an evicted chunk stays
  // valid for the readers still holding its ChunkData (so transiently more than the budget may be
  // alive), and is wiped outside the cache's lock when the last holder lets go. The buffer pool
  // keeps released buffers only while all chunk memory stays within the same budget.
  explicit ChunkCache(std::uint64_t capacity_bytes);
  ~ChunkCache();
  ChunkCache(const ChunkCache&) = delete;
  ChunkCache& operator=(const ChunkCache&) = delete;

  // The chunk from the cache, or from the single in-flight load for this key, or by running
  // `load` on the calling thread. Failed loads are not cached: the exception is rethrown to the
  // caller and to every thread waiting on the same load, and the next call tries again.
  // `size` (the chunk's plaintext length, 0 if unknown) is charged to the budget before `load`
  // runs, evicting least recently used chunks, so that cached chunks plus loads in flight stay
  // within the budget. A foreground load always runs, even when other loads in flight already
  // hold the whole budget (readers must make progress); prefetch() does not.
  ChunkData get_or_load(const ChunkKey& key, const ChunkLoad& load, std::uint64_t size = 0);
  // Read-ahead: like get_or_load but never waits and never exceeds the budget: does nothing when
  // the chunk is cached or loading, or when loads in flight leave no room for `size` bytes.
  PrefetchOutcome prefetch(const ChunkKey& key, const ChunkLoad& load, std::uint64_t size);
  // The chunk if cached (refreshes its LRU position); nullptr otherwise. Never loads; does not
  // count in hits/misses.
  ChunkData find(const ChunkKey& key);
  // True if cached or being loaded (prefetchers use it to skip work).
  bool contains_or_loading(const ChunkKey& key) const;
  // Drops every cached chunk of `file` (e.g. when its drop is deleted).
  void erase_file(const std::string& file);
  void clear();

  std::uint64_t capacity() const noexcept { return capacity_; }
  ChunkCacheStats stats() const;
  // Where loaders get chunk memory (retains free buffers up to capacity()).
  ChunkBufferPool& buffers() noexcept { return buffers_; }

 private:
  struct Impl;
  std::uint64_t capacity_;
  ChunkBufferPool buffers_;  // before impl_: cached chunks are released into it
  std::unique_ptr<Impl> impl_;
};

}  // namespace anonfs::vfs
