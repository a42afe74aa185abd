// fetch_drop: downloads and decrypts a whole drop with the read path's pieces (open_drop,
// DropDownloads, DropChunkSource): one consumed download, chunks verified before any byte is
// handed out, files in the drop's order. Used by `anonfs get` and by tests.
#pragma once

#include <functional>
#include <stop_token>
#include <string>

#include "anonfs/api/anonli_client.hpp"
#include "anonfs/api/http_client.hpp"
#include "anonfs/crypto/drop_codec.hpp"
#include "anonfs/vfs/opened_drop.hpp"

namespace anonfs::vfs {

struct FetchSink {
  // Called once per file before its data (may throw to skip nothing: errors abort the fetch).
  std::function<void(const DropFile& file)> begin_file;
  // Verified plaintext of `file`, in order.
  std::function<void(const DropFile& file, crypto::ByteView data)> data;
  std::function<void(const DropFile& file)> end_file;
};

// Returns the opened drop (title, files). Throws VfsError (kAccessDenied: wrong key;
// kNotFound: gone; kIo: tampered or network) or api::ApiError.
OpenedDrop fetch_drop(api::HttpClient& http, api::AnonliClient& client, const std::string& drop_id,
                      const crypto::DropKey& key, const FetchSink& sink,
                      std::stop_token cancel = {});

}  // namespace anonfs::vfs
