// Private helpers of the outbox: an owning file descriptor and whole-buffer positional I/O that
// throws VfsError(kIo) naming the file. Not a public header (src/vfs/outbox only).
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

namespace anonfs::vfs::outbox {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }
  int release() noexcept {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset(int fd = -1) noexcept;

 private:
  int fd_ = -1;
};

// open(2) with O_CLOEXEC and mode 0600 for created files; throws VfsError(kIo) on failure.
UniqueFd open_private(const std::filesystem::path& path, int flags);
void pwrite_all(int fd, std::span<const std::uint8_t> data, std::uint64_t offset,
                const std::filesystem::path& what);
// Reads exactly data.size() bytes (kIo on a short file).
void pread_all(int fd, std::span<std::uint8_t> data, std::uint64_t offset,
               const std::filesystem::path& what);
void fsync_fd(int fd, const std::filesystem::path& what);
void truncate_fd(int fd, std::uint64_t size, const std::filesystem::path& what);
// Writes `content` to `path` durably and atomically: temp file (0600), fsync, rename, fsync of
// the directory.
void write_file_atomic(const std::filesystem::path& path, std::string_view content);
// Creates `dir` (and parents) with mode 0700 on the last component.
void make_private_dir(const std::filesystem::path& dir);

}  // namespace anonfs::vfs::outbox
