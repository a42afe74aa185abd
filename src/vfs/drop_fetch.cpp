#include "anonfs/vfs/drop_fetch.hpp"

#include <memory>

#include "anonfs/api/api_error.hpp"
#include "anonfs/vfs/api_errors.hpp"
#include "anonfs/vfs/drop_chunk_source.hpp"
#include "anonfs/vfs/drop_downloads.hpp"

namespace anonfs::vfs {

OpenedDrop fetch_drop(api::HttpClient& http, api::AnonliClient& client, const std::string& drop_id,
                      const crypto::DropKey& key, const FetchSink& sink, std::stop_token cancel) {
  wire::DropMetadata metadata;
  try {
    metadata = client.drop_metadata(drop_id, cancel);
  } catch (const api::ApiError& e) {
    throw to_vfs_error(e, "drop " + drop_id + ": metadata");
  }
  OpenedDrop drop = open_drop(metadata, key);
  auto downloads =
      std::make_shared<DropDownloads>(client, drop_id, metadata.maxDownloads.has_value());
  auto shared_key = std::make_shared<const crypto::DropKey>(key.clone());
  for (const DropFile& file : drop.files) {
    if (sink.begin_file) sink.begin_file(file);
    DropChunkSource source(http, downloads, shared_key, drop_id, file);
    for (std::uint32_t i = 0; i < file.layout.chunk_count; ++i) {
      const crypto::SecretBytes chunk = source.load_chunk(i, cancel);
      if (sink.data) sink.data(file, chunk.view());
    }
    if (sink.end_file) sink.end_file(file);
  }
  return drop;
}

}  // namespace anonfs::vfs
