// ChunkCache: the bounded LRU cache of decrypted (GCM-verified) chunks shared by every open file
// of a mount, with single-flight loading: concurrent readers of one chunk share one fetch.
// Thread-safe; the internal mutex is never held while a loader runs.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "anonfs/crypto/bytes.hpp"

namespace anonfs::vfs {

// One chunk of one file. `file` is any stable identity of the file's content, e.g.
// "<dropId>/<fileId>" (finished drops are immutable, so the key never goes stale).
struct ChunkKey {
  std::string file;
  std::uint32_t index = 0;
  friend bool operator==(const ChunkKey&, const ChunkKey&) = default;
};

// Plaintext of one chunk, shared with every reader that holds it; wiped when the last holder
// lets go.
using ChunkData = std::shared_ptr<const crypto::SecretBytes>;

// Produces the verified plaintext of one chunk or throws (the exception reaches every waiter).
using ChunkLoad = std::function<crypto::SecretBytes()>;

struct ChunkCacheStats {
  std::uint64_t hits = 0;    // get_or_load served from the cache (or a load in flight)
  std::uint64_t misses = 0;  // get_or_load that started a load
  std::uint64_t loads_failed = 0;
  std::uint64_t evictions = 0;
  std::uint64_t bytes = 0;  // plaintext bytes currently cached
  std::uint64_t entries = 0;
};

class ChunkCache {
 public:
  // capacity_bytes: budget for cached plaintext. A chunk larger than the budget is still
  // returned to its readers but not kept. Eviction is LRU; an evicted chunk stays valid for the
  // readers still holding its ChunkData (so transiently more than the budget may be alive), and
  // is wiped outside the cache's lock when the last holder lets go.
  explicit ChunkCache(std::uint64_t capacity_bytes);
  ~ChunkCache();
  ChunkCache(const ChunkCache&) = delete;
  ChunkCache& operator=(const ChunkCache&) = delete;

  // The chunk from the cache, or from the single in-flight load for this key, or by running
  // `load` on the calling thread. Failed loads are not cached: the exception is rethrown to the
  // caller and to every thread waiting on the same load, and the next call tries again.
  ChunkData get_or_load(const ChunkKey& key, const ChunkLoad& load);
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

 private:
  struct Impl;
  std::uint64_t capacity_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace anonfs::vfs
