// Private helpers shared by the cache, the prefetcher and the reader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <stop_token>
#include <string>
#include <string_view>

#include "anonfs/crypto/bytes.hpp"
#include "anonfs/vfs/chunk_cache.hpp"
#include "anonfs/vfs/chunk_reader.hpp"
#include "anonfs/vfs/vfs_error.hpp"

namespace anonfs::vfs::detail {

struct ChunkKeyHash {
  std::size_t operator()(const ChunkKey& key) const noexcept {
    const std::size_t h = std::hash<std::string_view>{}(key.file);
    return h ^ (std::size_t{key.index} * 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2));
  }
};

// Runs source.load_chunk_into and enforces its contract: exactly `expected` plaintext bytes. Any
// failure while `cancel` is triggered is reported as VfsError(kCancelled) so that readers which
// merely waited on this load can tell "someone else was cancelled" from a real failure.
inline ChunkBuffer load_checked(ChunkSource& source, ChunkBufferPool& pool, std::uint32_t index,
                                std::uint64_t expected, std::stop_token cancel) {
  if (cancel.stop_requested()) {
    throw VfsError(VfsErrc::kCancelled, "chunk " + std::to_string(index) + ": load cancelled");
  }
  ChunkBuffer data;
  try {
    data = source.load_chunk_into(index, pool, cancel);
  } catch (...) {
    if (cancel.stop_requested()) {
      throw VfsError(VfsErrc::kCancelled, "chunk " + std::to_string(index) + ": load cancelled");
    }
    throw;
  }
  if (data.size() != expected) {
    throw VfsError(VfsErrc::kIo, "chunk " + std::to_string(index) + ": source returned " +
                                     std::to_string(data.size()) + " plaintext bytes, expected " +
                                     std::to_string(expected));
  }
  return data;
}

}  // namespace anonfs::vfs::detail
