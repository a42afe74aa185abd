#include "anonfs/vfs/drop_chunk_source.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "anonfs/api/range_fetch.hpp"
#include "anonfs/crypto/error.hpp"
#include "anonfs/vfs/api_errors.hpp"
#include "anonfs/vfs/vfs_error.hpp"

namespace anonfs::vfs {

DropChunkSource::DropChunkSource(api::HttpClient& http, std::shared_ptr<DropDownloads> downloads,
                                 std::shared_ptr<const crypto::DropKey> key, std::string drop_id,
                                 DropFile file)
    : http_(http),
      downloads_(std::move(downloads)),
      key_(std::move(key)),
      drop_id_(std::move(drop_id)),
      file_(std::move(file)) {}

namespace {

// A chunk's ciphertext is fetched as kTransfers equal sub-range GETs at once (at least
// kMinPart bytes each): the whole chunk is in flight from the start, which is what a random read
// waits for.
constexpr std::size_t kTransfers = 4;
constexpr std::uint64_t kMinPart = 1u << 20;

api::RangeFetchOptions split_for(std::uint64_t length) {
  const std::uint64_t even = (length + kTransfers - 1) / kTransfers;
  const std::uint64_t part = std::max(kMinPart, (even + 4095) / 4096 * 4096);
  return api::RangeFetchOptions{part, kTransfers};
}

}  // namespace

crypto::SecretBytes DropChunkSource::load_chunk(std::uint32_t index, std::stop_token cancel) {
  ChunkBufferPool pool(0);  // keeps nothing: the buffer is wiped and unmapped after the copy
  const ChunkBuffer plaintext = load_chunk_into(index, pool, std::move(cancel));
  return crypto::SecretBytes(plaintext.view());
}

ChunkBuffer DropChunkSource::load_chunk_into(std::uint32_t index, ChunkBufferPool& pool,
                                             std::stop_token cancel) {
  const std::string where =
      "drop " + drop_id_ + " file " + file_.file_id + " chunk " + std::to_string(index);
  if (index >= file_.layout.chunk_count) {
    throw VfsError(VfsErrc::kInvalidArgument, where + ": no such chunk");
  }
  const crypto::ByteRange cipher = crypto::chunk_ciphertext_range(file_.layout, index);
  ChunkBuffer buffer = pool.acquire(static_cast<std::size_t>(cipher.length));

  // Two attempts: a URL the object server refuses (expired, revoked) is renewed once.
  for (int attempt = 0;; ++attempt) {
    const std::string url = downloads_->url_for(file_.file_id, cancel);
    try {
      api::Request request;
      request.method = api::Method::kGet;
      request.url = url;
      request.idempotent = true;
      api::fetch_range_into(http_, request, api::ByteRange{cipher.offset, cipher.length},
                            buffer.mutable_view(), split_for(cipher.length), cancel);
    } catch (const api::ApiError& e) {
      const bool refused = e.kind() == api::ErrorKind::kHttpStatus &&
                           (e.status() == 401 || e.status() == 403 || e.status() == 404);
      if (refused && attempt == 0) {
        spdlog::info("{}: download URL refused ({}), renewing it", where, e.status());
        downloads_->invalidate(url);
        continue;
      }
      throw to_vfs_error(e, where);
    }
    break;
  }

  try {
    crypto::decrypt_chunk_in_place(*key_, file_.iv, index, buffer.mutable_view(), file_.scheme);
  } catch (const crypto::CryptoError& e) {
    spdlog::error("{}: {} - the stored data is corrupt or was tampered with; refusing it", where,
                  e.what());
    throw VfsError(VfsErrc::kIo, where + ": authentication failed");
  }
  buffer.truncate(buffer.size() - crypto::kDropTagSize);
  return buffer;
}

}  // namespace anonfs::vfs
