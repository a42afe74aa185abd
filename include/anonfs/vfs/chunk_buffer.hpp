// ChunkBuffer and ChunkBufferPool: reusable memory for whole chunks (ciphertext arrives in it and
// is decrypted in place). A 50 MiB chunk in fresh memory costs more than fetching and decrypting
// it: the kernel faults and zeroes every page, and a SecretBytes zero-fills it once more. The
// pool keeps released buffers mapped (wiped) and hands them out again, so pages stay faulted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>

#include "anonfs/crypto/bytes.hpp"

namespace anonfs::vfs {

namespace detail {
struct BufferPoolState;
}

struct ChunkBufferPoolStats {
  std::uint64_t mapped_bytes = 0;  // capacity of every live buffer: in use and free
  std::uint64_t free_bytes = 0;    // capacity of the free buffers kept for reuse
  std::uint64_t free_buffers = 0;
  std::uint64_t allocations = 0;  // acquisitions that mapped new memory
  std::uint64_t reuses = 0;       // acquisitions served by a free buffer
  std::uint64_t unmapped = 0;     // released buffers not kept (over the retain limit)
  std::uint64_t spares = 0;       // buffers mapped and faulted in advance (keep_spare)
};

// Page-aligned anonymous memory holding one chunk; move-only. When acquired its contents are
// unspecified but never another chunk's data (fresh pages, or a buffer wiped on release). On
// destruction the used bytes are wiped and the memory goes back to its pool, or is unmapped when
// the pool does not keep it. Excluded from core dumps; huge pages are requested for big buffers.
class ChunkBuffer {
 public:
  ChunkBuffer() noexcept = default;
  ~ChunkBuffer();
  ChunkBuffer(ChunkBuffer&& other) noexcept;
  ChunkBuffer& operator=(ChunkBuffer&& other) noexcept;
  ChunkBuffer(const ChunkBuffer&) = delete;
  ChunkBuffer& operator=(const ChunkBuffer&) = delete;

  std::uint8_t* data() noexcept { return data_; }
  const std::uint8_t* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  std::size_t capacity() const noexcept { return capacity_; }
  bool empty() const noexcept { return size_ == 0; }
  crypto::ByteView view() const noexcept { return {data_, size_}; }
  crypto::MutableByteView mutable_view() noexcept { return {data_, size_}; }

  // Shrinks to the first new_size bytes (no-op if new_size >= size()); the tail is wiped.
  void truncate(std::size_t new_size) noexcept;

 private:
  friend class ChunkBufferPool;
  ChunkBuffer(std::shared_ptr<detail::BufferPoolState> pool, std::uint8_t* data,
              std::size_t capacity, std::size_t size) noexcept;
  void release() noexcept;

  std::shared_ptr<detail::BufferPoolState> pool_;  // null: unmapped on release
  std::uint8_t* data_ = nullptr;
  std::size_t capacity_ = 0;
  std::size_t size_ = 0;  // invariant: bytes beyond size_ are zero or were wiped
};

// Thread-safe. Buffers may outlive the pool (they are then unmapped on release).
class ChunkBufferPool {
 public:
  // retain_bytes: a released buffer is kept for reuse only while the capacity of all mapped
  // buffers (in use + free) stays within it; otherwise it is unmapped. 0 keeps nothing.
  explicit ChunkBufferPool(std::uint64_t retain_bytes);
  ~ChunkBufferPool();
  ChunkBufferPool(const ChunkBufferPool&) = delete;
  ChunkBufferPool& operator=(const ChunkBufferPool&) = delete;

  // A buffer of exactly `size` bytes: the smallest free buffer that fits without wasting more
  // than a quarter of its capacity, else new memory. Throws std::bad_alloc when mapping fails.
  ChunkBuffer acquire(std::size_t size);
  // Keeps one free buffer of `size` bytes mapped and faulted in advance, by a background thread,
  // whenever none is free and the retain limit leaves room for it: the first read of an uncached
  // chunk then does not wait for the kernel to fault and zero 50 MiB of fresh pages. Call once.
  void keep_spare(std::size_t size);
  // Unmaps every free buffer.
  void trim();
  ChunkBufferPoolStats stats() const;

 private:
  std::shared_ptr<detail::BufferPoolState> state_;
  std::jthread spare_maker_;  // declared last: stopped and joined first
};

}  // namespace anonfs::vfs
