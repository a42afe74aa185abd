// ChunkBuffer / ChunkBufferPool: mmap'd chunk memory, wiped on release and recycled.
#include "anonfs/vfs/chunk_buffer.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <new>
#include <utility>
#include <vector>

namespace anonfs::vfs {

namespace {

constexpr std::size_t kPage = 4096;
constexpr std::size_t kHugePage = std::size_t{2} << 20;

std::size_t round_up(std::size_t n, std::size_t to) {
  return (n + to - 1) / to * to;
}

// Maps `capacity` bytes (a page multiple). Buffers of at least one huge page start on a huge-page
// boundary (map 2 MiB more, unmap the unaligned head and tail) so that transparent huge pages can
// back them: one fault per 2 MiB instead of 512.
std::uint8_t* map_region(std::size_t capacity) {
  const bool huge = capacity >= kHugePage;
  const std::size_t length = huge ? capacity + kHugePage : capacity;
  void* p = ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  auto* base = static_cast<std::uint8_t*>(p);
  if (huge) {
    const auto address = reinterpret_cast<std::uintptr_t>(base);
    const std::size_t head = round_up(address, kHugePage) - address;
    if (head != 0) ::munmap(base, head);
    const std::size_t tail = length - head - capacity;
    if (tail != 0) ::munmap(base + head + capacity, tail);
    base += head;
    ::madvise(base, capacity, MADV_HUGEPAGE);  // best effort (THP may be off)
  }
  ::madvise(base, capacity, MADV_DONTDUMP);  // plaintext never lands in a core dump
  return base;
}

void unmap_region(std::uint8_t* data, std::size_t capacity) noexcept {
  ::munmap(data, capacity);
}

// Touches every page so the kernel faults (and zeroes) them now rather than on first use.
void prefault(std::uint8_t* data, std::size_t capacity) noexcept {
  volatile std::uint8_t* p = data;
  for (std::size_t off = 0; off < capacity; off += kPage)
    p[off] = 0;
}

}  // namespace

namespace detail {

struct Region {
  std::uint8_t* data;
  std::size_t capacity;
};

// Shared by the pool and its buffers. `mu` guards every member; no syscall runs under it.
struct BufferPoolState {
  explicit BufferPoolState(std::uint64_t retain) : retain_bytes(retain) {}

  const std::uint64_t retain_bytes;
  std::mutex mu;
  std::vector<Region> free;
  bool closed = false;  // the pool is gone: released buffers are unmapped
  ChunkBufferPoolStats stats;
  std::size_t spare_capacity = 0;    // keep_spare: capacity of the spare (0: none wanted)
  std::condition_variable_any wake;  // acquire() took a free buffer or mapped a new one

  // True when a spare should be made now (mu held): none of its size is free and it fits.
  bool spare_needed_locked() const {
    if (spare_capacity == 0 || closed) return false;
    for (const Region& r : free) {
      if (r.capacity >= spare_capacity) return false;
    }
    return stats.mapped_bytes + spare_capacity <= retain_bytes;
  }

  // Takes back a wiped region; unmaps it unless it fits within the retain limit.
  void give_back(Region region) noexcept {
    {
      std::lock_guard lock(mu);
      if (!closed && stats.mapped_bytes <= retain_bytes) {
        try {
          free.push_back(region);
          stats.free_bytes += region.capacity;
          stats.free_buffers = free.size();
          return;
        } catch (...) {  // no memory for the list entry: unmap instead
        }
      }
      stats.mapped_bytes -= region.capacity;
      ++stats.unmapped;
    }
    unmap_region(region.data, region.capacity);
  }
};

}  // namespace detail

// ---- ChunkBuffer ------------------------------------------------------------------------------

ChunkBuffer::ChunkBuffer(std::shared_ptr<detail::BufferPoolState> pool, std::uint8_t* data,
                         std::size_t capacity, std::size_t size) noexcept
    : pool_(std::move(pool)), data_(data), capacity_(capacity), size_(size) {}

ChunkBuffer::~ChunkBuffer() {
  release();
}

ChunkBuffer::ChunkBuffer(ChunkBuffer&& other) noexcept
    : pool_(std::move(other.pool_)),
      data_(std::exchange(other.data_, nullptr)),
      capacity_(std::exchange(other.capacity_, 0)),
      size_(std::exchange(other.size_, 0)) {}

ChunkBuffer& ChunkBuffer::operator=(ChunkBuffer&& other) noexcept {
  if (this != &other) {
    release();
    pool_ = std::move(other.pool_);
    data_ = std::exchange(other.data_, nullptr);
    capacity_ = std::exchange(other.capacity_, 0);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

void ChunkBuffer::truncate(std::size_t new_size) noexcept {
  if (new_size >= size_) return;
  crypto::secure_wipe(data_ + new_size, size_ - new_size);
  size_ = new_size;
}

void ChunkBuffer::release() noexcept {
  if (data_ == nullptr) return;
  crypto::secure_wipe(data_, size_);  // beyond size_ nothing was written or it was wiped
  const detail::Region region{data_, capacity_};
  data_ = nullptr;
  capacity_ = 0;
  size_ = 0;
  if (auto pool = std::move(pool_)) {
    pool->give_back(region);
  } else {
    unmap_region(region.data, region.capacity);
  }
}

// ---- ChunkBufferPool --------------------------------------------------------------------------

ChunkBufferPool::ChunkBufferPool(std::uint64_t retain_bytes)
    : state_(std::make_shared<detail::BufferPoolState>(retain_bytes)) {}

ChunkBufferPool::~ChunkBufferPool() {
  if (spare_maker_.joinable()) {
    spare_maker_.request_stop();
    spare_maker_.join();
  }
  {
    std::lock_guard lock(state_->mu);
    state_->closed = true;
  }
  trim();
}

ChunkBuffer ChunkBufferPool::acquire(std::size_t size) {
  if (size == 0) return {};
  const std::size_t capacity = round_up(size, kPage);
  {
    std::lock_guard lock(state_->mu);
    std::size_t best = state_->free.size();
    for (std::size_t i = 0; i < state_->free.size(); ++i) {
      const std::size_t have = state_->free[i].capacity;
      if (have < capacity || have - capacity > have / 4) continue;
      if (best == state_->free.size() || have < state_->free[best].capacity) best = i;
    }
    if (best != state_->free.size()) {
      const detail::Region region = state_->free[best];
      state_->free[best] = state_->free.back();
      state_->free.pop_back();
      state_->stats.free_bytes -= region.capacity;
      state_->stats.free_buffers = state_->free.size();
      ++state_->stats.reuses;
      state_->wake.notify_all();
      return ChunkBuffer(state_, region.data, region.capacity, size);
    }
    state_->stats.mapped_bytes += capacity;  // counted before mapping so give_back sees it
    ++state_->stats.allocations;
    state_->wake.notify_all();
  }
  try {
    return ChunkBuffer(state_, map_region(capacity), capacity, size);
  } catch (...) {
    std::lock_guard lock(state_->mu);
    state_->stats.mapped_bytes -= capacity;
    throw;
  }
}

void ChunkBufferPool::keep_spare(std::size_t size) {
  if (size == 0 || spare_maker_.joinable()) return;
  {
    std::lock_guard lock(state_->mu);
    state_->spare_capacity = round_up(size, kPage);
  }
  spare_maker_ = std::jthread([state = state_](std::stop_token stop) {
    for (;;) {
      std::size_t capacity = 0;
      {
        std::unique_lock lock(state->mu);
        if (!state->wake.wait(lock, stop, [&] { return state->spare_needed_locked(); })) return;
        capacity = state->spare_capacity;
        state->stats.mapped_bytes += capacity;  // reserved before mapping, as in acquire()
      }
      std::uint8_t* data = nullptr;
      try {
        data = map_region(capacity);
      } catch (const std::bad_alloc&) {
        std::lock_guard lock(state->mu);
        state->stats.mapped_bytes -= capacity;
        return;  // no memory for a spare: give up on spares
      }
      prefault(data, capacity);
      bool kept = false;
      {
        std::lock_guard lock(state->mu);
        try {
          state->free.push_back(detail::Region{data, capacity});
          state->stats.free_bytes += capacity;
          state->stats.free_buffers = state->free.size();
          ++state->stats.spares;
          kept = true;
        } catch (...) {
          state->stats.mapped_bytes -= capacity;
        }
      }
      if (!kept) {
        unmap_region(data, capacity);
        return;
      }
    }
  });
}

void ChunkBufferPool::trim() {
  std::vector<detail::Region> regions;
  {
    std::lock_guard lock(state_->mu);
    regions.swap(state_->free);
    for (const detail::Region& r : regions)
      state_->stats.mapped_bytes -= r.capacity;
    state_->stats.unmapped += regions.size();
    state_->stats.free_bytes = 0;
    state_->stats.free_buffers = 0;
  }
  for (const detail::Region& r : regions)
    unmap_region(r.data, r.capacity);
}

ChunkBufferPoolStats ChunkBufferPool::stats() const {
  std::lock_guard lock(state_->mu);
  return state_->stats;
}

}  // namespace anonfs::vfs
