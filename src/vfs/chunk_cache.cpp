// ChunkCache: byte-budgeted LRU of verified plaintext chunks with single-flight loading.
#include "anonfs/vfs/chunk_cache.hpp"

#include <exception>
#include <future>
#include <list>
#include <unordered_map>
#include <utility>
#include <vector>

#include "chunk_detail.hpp"

namespace anonfs::vfs {

namespace {

// One load in progress. The loading thread fulfils `promise`; waiters block on `result`.
struct Flight {
  std::promise<ChunkData> promise;
  std::shared_future<ChunkData> result = promise.get_future().share();
  bool discard = false;  // set by erase_file/clear while loading: do not cache the result
};

struct Entry {
  ChunkKey key;
  ChunkData data;
};

}  // namespace

struct ChunkCache::Impl {
  // `mu` guards every member below. It is never held while a loader runs, while waiting on a
  // flight, or while evicted chunks are destroyed (wiping a 50 MiB chunk takes milliseconds).
  mutable std::mutex mu;
  std::list<Entry> lru;  // front = most recently used
  std::unordered_map<ChunkKey, std::list<Entry>::iterator, detail::ChunkKeyHash> index;
  std::unordered_map<ChunkKey, std::shared_ptr<Flight>, detail::ChunkKeyHash> inflight;
  ChunkCacheStats stats;  // bytes/entries are maintained here too

  void unlink(std::list<Entry>::iterator it, std::vector<ChunkData>& graveyard) {
    stats.bytes -= it->data->size();
    --stats.entries;
    graveyard.push_back(std::move(it->data));
    index.erase(it->key);
    lru.erase(it);
  }

  // Caches `data` under `key`, evicting least recently used entries to stay within `capacity`.
  // A chunk larger than the whole budget is not cached (and evicts nothing).
  void insert(const ChunkKey& key, ChunkData data, std::uint64_t capacity,
              std::vector<ChunkData>& graveyard) {
    if (auto it = index.find(key); it != index.end()) unlink(it->second, graveyard);
    const std::uint64_t size = data->size();
    if (size > capacity) return;
    while (stats.bytes + size > capacity && !lru.empty()) {
      unlink(std::prev(lru.end()), graveyard);
      ++stats.evictions;
    }
    lru.push_front(Entry{key, std::move(data)});
    index.emplace(key, lru.begin());
    stats.bytes += size;
    ++stats.entries;
  }
};

ChunkCache::ChunkCache(std::uint64_t capacity_bytes)
    : capacity_(capacity_bytes), impl_(std::make_unique<Impl>()) {}

ChunkCache::~ChunkCache() = default;

ChunkData ChunkCache::get_or_load(const ChunkKey& key, const ChunkLoad& load) {
  std::shared_ptr<Flight> flight;
  {
    std::unique_lock lock(impl_->mu);
    if (auto it = impl_->index.find(key); it != impl_->index.end()) {
      impl_->lru.splice(impl_->lru.begin(), impl_->lru, it->second);
      ++impl_->stats.hits;
      return it->second->data;
    }
    if (auto it = impl_->inflight.find(key); it != impl_->inflight.end()) {
      ++impl_->stats.hits;
      std::shared_future<ChunkData> result = it->second->result;
      lock.unlock();
      return result.get();  // rethrows the loader's exception
    }
    ++impl_->stats.misses;
    flight = std::make_shared<Flight>();
    impl_->inflight.emplace(key, flight);
  }

  ChunkData data;
  try {
    data = std::make_shared<const crypto::SecretBytes>(load());
  } catch (...) {
    {
      std::lock_guard lock(impl_->mu);
      impl_->inflight.erase(key);
      ++impl_->stats.loads_failed;
    }
    flight->promise.set_exception(std::current_exception());
    throw;
  }

  std::vector<ChunkData> graveyard;  // destroyed after the lock is released
  {
    std::lock_guard lock(impl_->mu);
    impl_->inflight.erase(key);
    if (!flight->discard) impl_->insert(key, data, capacity_, graveyard);
  }
  flight->promise.set_value(data);
  return data;
}

ChunkData ChunkCache::find(const ChunkKey& key) {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->index.find(key);
  if (it == impl_->index.end()) return nullptr;
  impl_->lru.splice(impl_->lru.begin(), impl_->lru, it->second);
  return it->second->data;
}

bool ChunkCache::contains_or_loading(const ChunkKey& key) const {
  std::lock_guard lock(impl_->mu);
  return impl_->index.contains(key) || impl_->inflight.contains(key);
}

void ChunkCache::erase_file(const std::string& file) {
  std::vector<ChunkData> graveyard;
  std::lock_guard lock(impl_->mu);
  for (auto it = impl_->lru.begin(); it != impl_->lru.end();) {
    const auto next = std::next(it);
    if (it->key.file == file) impl_->unlink(it, graveyard);
    it = next;
  }
  for (auto& [key, flight] : impl_->inflight) {
    if (key.file == file) flight->discard = true;
  }
  // graveyard is declared before the lock, so the chunks are wiped after it is released.
}

void ChunkCache::clear() {
  std::vector<ChunkData> graveyard;
  std::lock_guard lock(impl_->mu);
  while (!impl_->lru.empty())
    impl_->unlink(impl_->lru.begin(), graveyard);
  for (auto& [key, flight] : impl_->inflight)
    flight->discard = true;
}

ChunkCacheStats ChunkCache::stats() const {
  std::lock_guard lock(impl_->mu);
  return impl_->stats;
}

}  // namespace anonfs::vfs
