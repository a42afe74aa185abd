// Prefetcher: a fixed pool of workers that load read-ahead chunks into the ChunkCache.
#include <algorithm>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include "anonfs/vfs/chunk_reader.hpp"
#include "chunk_detail.hpp"

namespace anonfs::vfs {

namespace {

struct Job {
  ChunkKey key;
  std::shared_ptr<ChunkSource> source;
  std::uint64_t size = 0;
  std::function<bool()> wanted;  // empty: always wanted
};

}  // namespace

struct Prefetcher::Impl {
  Impl(ChunkCache& c, PrefetchOptions o) : cache(c), options(o) {}

  ChunkCache& cache;
  const PrefetchOptions options;

  // `mu` guards queue, pending, stats and stopping. Never held while a load runs or while the
  // cache is called.
  mutable std::mutex mu;
  std::condition_variable_any work_cv;  // queue became non-empty (stop requests wake it too)
  std::condition_variable idle_cv;      // pending became empty
  std::deque<Job> queue;
  std::unordered_set<ChunkKey, detail::ChunkKeyHash> pending;  // queued or running keys
  PrefetchStats stats;  // inflight_bytes and pending are maintained here too
  bool stopping = false;

  // Declared last: destroyed (joined) first should the constructor throw half-way.
  std::vector<std::jthread> workers;

  // Bookkeeping for a job that left the queue or finished running. Caller holds `mu`.
  void retire(const Job& job) {
    pending.erase(job.key);
    stats.inflight_bytes -= job.size;
    stats.pending = pending.size();
    if (pending.empty()) idle_cv.notify_all();
  }

  void run(std::stop_token stop) {
    std::unique_lock lock(mu);
    while (!stop.stop_requested()) {
      if (!work_cv.wait(lock, stop, [&] { return !queue.empty(); })) return;
      if (stop.stop_requested()) return;
      Job job = std::move(queue.front());
      queue.pop_front();
      lock.unlock();

      enum class Outcome { kLoaded, kPresent, kNoRoom, kUnwanted, kFailed, kCancelled };
      Outcome outcome = Outcome::kPresent;
      try {
        if (job.wanted && !job.wanted()) {
          outcome = Outcome::kUnwanted;
        } else {
          const PrefetchOutcome result = cache.prefetch(
              job.key,
              [&] {
                return detail::load_checked(*job.source, cache.buffers(), job.key.index, job.size,
                                            stop);
              },
              job.size);
          outcome = result == PrefetchOutcome::kLoaded    ? Outcome::kLoaded
                    : result == PrefetchOutcome::kPresent ? Outcome::kPresent
                                                          : Outcome::kNoRoom;
        }
      } catch (...) {
        // Swallowed: the foreground read loads the chunk itself and reports its own failure.
        outcome = stop.stop_requested() ? Outcome::kCancelled : Outcome::kFailed;
      }
      job.source.reset();  // release the file's source and state outside the lock
      job.wanted = nullptr;

      lock.lock();
      switch (outcome) {
        case Outcome::kLoaded:
          ++stats.loaded;
          break;
        case Outcome::kPresent:
          ++stats.already_present;
          break;
        case Outcome::kNoRoom:
          ++stats.no_room;
          break;
        case Outcome::kUnwanted:
          ++stats.unwanted;
          break;
        case Outcome::kFailed:
          ++stats.failed;
          break;
        case Outcome::kCancelled:
          ++stats.cancelled;
          break;
      }
      retire(job);
    }
  }
};

Prefetcher::Prefetcher(ChunkCache& cache, PrefetchOptions options)
    : impl_(std::make_unique<Impl>(cache, options)) {
  const std::size_t threads = std::max<std::size_t>(1, options.threads);
  impl_->workers.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) {
    impl_->workers.emplace_back([impl = impl_.get()](std::stop_token stop) { impl->run(stop); });
  }
}

Prefetcher::~Prefetcher() {
  std::deque<Job> dropped;
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
    dropped.swap(impl_->queue);
    for (const Job& job : dropped) {
      ++impl_->stats.cancelled;
      impl_->retire(job);
    }
  }
  // request_stop wakes idle workers (condition_variable_any waits on the stop token) and
  // triggers the token of running loads; then wait for them to finish.
  for (std::jthread& worker : impl_->workers)
    worker.request_stop();
  for (std::jthread& worker : impl_->workers)
    worker.join();
}

void Prefetcher::schedule(const ChunkKey& key, std::shared_ptr<ChunkSource> source,
                          std::uint64_t plaintext_size, std::function<bool()> wanted) {
  // Checked before taking `mu` (the cache has its own lock). A race with a load finishing here
  // is harmless: the job then finds the chunk present and does nothing.
  const bool present = impl_->cache.contains_or_loading(key);
  std::lock_guard lock(impl_->mu);
  if (impl_->stopping) return;
  if (present || impl_->pending.contains(key)) {
    ++impl_->stats.skipped_present;
    return;
  }
  if (plaintext_size > impl_->options.max_inflight_bytes ||
      impl_->stats.inflight_bytes > impl_->options.max_inflight_bytes - plaintext_size) {
    ++impl_->stats.skipped_budget;
    return;
  }
  impl_->pending.insert(key);
  impl_->queue.push_back(Job{key, std::move(source), plaintext_size, std::move(wanted)});
  impl_->stats.inflight_bytes += plaintext_size;
  impl_->stats.pending = impl_->pending.size();
  ++impl_->stats.scheduled;
  impl_->work_cv.notify_one();
}

const PrefetchOptions& Prefetcher::options() const noexcept {
  return impl_->options;
}

PrefetchStats Prefetcher::stats() const {
  std::lock_guard lock(impl_->mu);
  return impl_->stats;
}

void Prefetcher::wait_idle() {
  std::unique_lock lock(impl_->mu);
  impl_->idle_cv.wait(lock, [&] { return impl_->pending.empty(); });
}

}  // namespace anonfs::vfs
