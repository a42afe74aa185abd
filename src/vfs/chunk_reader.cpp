// ChunkReader: byte-range reads of one file through the ChunkCache, with adaptive read-ahead.
#include "anonfs/vfs/chunk_reader.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <utility>

#include "anonfs/crypto/error.hpp"
#include "chunk_detail.hpp"

namespace anonfs::vfs {

namespace {

// A load that failed in another reader's (or the prefetcher's) flight is retried by this reader;
// this bounds how often in case every attempt lands on someone else's failing flight.
constexpr int kMaxAttempts = 3;

}  // namespace

ChunkBuffer ChunkSource::load_chunk_into(std::uint32_t index, ChunkBufferPool& pool,
                                         std::stop_token cancel) {
  const crypto::SecretBytes plaintext = load_chunk(index, std::move(cancel));
  ChunkBuffer out = pool.acquire(plaintext.size());
  if (!plaintext.empty()) std::memcpy(out.data(), plaintext.data(), plaintext.size());
  return out;
}

struct ChunkReader::Impl {
  Impl(std::string id, crypto::ChunkLayout l, std::shared_ptr<ChunkSource> s, ChunkCache& c,
       Prefetcher* p)
      : file_id(std::move(id)), layout(l), source(std::move(s)), cache(c), prefetcher(p) {
    try {
      total = crypto::plaintext_size(layout);  // validates the layout
    } catch (const crypto::CryptoError& e) {
      throw VfsError(VfsErrc::kInvalidArgument, e.what());
    }
    if (!source) throw VfsError(VfsErrc::kInvalidArgument, "ChunkReader without a source");
    chunk_size = layout.chunk_size;
    chunk_count = layout.chunk_count;
    if (prefetcher != nullptr) {
      // Read-ahead that does not fit in the cache next to the chunk being read only evicts itself.
      const std::uint64_t fit = cache.capacity() / chunk_size;
      const std::uint64_t cap = fit >= 2 ? fit - 1 : 0;
      max_window = static_cast<std::uint32_t>(
          std::min<std::uint64_t>(prefetcher->options().max_ahead_chunks, cap));
    }
  }

  // Immutable after construction.
  const std::string file_id;
  const crypto::ChunkLayout layout;
  const std::shared_ptr<ChunkSource> source;
  ChunkCache& cache;
  Prefetcher* const prefetcher;
  std::uint64_t total = 0;
  std::uint64_t chunk_size = 0;
  std::uint32_t chunk_count = 0;
  std::uint32_t max_window = 0;  // 0: no read-ahead

  // `mu` guards the access-pattern state below; never held while loading or scheduling.
  std::mutex mu;
  bool have_prev = false;
  std::uint64_t prev_end = 0;         // end offset of the previous read
  std::uint32_t prev_last_chunk = 0;  // last chunk the previous read touched
  std::uint32_t window = 0;           // chunks of read-ahead; 0 after a random access

  // prev_last_chunk, readable without `mu` by read-ahead jobs (via a weak_ptr: a job outliving
  // its reader is simply unwanted).
  const std::shared_ptr<std::atomic<std::uint32_t>> position =
      std::make_shared<std::atomic<std::uint32_t>>(0);

  std::uint64_t chunk_length(std::uint32_t index) const noexcept {
    const std::uint64_t begin = std::uint64_t{index} * chunk_size;
    return std::min(chunk_size, total - begin);
  }

  ChunkKey key(std::uint32_t index) const { return ChunkKey{file_id, index}; }

  // Records the access [offset, end) touching chunks first..last and returns the last chunk to
  // read ahead to (inclusive), or `last` for none.
  std::uint32_t track(std::uint64_t offset, std::uint64_t end, std::uint32_t first,
                      std::uint32_t last) {
    std::lock_guard lock(mu);
    const bool sequential = have_prev && (offset == prev_end || first == prev_last_chunk ||
                                          first == prev_last_chunk + 1);
    if (!sequential) {
      window = 0;  // first access or random jump: this read costs its own chunk(s) only
    } else if (window == 0) {
      window = std::min<std::uint32_t>(1, max_window);
    } else if (last > prev_last_chunk) {
      // The reader moved on to a new chunk while staying sequential: widen the window.
      window =
          std::min<std::uint32_t>(window > max_window / 2 ? max_window : window * 2, max_window);
    }
    have_prev = true;
    prev_end = end;
    prev_last_chunk = last;
    position->store(last, std::memory_order_relaxed);
    const std::uint64_t ahead = std::uint64_t{last} + window;
    return static_cast<std::uint32_t>(std::min<std::uint64_t>(ahead, chunk_count - 1));
  }

  ChunkData load(std::uint32_t index, const std::stop_token& cancel) {
    const std::uint64_t expected = chunk_length(index);
    const ChunkKey k = key(index);
    for (int attempt = 1;; ++attempt) {
      if (cancel.stop_requested()) {
        throw VfsError(VfsErrc::kCancelled, "read cancelled");
      }
      bool ran = false;
      try {
        ChunkData data = cache.get_or_load(
            k,
            [&] {
              ran = true;
              return detail::load_checked(*source, cache.buffers(), index, expected, cancel);
            },
            expected);
        if (data->size() != expected) {  // cannot happen: every loader checks the length
          throw VfsError(VfsErrc::kIo, "chunk " + std::to_string(index) + " has the wrong length");
        }
        return data;
      } catch (...) {
        // Our own load's failure is final. A failure of a load we merely joined (another
        // reader was cancelled, read-ahead hit a transient error) gets a retry of our own.
        if (ran || cancel.stop_requested() || attempt >= kMaxAttempts) throw;
      }
    }
  }
};

ChunkReader::ChunkReader(std::string file_id, crypto::ChunkLayout layout,
                         std::shared_ptr<ChunkSource> source, ChunkCache& cache,
                         Prefetcher* prefetcher)
    : impl_(std::make_unique<Impl>(std::move(file_id), layout, std::move(source), cache,
                                   prefetcher)) {}

ChunkReader::~ChunkReader() = default;

std::uint64_t ChunkReader::size() const noexcept {
  return impl_->total;
}

std::size_t ChunkReader::read(std::uint64_t offset, std::span<std::uint8_t> out,
                              std::stop_token cancel) {
  const PinnedBytes bytes = read_pinned(offset, out.size(), std::move(cancel));
  std::size_t copied = 0;
  for (const auto& piece : bytes.pieces) {
    std::memcpy(out.data() + copied, piece.data(), piece.size());
    copied += piece.size();
  }
  return copied;
}

PinnedBytes ChunkReader::read_pinned(std::uint64_t offset, std::size_t size,
                                     std::stop_token cancel) {
  Impl& m = *impl_;
  if (offset >= m.total || size == 0) return {};
  const std::size_t length =
      static_cast<std::size_t>(std::min<std::uint64_t>(size, m.total - offset));
  const std::uint64_t end = offset + length;
  const auto first = static_cast<std::uint32_t>(offset / m.chunk_size);
  const auto last = static_cast<std::uint32_t>((end - 1) / m.chunk_size);

  // Schedule read-ahead before the foreground load so that both proceed in parallel. Window
  // chunks already cached are touched instead, farthest first, then the current chunk: the LRU
  // order becomes current, next, ..., farthest, and chunks this reader has consumed are older
  // than all of them, so they are evicted first.
  const std::uint32_t ahead = m.track(offset, end, first, last);
  if (m.prefetcher != nullptr && ahead > last) {
    std::uint32_t missing_from = ahead + 1;  // window chunks [missing_from, ahead] are scheduled
    std::uint32_t missing_to = last;         // ... up to missing_to (nearest first)
    for (std::uint32_t i = ahead; i > last; --i) {
      if (m.cache.find(m.key(i)) == nullptr) {
        missing_from = i;
        if (missing_to == last) missing_to = i;
      }
    }
    if (missing_to > last) {
      // Touch the chunk(s) of this read before scheduling, too: a read-ahead load finishing
      // before our own get_or_load must not evict the chunk we are about to read.
      for (std::uint32_t i = last + 1; i-- > first;)
        m.cache.find(m.key(i));
    }
    for (std::uint32_t i = missing_from; i <= missing_to; ++i) {
      // Still wanted when the job runs if this reader is open and has not read past chunk i.
      auto wanted = [weak = std::weak_ptr(m.position), i] {
        const auto position = weak.lock();
        return position != nullptr && i > position->load(std::memory_order_relaxed);
      };
      m.prefetcher->schedule(m.key(i), m.source, m.chunk_length(i), std::move(wanted));
    }
  }

  PinnedBytes bytes;
  bytes.pins.reserve(last - first + 1);
  bytes.pieces.reserve(last - first + 1);
  std::size_t taken = 0;
  std::uint64_t position = offset;
  for (std::uint32_t index = first; index <= last; ++index) {
    ChunkData data = m.load(index, cancel);
    const std::uint64_t in_chunk = position - std::uint64_t{index} * m.chunk_size;
    const std::size_t n =
        static_cast<std::size_t>(std::min<std::uint64_t>(length - taken, data->size() - in_chunk));
    bytes.pieces.emplace_back(data->data() + in_chunk, n);
    bytes.pins.push_back(std::move(data));
    taken += n;
    position += n;
  }
  return bytes;
}

}  // namespace anonfs::vfs
