#include "paths.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace anonfs::cli {
namespace {

std::filesystem::path xdg(const char* variable, const char* fallback) {
  const char* value = std::getenv(variable);
  if (value != nullptr && value[0] == '/') return std::filesystem::path(value) / "anonfs";
  const char* home = std::getenv("HOME");
  if (home == nullptr || home[0] != '/') {
    throw std::runtime_error(std::string("neither ") + variable + " nor HOME is set");
  }
  return std::filesystem::path(home) / fallback / "anonfs";
}

}  // namespace

std::filesystem::path config_dir() {
  return xdg("XDG_CONFIG_HOME", ".config");
}
std::filesystem::path data_dir() {
  return xdg("XDG_DATA_HOME", ".local/share");
}
std::filesystem::path cache_dir() {
  return xdg("XDG_CACHE_HOME", ".cache");
}
std::filesystem::path state_dir() {
  return xdg("XDG_STATE_HOME", ".local/state");
}

void make_private_dir(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir.parent_path());
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    throw std::runtime_error("cannot create " + dir.string() + ": " + std::strerror(errno));
  }
  ::chmod(dir.c_str(), 0700);
}

void write_private_file(const std::filesystem::path& path, const std::string& content) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    throw std::runtime_error("cannot write " + tmp.string() + ": " + std::strerror(errno));
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      throw std::runtime_error("cannot write " + tmp.string() + ": " + std::strerror(err));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    throw std::runtime_error("cannot write " + tmp.string() + ": " + std::strerror(errno));
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace anonfs::cli
