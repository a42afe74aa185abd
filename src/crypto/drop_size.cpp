// Drop size arithmetic (protocol spec §2.3, §2.6, §2.9, §3).
#include "anonfs/crypto/drop_size.hpp"

#include <algorithm>
#include <string>

#include "anonfs/crypto/error.hpp"

namespace anonfs::crypto {

namespace {

static_assert(kMaxChunkSize + kChunkTagSize <= kMaxPartSize);
// With chunkCount <= 10 000 and chunkSize < 2^31 every product below stays far from 2^64.
static_assert(kMaxChunkCount * (kMaxChunkSize + kChunkTagSize) < (1ull << 62));

// Returns why (size, chunk_size, chunk_count) is not a layout the server accepts, or nullptr.
const char* layout_problem(std::uint64_t size, std::uint64_t chunk_size,
                           std::uint64_t chunk_count) noexcept {
  if (chunk_count < 1 || chunk_count > kMaxChunkCount) return "chunkCount outside 1..10000";
  if (chunk_size < 1 || chunk_size > kMaxChunkSize) return "chunkSize outside 1..2^31-1";
  if (size < 1 || size > kMaxCiphertextSize) return "size outside 1..250 GiB + tags";
  const std::uint64_t tags = chunk_count * kChunkTagSize;
  if (size <= tags) return "size leaves no plaintext";
  if (size - tags > kMaxPlaintextSize) return "plaintext larger than 250 GiB";
  const std::uint64_t part = chunk_size + kChunkTagSize;
  if (chunk_count > 1 && chunk_size < kMinMultipartChunkSize) {
    return "chunkSize below 5 MiB with several chunks";
  }
  const std::uint64_t full_parts = (chunk_count - 1) * part;
  if (size <= full_parts) return "size smaller than the full chunks";
  const std::uint64_t final_part = size - full_parts;
  if (final_part <= kChunkTagSize) return "final chunk carries no plaintext";
  if (final_part > part) return "final chunk larger than chunkSize";
  return nullptr;
}

void require_consistent(const ChunkLayout& layout) {
  if (const char* problem =
          layout_problem(layout.ciphertext_size, layout.chunk_size, layout.chunk_count)) {
    throw CryptoError(CryptoErrc::kInvalidArgument,
                      std::string("inconsistent chunk layout: ") + problem);
  }
}

void require_index(const ChunkLayout& layout, std::uint32_t index) {
  require_consistent(layout);
  if (index >= layout.chunk_count) {
    throw CryptoError(CryptoErrc::kInvalidArgument,
                      "chunk index " + std::to_string(index) + " out of range (" +
                          std::to_string(layout.chunk_count) + " chunks)");
  }
}

std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) noexcept {
  return a / b + (a % b != 0);
}

}  // namespace

ChunkLayout plan_chunks(std::uint64_t plaintext) {
  if (plaintext == 0) {
    throw CryptoError(CryptoErrc::kInvalidArgument, "empty files cannot be uploaded");
  }
  if (plaintext > kMaxPlaintextSize) {
    throw CryptoError(CryptoErrc::kInvalidArgument, "file larger than 250 GiB");
  }
  std::uint64_t chunk_size = plaintext;
  std::uint64_t chunk_count = 1;
  if (plaintext > kDefaultChunkSize) {
    chunk_size = kDefaultChunkSize;
    chunk_count = ceil_div(plaintext, chunk_size);
    if (chunk_count > kMaxChunkCount) {
      chunk_size = ceil_div(plaintext, kMaxChunkCount);
      chunk_count = ceil_div(plaintext, chunk_size);
    }
  }
  return ChunkLayout{chunk_size, static_cast<std::uint32_t>(chunk_count),
                     plaintext + chunk_count * kChunkTagSize};
}

ChunkLayout validate_chunk_layout(std::uint64_t size, std::uint64_t chunk_size,
                                  std::uint64_t chunk_count) {
  if (const char* problem = layout_problem(size, chunk_size, chunk_count)) {
    throw CryptoError(CryptoErrc::kInvalidFormat,
                      std::string("invalid file size/chunk layout: ") + problem);
  }
  return ChunkLayout{chunk_size, static_cast<std::uint32_t>(chunk_count), size};
}

ChunkLayout chunk_layout_from_server(std::uint64_t size, std::optional<std::uint64_t> chunk_size,
                                     std::optional<std::uint64_t> chunk_count) {
  const std::uint64_t cs = chunk_size.value_or(kDefaultChunkSize);
  std::uint64_t cc = 0;
  if (chunk_count) {
    cc = *chunk_count;
  } else if (cs >= 1 && cs <= kMaxChunkSize) {
    cc = ceil_div(size, cs + kChunkTagSize);
  }  // else: leave 0, rejected below
  return validate_chunk_layout(size, cs, cc);
}

std::uint64_t plaintext_size(const ChunkLayout& layout) {
  require_consistent(layout);
  return layout.ciphertext_size - std::uint64_t{layout.chunk_count} * kChunkTagSize;
}

std::uint32_t chunk_index_at(const ChunkLayout& layout, std::uint64_t plaintext_offset) {
  if (plaintext_offset >= plaintext_size(layout)) {
    throw CryptoError(CryptoErrc::kInvalidArgument, "offset past the end of the file");
  }
  return static_cast<std::uint32_t>(plaintext_offset / layout.chunk_size);
}

ByteRange chunk_ciphertext_range(const ChunkLayout& layout, std::uint32_t index) {
  require_index(layout, index);
  const std::uint64_t part = layout.chunk_size + kChunkTagSize;
  const std::uint64_t begin = index * part;
  const std::uint64_t end = std::min(begin + part, layout.ciphertext_size);
  return ByteRange{begin, end - begin};
}

ByteRange chunk_plaintext_range(const ChunkLayout& layout, std::uint32_t index) {
  require_index(layout, index);
  const std::uint64_t total = plaintext_size(layout);
  const std::uint64_t begin = index * layout.chunk_size;
  const std::uint64_t end = std::min(begin + layout.chunk_size, total);
  return ByteRange{begin, end - begin};
}

std::vector<std::uint64_t> upload_part_sizes(const ChunkLayout& layout) {
  require_consistent(layout);
  std::vector<std::uint64_t> sizes;
  sizes.reserve(layout.chunk_count);
  for (std::uint32_t i = 0; i < layout.chunk_count; ++i) {
    sizes.push_back(chunk_ciphertext_range(layout, i).length);
  }
  return sizes;
}

}  // namespace anonfs::crypto
