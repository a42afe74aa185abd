#include "fs_util.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "anonfs/crypto/bytes.hpp"
#include "anonfs/crypto/random.hpp"

namespace anonfs::server {

namespace {
[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}
}  // namespace

void Fd::reset() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void make_private_dirs(const std::filesystem::path& dir) {
  std::filesystem::path current;
  for (const auto& part : dir) {
    current /= part;
    if (current.empty() || current == current.root_path()) continue;
    if (::mkdir(current.c_str(), 0700) != 0 && errno != EEXIST) {
      throw_errno("mkdir " + current.string());
    }
  }
}

void fsync_dir(const std::filesystem::path& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) throw_errno("open dir " + dir.string());
  if (::fsync(fd.get()) != 0) throw_errno("fsync dir " + dir.string());
}

void write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("write");
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

void write_file_atomic(const std::filesystem::path& path, const std::string& data) {
  auto tmp = path;
  tmp += ".tmp-" + crypto::hex_encode(crypto::random_bytes(6));
  {
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!fd) throw_errno("create " + tmp.string());
    write_all(fd.get(), data.data(), data.size());
    if (::fsync(fd.get()) != 0) throw_errno("fsync " + tmp.string());
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int saved = errno;
    ::unlink(tmp.c_str());
    errno = saved;
    throw_errno("rename " + path.string());
  }
  fsync_dir(path.parent_path());
}

bool create_file_exclusive(const std::filesystem::path& path, const std::string& data) {
  auto tmp = path;
  tmp += ".tmp-" + crypto::hex_encode(crypto::random_bytes(6));
  {
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!fd) throw_errno("create " + tmp.string());
    write_all(fd.get(), data.data(), data.size());
    if (::fsync(fd.get()) != 0) throw_errno("fsync " + tmp.string());
  }
  bool created = ::link(tmp.c_str(), path.c_str()) == 0;
  int saved = errno;
  ::unlink(tmp.c_str());
  if (!created && saved != EEXIST) {
    errno = saved;
    throw_errno("link " + path.string());
  }
  fsync_dir(path.parent_path());
  return created;
}

std::string read_small_file(const std::filesystem::path& path, std::size_t max_size) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw_errno("open " + path.string());
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("read " + path.string());
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > max_size) throw std::runtime_error("file too large: " + path.string());
  }
  return out;
}

}  // namespace anonfs::server
