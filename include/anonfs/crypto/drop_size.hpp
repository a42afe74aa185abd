// Drop size arithmetic (protocol spec §2.3, §2.6, §2.9, §3): plaintext vs ciphertext sizes,
// chunk planning for uploads, validation of server-supplied (size, chunkSize, chunkCount)
// triples, and the byte ranges of each chunk. All arithmetic is uint64_t with overflow checks.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace anonfs::crypto {

inline constexpr std::uint64_t kChunkTagSize = 16;                  // GCM tag per chunk
inline constexpr std::uint64_t kDefaultChunkSize = 52'428'800;      // 50 MiB
inline constexpr std::uint64_t kMaxChunkCount = 10'000;             // S3 parts per file
inline constexpr std::uint64_t kMinMultipartChunkSize = 5'242'880;  // 5 MiB, non-final parts
inline constexpr std::uint64_t kMaxChunkSize = 2'147'483'647;       // Postgres INTEGER column
inline constexpr std::uint64_t kMaxPartSize = 5ull << 30;           // S3 part maximum, 5 GiB
inline constexpr std::uint64_t kMaxPlaintextSize = 250ull << 30;    // 250 GiB per file
inline constexpr std::uint64_t kMaxCiphertextSize =
    kMaxPlaintextSize + kMaxChunkCount * kChunkTagSize;

// Geometry of one encrypted file. Only layouts returned by plan_chunks() or
// validate_chunk_layout() satisfy the invariants the other functions rely on; those functions
// still check their inputs and throw kInvalidArgument instead of misbehaving.
struct ChunkLayout {
  std::uint64_t chunk_size = 0;       // plaintext bytes per full chunk (`chunkSize`)
  std::uint32_t chunk_count = 0;      // chunks = S3 parts (`chunkCount`)
  std::uint64_t ciphertext_size = 0;  // total stored bytes (`size`)

  bool operator==(const ChunkLayout&) const = default;
};

// Half-open byte range [offset, offset + length).
struct ByteRange {
  std::uint64_t offset = 0;
  std::uint64_t length = 0;

  std::uint64_t end() const noexcept { return offset + length; }
  bool operator==(const ByteRange&) const = default;
};

// Plans an upload like the web client: <= 50 MiB -> one chunk of exactly the plaintext size;
// larger -> 50 MiB chunks, with the chunk size grown to ceil(plaintext / 10 000) when more than
// 10 000 chunks would be needed. Throws kInvalidArgument for 0 bytes (the server cannot store
// empty files) and for more than kMaxPlaintextSize.
ChunkLayout plan_chunks(std::uint64_t plaintext_size);

// Validates an untrusted (size, chunkSize, chunkCount) triple with the server's add-file rules:
// chunkCount in 1..10 000; 1 <= chunkSize <= 2^31-1; 0 < size <= kMaxCiphertextSize;
// 0 < plaintext = size - 16*chunkCount <= 250 GiB; chunkCount > 1 needs chunkSize >= 5 MiB and
// (chunkCount-1)(chunkSize+16) + 17 <= size <= chunkCount(chunkSize+16); the final part
// size - (chunkCount-1)(chunkSize+16) must lie in (16, chunkSize+16]. Throws kInvalidFormat.
ChunkLayout validate_chunk_layout(std::uint64_t size, std::uint64_t chunk_size,
                                  std::uint64_t chunk_count);

// As validate_chunk_layout, for file metadata from GET /api/v1/drop/:id where legacy rows carry
// null chunkSize/chunkCount: a missing chunkSize means 50 MiB and a missing chunkCount means
// ceil(size / (chunkSize + 16)).
ChunkLayout chunk_layout_from_server(std::uint64_t size, std::optional<std::uint64_t> chunk_size,
                                     std::optional<std::uint64_t> chunk_count);

// size - 16 * chunkCount.
std::uint64_t plaintext_size(const ChunkLayout& layout);

// Index of the chunk holding plaintext byte `offset`; kInvalidArgument if offset is at or past
// the end of the plaintext.
std::uint32_t chunk_index_at(const ChunkLayout& layout, std::uint64_t plaintext_offset);

// Bytes of chunk `index` in the stored object: [i(chunkSize+16), min((i+1)(chunkSize+16), size)).
// This is also the exact body of upload part index + 1. kInvalidArgument if index >= count.
ByteRange chunk_ciphertext_range(const ChunkLayout& layout, std::uint32_t index);

// Plaintext bytes carried by chunk `index`: [i*chunkSize, min((i+1)*chunkSize, plaintext)).
ByteRange chunk_plaintext_range(const ChunkLayout& layout, std::uint32_t index);

// Byte length of every upload part in order (part n = chunk n-1): chunkSize + 16 for all but the
// last, the remainder for the last. These are the signed Content-Lengths of the part URLs.
std::vector<std::uint64_t> upload_part_sizes(const ChunkLayout& layout);

}  // namespace anonfs::crypto
