// DropChunkSource: the ChunkSource of one file of a drop. Fetches a chunk's ciphertext byte
// range from the drop's presigned URL (parallel sub-range GETs written straight into a pooled
// chunk buffer), verifies and decrypts it in place, and hands back plaintext only if its GCM tag
// verified.
#pragma once

#include <memory>
#include <string>

#include "anonfs/api/http_client.hpp"
#include "anonfs/crypto/drop_codec.hpp"
#include "anonfs/vfs/chunk_reader.hpp"
#include "anonfs/vfs/drop_downloads.hpp"
#include "anonfs/vfs/opened_drop.hpp"

namespace anonfs::vfs {

class DropChunkSource final : public ChunkSource {
 public:
  DropChunkSource(api::HttpClient& http, std::shared_ptr<DropDownloads> downloads,
                  std::shared_ptr<const crypto::DropKey> key, std::string drop_id, DropFile file);

  // Throws VfsError: kIo for a chunk that fails authentication (logged with drop, file and
  // chunk) or for network failures, kNotFound/kAccessDenied when the drop is gone.
  ChunkBuffer load_chunk_into(std::uint32_t index, ChunkBufferPool& pool,
                              std::stop_token cancel) override;
  // A copy of load_chunk_into's result (the cache does not use it).
  crypto::SecretBytes load_chunk(std::uint32_t index, std::stop_token cancel) override;

 private:
  api::HttpClient& http_;
  std::shared_ptr<DropDownloads> downloads_;
  std::shared_ptr<const crypto::DropKey> key_;
  std::string drop_id_;
  DropFile file_;
};

}  // namespace anonfs::vfs
