// An opened drop: its server metadata decrypted with the drop key into file names, sizes and
// chunk geometry the tree can show. Pure (no I/O): the server's JSON in, checked values out.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <vector>

#include "anonfs/crypto/drop_codec.hpp"
#include "anonfs/crypto/drop_nonce.hpp"
#include "anonfs/crypto/drop_size.hpp"
#include "anonfs/wire/drop.hpp"

namespace anonfs::vfs {

struct DropFile {
  std::string file_id;                // server id, checked with is_safe_id
  std::string decrypted_name;         // as decrypted (UTF-8, untrusted; for logs and xattrs)
  std::vector<std::string> segments;  // sanitised relative path, never escapes the drop folder
  crypto::ChunkLayout layout;         // validated against the server's rules
  crypto::DropIv iv;
  crypto::NonceScheme scheme = crypto::NonceScheme::kX;  // opened the name; first try for chunks
  std::uint64_t size = 0;                                // plaintext bytes
  std::string mime_type;
};

struct OpenedDrop {
  std::string id;
  std::string title;  // decrypted title ("" when absent or undecryptable)
  std::time_t created = 0;
  std::vector<DropFile> files;
  std::vector<std::string> problems;  // files left out (bad geometry, bad id), for logs
};

// Decrypts every file name with `key` and validates each file's geometry. Throws
// VfsError(kAccessDenied) when a name does not authenticate (= wrong key, as the web client
// decides) and VfsError(kIo) for a malformed IV of the drop. Files with malformed metadata
// (bad id, size or chunk geometry, bad IV) are left out and described in `problems`.
OpenedDrop open_drop(const wire::DropMetadata& metadata, const crypto::DropKey& key);

}  // namespace anonfs::vfs
