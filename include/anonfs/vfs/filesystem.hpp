// Filesystem: the mount's tree and operations without libfuse types. Inode numbers, attributes,
// directory listings, reads through the chunk cache, extended attributes and deletion, in terms
// of the api layer. The fuse adapter is a thin translation of these calls; every failure is a
// VfsError (mapped to errno by the adapter).
//
// Tree (see docs/design.md):
//   /drops/<title> [<id>]/<decrypted relative path>   own drops, keys from the vault
//   /drops/[<id>]/README.locked                         a drop whose key is unknown
//   /links/<id>/<decrypted relative path>              drops opened from share links
//   /.anonfs/open                                       write a share URL here to open it
//   /.anonfs/<name>                                     read-only texts (add_control_text)
//   /<name>/...                                         a Subtree (add_subtree): outbox/, forms/...
//
// Thread-safety: all public members may be called concurrently. One mutex (tree_mutex_) guards
// the inode table, the drop table and the handle table; it is never held during network I/O or
// cryptography. Refreshing the drop list is serialised by list_mutex_, populating one drop by its
// own mutex, so concurrent lookups share one request.
#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "anonfs/api/anonli_client.hpp"
#include "anonfs/api/http_client.hpp"
#include "anonfs/crypto/vault.hpp"
#include "anonfs/vfs/chunk_reader.hpp"
#include "anonfs/vfs/subtree.hpp"

namespace anonfs::vfs {

using Ino = std::uint64_t;
inline constexpr Ino kRootIno = 1;

struct Attr {
  Ino ino = 0;
  NodeKind kind = NodeKind::kDirectory;
  std::uint32_t mode = 0;  // permission bits only (0700, 0400, ...)
  std::uint32_t nlink = 1;
  std::uint64_t size = 0;
  std::time_t mtime = 0;
  // How long the kernel may cache this entry and its attributes (immutable content: long).
  std::chrono::duration<double> ttl{1.0};
};

struct DirEntry {
  std::string name;
  Attr attr;
};

struct FilesystemOptions {
  bool read_only = false;
  std::uint64_t cache_bytes = 256ull << 20;  // decrypted chunk cache budget
  // Reading a drop with a download limit may consume its last remaining download (otherwise
  // such a read fails with kAccessDenied and a log line; -o allow_last_download).
  bool allow_last_download = false;
  PrefetchOptions prefetch;
  std::chrono::seconds list_ttl{30};  // how long a drop listing is reused
  // Where finished drops' metadata (the server's ciphertext JSON of GET /api/v1/drop/:id) is
  // kept across mounts, one 0600 file per drop; empty: memory only. Finished drops are
  // immutable, so an entry never goes stale; it holds no key and no plaintext.
  std::filesystem::path metadata_cache_dir;
};

struct FilesystemStats {
  std::uint64_t list_requests = 0;      // GET /api/v1/drop (pages)
  std::uint64_t metadata_requests = 0;  // GET /api/v1/drop/:id
  std::uint64_t key_requests = 0;       // GET /api/v1/vault/drop-keys
  std::uint64_t downloads_consumed = 0;
};

class Filesystem {
 public:
  // vault_key: unlocks owner keys of own drops; without it every own drop shows as locked.
  Filesystem(api::HttpClient& http, api::AnonliClient& client,
             std::optional<crypto::VaultKey> vault_key, FilesystemOptions options = {});
  ~Filesystem();
  Filesystem(const Filesystem&) = delete;
  Filesystem& operator=(const Filesystem&) = delete;

  // Registration, before the mount is served (not thread-safe with the calls below).
  // A top-level folder `name` served by `subtree` (build it with context()).
  void add_subtree(std::string name, std::shared_ptr<Subtree> subtree);
  // A read-only file /.anonfs/<name> whose content is produced by `text` at each open.
  void add_control_text(std::string name, std::function<std::string()> text);
  // The shared services subtrees use (cache, prefetcher, transport, read-only flag).
  MountContext context();

  Attr lookup(Ino parent, std::string_view name);
  Attr getattr(Ino ino);
  std::vector<DirEntry> readdir(Ino ino);

  // Opens a file. Drop files are read-only (write access: kAccessDenied, or kReadOnly on a
  // read-only mount). The handle serves read(), write(), flush(), fsync() and release().
  OpenedFile open(Ino ino, OpenMode mode);
  // `cancel` ends a wait for data with kCancelled (a FUSE interrupt: EINTR).
  std::size_t read(std::uint64_t handle, std::uint64_t offset, std::span<std::uint8_t> out,
                   std::stop_token cancel = {});
  void release(std::uint64_t handle);
  // The control file /.anonfs/open takes one share URL per write (see open_link); subtree
  // files take what their subtree accepts; other files are not writable.
  std::size_t write(std::uint64_t handle, std::uint64_t offset, std::span<const std::uint8_t> data);
  void flush(std::uint64_t handle);
  void fsync(std::uint64_t handle);

  // Namespace changes: only inside subtrees that accept them (renames across top-level
  // folders: kCrossDevice); drops/ and links/ follow unlink/rmdir below.
  std::pair<Attr, OpenedFile> create(Ino parent, std::string_view name, std::uint32_t mode,
                                     OpenMode open_mode);
  Attr mkdir(Ino parent, std::string_view name, std::uint32_t mode);
  void rename(Ino parent, std::string_view name, Ino new_parent, std::string_view new_name,
              bool no_replace);
  Attr setattr(Ino ino, const SetAttr& changes);

  // Opens a drop from its share URL (which carries the key) under /links/<id>; returns <id>.
  // The key is checked now: kAccessDenied for a wrong key, kNotFound/kAccessDenied for a drop
  // that is gone or refused, kInvalidArgument for a malformed URL, a URL without a key, or one
  // for another server.
  std::string open_link(std::string_view url);

  // nullopt: no such attribute (ENODATA).
  std::optional<std::string> getxattr(Ino ino, std::string_view name);
  std::vector<std::string> listxattr(Ino ino);

  // unlink/rmdir inside an own drop hide entries locally (a finished drop cannot lose files);
  // rmdir of an emptied drop folder deletes the drop on the server. `rm -r` therefore works.
  void unlink(Ino parent, std::string_view name);
  void rmdir(Ino parent, std::string_view name);

  bool read_only() const noexcept;
  FilesystemStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace anonfs::vfs
