// UploadSpool: the on-disk spool of one outbox file, holding ciphertext only (docs/formats.md,
// "Outbox spool").
//
// Data written at the end of the in-order prefix (offset == watermark) is encrypted at once
// into the final drop chunks (AES-256-GCM under the drop key, nonce scheme L, one chunk per
// `chunk_size` plaintext bytes) with a streaming GCM context, and written to NAME.chunks at the
// chunk's ciphertext offset. Data written beyond the watermark (out of order, e.g. `dd seek=`)
// is sealed in 64 KiB blocks under an ephemeral in-memory key into NAME.stage and pulled into
// the chunk stream when the watermark reaches it. A write below the watermark or after seal()
// "demotes" the file: its ciphertext is decrypted back into the staging area and re-encrypted
// later under a fresh file IV (never the same nonce twice under one drop key). No plaintext is
// ever written to disk; memory per spool is one 64 KiB block plus a GCM context.
//
// seal() pulls everything in (holes read as zeros), ends the last chunk and fsyncs: from then
// on the chunk file is the exact sequence of upload part bodies and read_part() serves them.
//
// Not thread-safe: the owner serialises calls (one mutex per file in the outbox).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "anonfs/crypto/bytes.hpp"
#include "anonfs/crypto/drop_codec.hpp"
#include "anonfs/crypto/drop_size.hpp"

namespace anonfs::vfs {

namespace outbox {
class UniqueFd;
}

// Chunk geometry of an upload of `plaintext_size` bytes with full chunks of `chunk_size` bytes
// (the web client's scheme, protocol §3: one chunk when it fits, else full chunks and a shorter
// last one). Throws VfsError: kInvalidArgument for 0 bytes (the server refuses empty files),
// kFileTooLarge beyond the protocol's limits.
crypto::ChunkLayout plan_upload_layout(std::uint64_t plaintext_size, std::uint64_t chunk_size);

class UploadSpool {
 public:
  static constexpr std::uint64_t kStageBlock = 64 * 1024;

  // A new, empty spool: files `base`.chunks and `base`.stage (0600) are created (truncated).
  // chunk_size: plaintext bytes per full chunk (a multiple of kStageBlock, >= 5 MiB for
  // multi-chunk legality; 50 MiB normally).
  UploadSpool(std::filesystem::path base, const crypto::DropKey& key, std::uint64_t chunk_size);
  // A sealed spool left by an earlier run (crash recovery): only read_part() is meaningful.
  static UploadSpool open_sealed(std::filesystem::path base, const crypto::DropKey& key,
                                 const crypto::DropIv& file_iv, std::uint64_t size,
                                 std::uint64_t chunk_size);
  ~UploadSpool();
  UploadSpool(UploadSpool&&) noexcept;
  UploadSpool& operator=(UploadSpool&&) noexcept;

  void write(std::uint64_t offset, crypto::ByteView data);
  // Sets the size (ftruncate): bytes past it are dropped, an extension reads as zeros.
  void truncate(std::uint64_t size);
  // Plaintext read-back (for programs that read what they wrote): decrypts from the spool.
  std::size_t read(std::uint64_t offset, crypto::MutableByteView out);
  std::uint64_t size() const noexcept { return size_; }

  // Completes the ciphertext (see above); idempotent. Throws VfsError(kInvalidArgument) for an
  // empty file (nothing can be uploaded), kIo on disk errors.
  void seal();
  bool sealed() const noexcept { return sealed_; }
  // The file IV the chunks are encrypted under (changes on demotion; final after seal()).
  const crypto::DropIv& file_iv() const noexcept { return iv_; }
  std::uint64_t chunk_size() const noexcept { return chunk_size_; }
  // After seal(): the drop layout (size, chunkSize, chunkCount) of the sealed ciphertext.
  crypto::ChunkLayout layout() const;
  // After seal(): the body of upload part index + 1, resized into `out`.
  void read_part(std::uint32_t index, crypto::Bytes& out) const;
  // Unlinks both files; descriptors stay open until the spool is destroyed.
  void remove_files() noexcept;

  const std::filesystem::path& base() const noexcept { return base_; }

 private:
  struct Impl;
  UploadSpool() = default;
  std::filesystem::path chunks_path() const;
  std::filesystem::path stage_path() const;

  void feed(crypto::ByteView data);  // encrypt at the watermark
  void end_chunk();                  // finish the running chunk: write its tag
  void pump(bool to_end);            // pull staged data at the watermark into the stream
  void demote();                     // ciphertext back to staging, fresh IV, watermark 0
  void reset_stream();
  void stage_write(std::uint64_t offset, crypto::ByteView data);
  void stage_read_block(std::uint64_t block, crypto::MutableByteView out) const;
  void stage_seal_block(std::uint64_t block, crypto::ByteView plaintext);
  void drop_stage_below(std::uint64_t offset);

  std::filesystem::path base_;
  std::unique_ptr<Impl> impl_;  // file descriptors, GCM context, keys
  crypto::DropIv iv_{};
  std::uint64_t chunk_size_ = 0;
  std::uint64_t size_ = 0;       // logical plaintext size
  std::uint64_t watermark_ = 0;  // plaintext bytes [0, watermark) are in the chunk stream
  bool chunk_open_ = false;      // a chunk has been started and not finished
  bool sealed_ = false;
  std::map<std::uint64_t, std::uint64_t> staged_;  // written ranges >= watermark: start -> end
  std::set<std::uint64_t> stage_blocks_;           // blocks present in the staging file
};

}  // namespace anonfs::vfs
