// File-system helpers: an RAII file descriptor, durable writes (fsync of files and directories)
// and the private permissions the server uses (files 0600, directories 0700).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace anonfs::server {

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) noexcept : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = o.release();
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;

  int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }
  int release() noexcept {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset() noexcept;

 private:
  int fd_ = -1;
};

// Creates `dir` and missing parents with mode 0700. Throws std::system_error.
void make_private_dirs(const std::filesystem::path& dir);
// fsync() a directory so that entries created/renamed in it are durable.
void fsync_dir(const std::filesystem::path& dir);
// Writes `data` to `path` atomically (temp file, fsync, rename, fsync dir) with mode 0600.
void write_file_atomic(const std::filesystem::path& path, const std::string& data);
// Creates `path` with `data` (mode 0600) only if it does not exist yet, atomically (readers never
// see a partial file). Returns false if it already existed.
bool create_file_exclusive(const std::filesystem::path& path, const std::string& data);
// Writes all bytes or throws std::system_error.
void write_all(int fd, const char* data, std::size_t size);
// Reads a whole small file.
std::string read_small_file(const std::filesystem::path& path, std::size_t max_size);

}  // namespace anonfs::server
