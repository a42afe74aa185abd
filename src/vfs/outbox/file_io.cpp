#include "file_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "anonfs/vfs/vfs_error.hpp"

namespace anonfs::vfs::outbox {
namespace {

[[noreturn]] void fail(const std::string& op, const std::filesystem::path& what, int err) {
  throw VfsError(err == ENOSPC || err == EDQUOT ? VfsErrc::kNoSpace : VfsErrc::kIo,
                 "outbox spool: " + op + " " + what.string() + ": " + std::strerror(err));
}

}  // namespace

void UniqueFd::reset(int fd) noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

UniqueFd open_private(const std::filesystem::path& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0600);
  if (fd < 0) fail("open", path, errno);
  return UniqueFd(fd);
}

void pwrite_all(int fd, std::span<const std::uint8_t> data, std::uint64_t offset,
                const std::filesystem::path& what) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n =
        ::pwrite(fd, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write", what, errno);
    }
    done += static_cast<std::size_t>(n);
  }
}

void pread_all(int fd, std::span<std::uint8_t> data, std::uint64_t offset,
               const std::filesystem::path& what) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n =
        ::pread(fd, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("read", what, errno);
    }
    if (n == 0) {
      throw VfsError(VfsErrc::kIo, "outbox spool: " + what.string() + " is shorter than expected");
    }
    done += static_cast<std::size_t>(n);
  }
}

void fsync_fd(int fd, const std::filesystem::path& what) {
  if (::fsync(fd) != 0) fail("fsync", what, errno);
}

void truncate_fd(int fd, std::uint64_t size, const std::filesystem::path& what) {
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0) fail("truncate", what, errno);
}

void write_file_atomic(const std::filesystem::path& path, std::string_view content) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    UniqueFd fd = open_private(tmp, O_WRONLY | O_CREAT | O_TRUNC);
    pwrite_all(fd.get(),
               std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(content.data()),
                                             content.size()),
               0, tmp);
    fsync_fd(fd.get(), tmp);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail("rename", tmp, errno);
  UniqueFd dir = open_private(path.parent_path(), O_RDONLY | O_DIRECTORY);
  ::fsync(dir.get());  // best effort: some filesystems refuse fsync on directories
}

void make_private_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) fail("mkdir", dir, ec.value());
  if (::chmod(dir.c_str(), 0700) != 0) fail("chmod", dir, errno);
}

}  // namespace anonfs::vfs::outbox
