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
  bool discard = false;        // set by erase_file/clear while loading: do not cache the result
  std::uint64_t reserved = 0;  // bytes charged to the budget for this load
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

  // Evicts least recently used entries until `size` more bytes fit next to the cached chunks and
  // the loads in flight, or nothing is left to evict.
  void make_room(std::uint64_t size, std::uint64_t capacity, std::vector<ChunkData>& graveyard) {
    while (stats.bytes + stats.reserved + size > capacity && !lru.empty()) {
      unlink(std::prev(lru.end()), graveyard);
      ++stats.evictions;
    }
  }

  // Registers a load of `key` charged with `size` bytes (0: not charged; a chunk larger than
  // the budget is never cached, so it is not charged either). Caller holds `mu`.
  std::shared_ptr<Flight> start_flight(const ChunkKey& key, std::uint64_t size,
                                       std::uint64_t capacity, std::vector<ChunkData>& graveyard) {
    auto flight = std::make_shared<Flight>();
    if (size <= capacity) {
      make_room(size, capacity, graveyard);
      flight->reserved = size;
      stats.reserved += size;
    }
    inflight.emplace(key, flight);
    return flight;
  }

  // Ends the flight of `key` (caller holds `mu`).
  void end_flight(const ChunkKey& key, const Flight& flight) {
    inflight.erase(key);
    stats.reserved -= flight.reserved;
  }

  // Runs the load of a started flight on the calling thread (without `mu`), caches its result and
  // hands it, or its exception, to the flight's waiters.
  ChunkData run_flight(const ChunkKey& key, Flight& flight, const ChunkLoad& load,
                       std::uint64_t capacity) {
    ChunkData data;
    try {
      data = std::make_shared<const ChunkBuffer>(load());
    } catch (...) {
      {
        std::lock_guard lock(mu);
        end_flight(key, flight);
        ++stats.loads_failed;
      }
      flight.promise.set_exception(std::current_exception());
      throw;
    }
    std::vector<ChunkData> graveyard;  // destroyed after the lock is released
    {
      std::lock_guard lock(mu);
      end_flight(key, flight);
      if (!flight.discard) insert(key, data, capacity, graveyard);
    }
    flight.promise.set_value(data);
    return data;
  }

  // Caches `data` under `key`, evicting least recently used entries to stay within `capacity`.
  // A chunk larger than the whole budget is not cached (and evicts nothing).
  void insert(const ChunkKey& key, ChunkData data, std::uint64_t capacity,
              std::vector<ChunkData>& graveyard) {
    if (auto it = index.find(key); it != index.end()) unlink(it->second, graveyard);
    const std::uint64_t size = data->size();
    if (size > capacity) return;
    make_room(size, capacity, graveyard);
    lru.push_front(Entry{key, std::move(data)});
    index.emplace(key, lru.begin());
    stats.bytes += size;
    ++stats.entries;
  }
};

ChunkCache::ChunkCache(std::uint64_t capacity_bytes)
    : capacity_(capacity_bytes), buffers_(capacity_bytes), impl_(std::make_unique<Impl>()) {}

ChunkCache::~ChunkCache() = default;

ChunkData ChunkCache::get_or_load(const ChunkKey& key, const ChunkLoad& load, std::uint64_t size) {
  std::shared_ptr<Flight> flight;
  {
    std::vector<ChunkData> graveyard;  // evicted to make room; destroyed after the lock
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
    flight = impl_->start_flight(key, size, capacity_, graveyard);
    lock.unlock();
    // graveyard goes here: evicted buffers return to the pool before `load` asks for one.
  }
  return impl_->run_flight(key, *flight, load, capacity_);
}

PrefetchOutcome ChunkCache::prefetch(const ChunkKey& key, const ChunkLoad& load,
                                     std::uint64_t size) {
  std::shared_ptr<Flight> flight;
  {
    std::vector<ChunkData> graveyard;
    std::unique_lock lock(impl_->mu);
    if (impl_->index.contains(key) || impl_->inflight.contains(key)) {
      return PrefetchOutcome::kPresent;
    }
    if (size > capacity_ || impl_->stats.reserved + size > capacity_) {
      ++impl_->stats.prefetch_no_room;
      return PrefetchOutcome::kNoRoom;
    }
    ++impl_->stats.misses;
    flight = impl_->start_flight(key, size, capacity_, graveyard);
    lock.unlock();
  }
  impl_->run_flight(key, *flight, load, capacity_);
  return PrefetchOutcome::kLoaded;
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
