// Subtree: a top-level folder of the mount served by its own component (outbox/, forms/,
// secrets/). The Filesystem owns the root, drops/, links/ and .anonfs/; every other top-level
// folder is a Subtree registered with Filesystem::add_subtree before the mount is served.
//
// A subtree names its nodes with its own ids (NodeId); kSubtreeRoot is the folder itself. The
// Filesystem maps (subtree, NodeId) to inode numbers, stable for the life of the mount, and
// (subtree, handle) to file handles, so a subtree never sees inode numbers or libfuse types.
// Ids must stay valid for the life of the mount; an id whose node is gone makes getattr throw
// kNotFound.
//
// Errors are VfsError (mapped to errno in exactly one place, the fuse adapter). Every member may
// be called concurrently from the FUSE worker threads; a subtree guards its own state and must
// not hold its locks across network I/O or cryptography (see docs/design.md, Concurrency).
//
// Read-only subtrees implement the first block only; the defaults of the mutating calls refuse
// with kReadOnly on a read-only mount (MountContext::read_only) and kAccessDenied otherwise.
#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "anonfs/vfs/vfs_error.hpp"

namespace anonfs::api {
class HttpClient;
}

namespace anonfs::vfs {

class ChunkCache;
class Prefetcher;

enum class NodeKind { kDirectory, kFile };

using NodeId = std::uint64_t;
inline constexpr NodeId kSubtreeRoot = 1;

// What the kernel is told about one node.
struct NodeInfo {
  NodeId id = 0;
  NodeKind kind = NodeKind::kDirectory;
  std::uint32_t mode = 0;  // permission bits only (0700, 0600, 0400, ...)
  std::uint64_t size = 0;  // exact byte count read() will deliver (files)
  std::time_t mtime = 0;
  // How long the kernel may cache this entry and its attributes. Files whose size changes
  // (outbox files being written, status files) must use 0 or a short TTL.
  std::chrono::duration<double> ttl{1.0};
};

struct SubtreeEntry {
  std::string name;  // one path segment: never empty, ".", "..", or containing '/' or NUL
  NodeInfo info;
};

// open(2) intent, from the kernel's flags.
struct OpenMode {
  bool read = true;
  bool write = false;
  bool truncate = false;  // O_TRUNC
  bool append = false;    // O_APPEND
};

struct OpenedFile {
  std::uint64_t handle = 0;
  // Bypass the page cache (size unknown in advance, content generated per open, e.g. status).
  bool direct_io = false;
  // The content cannot change while the mount lives: the kernel may keep cached pages.
  bool keep_cache = false;
};

// Changes requested by setattr; unset members stay as they are.
struct SetAttr {
  std::optional<std::uint64_t> size;  // truncate / ftruncate
  std::optional<std::uint32_t> mode;  // chmod (cp -p, rsync -a): permission bits
  std::optional<std::time_t> mtime;   // utimensat (cp -p, rsync -a, touch)
};

// Shared services of the mount a subtree may use (all outlive every subtree).
struct MountContext {
  api::HttpClient* http = nullptr;   // transport with pooled connections (ranged GETs)
  ChunkCache* cache = nullptr;       // the one decrypted-chunk LRU of the mount
  Prefetcher* prefetcher = nullptr;  // sequential read-ahead for ChunkReader
  bool read_only = false;            // -o ro
};

class Subtree {
 public:
  virtual ~Subtree() = default;

  // ---- reading (required) ----
  virtual NodeInfo getattr(NodeId id) = 0;
  // kNotFound when `name` is not in directory `parent`; kNotDirectory when parent is a file.
  virtual NodeInfo lookup(NodeId parent, std::string_view name) = 0;
  virtual std::vector<SubtreeEntry> readdir(NodeId dir) = 0;
  virtual OpenedFile open(NodeId id, OpenMode mode) = 0;
  // Returns the number of bytes copied into `out` (0 at or past the end).
  virtual std::size_t read(std::uint64_t handle, std::uint64_t offset,
                           std::span<std::uint8_t> out) = 0;
  // The last close of the handle (no more read/write/flush/fsync on it).
  virtual void release(std::uint64_t handle) = 0;

  // ---- writing (optional; defaults refuse) ----
  virtual std::size_t write(std::uint64_t handle, std::uint64_t offset,
                            std::span<const std::uint8_t> data);
  // close(2) of one descriptor sharing the handle; may report a deferred write error.
  virtual void flush(std::uint64_t handle);
  // fsync(2)/fdatasync(2): make the handle's data durable (e.g. wait for its upload).
  virtual void fsync(std::uint64_t handle);
  // Creates and opens a regular file (O_CREAT). kExists when it exists and `exclusive`.
  virtual std::pair<NodeInfo, OpenedFile> create(NodeId parent, std::string_view name,
                                                 std::uint32_t mode, OpenMode open_mode);
  virtual NodeInfo mkdir(NodeId parent, std::string_view name, std::uint32_t mode);
  virtual void unlink(NodeId parent, std::string_view name);
  virtual void rmdir(NodeId parent, std::string_view name);
  // rename(2) inside this subtree (renames across subtrees are EXDEV, handled by the
  // Filesystem). no_replace: RENAME_NOREPLACE; an existing target is replaced otherwise.
  virtual void rename(NodeId parent, std::string_view name, NodeId new_parent,
                      std::string_view new_name, bool no_replace);
  // Default: a request that changes nothing (mode/mtime only) succeeds and returns getattr;
  // a size change is refused.
  virtual NodeInfo setattr(NodeId id, const SetAttr& changes);

  // ---- extended attributes (optional) ----
  virtual std::optional<std::string> getxattr(NodeId id, std::string_view name);
  virtual std::vector<std::string> listxattr(NodeId id);

 protected:
  explicit Subtree(bool read_only) : read_only_(read_only) {}
  // The error of a refused mutation: kReadOnly on a read-only mount, kAccessDenied otherwise.
  [[noreturn]] void refuse(std::string_view what) const;
  bool read_only() const noexcept { return read_only_; }

 private:
  bool read_only_;
};

}  // namespace anonfs::vfs
