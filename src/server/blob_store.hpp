// Object storage on the local file system: DATA/objects/<ab>/<fileId>/part-<n>. Parts are written
// to a temporary file, fsynced and renamed into place; a finished object is served as the
// concatenation of its parts (every part but the last has the same size, so the part holding a
// byte offset is found arithmetically). Files are 0600, directories 0700.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "fs_util.hpp"

namespace anonfs::server {

class BlobStore;

// Streams one part to disk and computes its MD5. Unlinks the temporary file unless committed.
class PartWriter {
 public:
  PartWriter(const BlobStore& store, std::string file_id, std::int64_t part_number);
  ~PartWriter();
  PartWriter(const PartWriter&) = delete;
  PartWriter& operator=(const PartWriter&) = delete;

  void write(const char* data, std::size_t size);
  std::int64_t bytes_written() const noexcept { return written_; }
  // fsync + rename into place + fsync dir. Returns the quoted ETag ("\"<md5 hex>\"").
  std::string commit();

 private:
  void flush();
  struct Md5;
  std::filesystem::path tmp_path_, final_path_;
  Fd fd_;
  std::unique_ptr<Md5> md5_;
  std::string buffer_;
  std::int64_t written_ = 0;
  bool committed_ = false;
};

// An opened finished object: the fds of its parts, so that a concurrent deletion does not
// interrupt a download in progress.
class ObjectReader {
 public:
  ObjectReader(std::vector<Fd> parts, std::int64_t part_size, std::int64_t total_size)
      : parts_(std::move(parts)), part_size_(part_size), total_size_(total_size) {}
  std::int64_t size() const noexcept { return total_size_; }
  // Reads up to `max` bytes at `offset` into `out` (resized). Returns bytes read (0 at EOF).
  std::size_t read(std::int64_t offset, std::size_t max, std::string& out) const;
  // Same, into a caller-owned buffer of at least `max` bytes (no allocation, no zero-fill).
  std::size_t read(std::int64_t offset, std::size_t max, char* out) const;

 private:
  std::vector<Fd> parts_;
  std::int64_t part_size_;
  std::int64_t total_size_;
};

class BlobStore {
 public:
  explicit BlobStore(std::filesystem::path root);

  std::filesystem::path object_dir(const std::string& file_id) const;
  std::filesystem::path part_path(const std::string& file_id, std::int64_t part_number) const;
  // Size of an uploaded part on disk, or -1 if it does not exist.
  std::int64_t part_size(const std::string& file_id, std::int64_t part_number) const;
  // Opens parts 1..part_count. `part_size` is the size of every part but the last.
  std::shared_ptr<ObjectReader> open(const std::string& file_id, std::int64_t part_count,
                                     std::int64_t part_size, std::int64_t total_size) const;
  // Removes an object and all its parts (no error if missing).
  void remove(const std::string& file_id) const;
  // File ids that have a directory on disk (for the sweeper's orphan check).
  std::vector<std::string> list_objects() const;

 private:
  std::filesystem::path root_;
};

}  // namespace anonfs::server
