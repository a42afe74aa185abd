#include "secret_input.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace anonfs::cli {
namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Reads up to the first newline (at most `limit` bytes) into wiped storage.
crypto::SecretBytes read_line(int fd, std::size_t limit, const std::string& what) {
  crypto::SecretBytes buffer(limit);
  std::size_t used = 0;
  while (used < limit) {
    const ssize_t n = ::read(fd, buffer.data() + used, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error("cannot read " + what + ": " + std::strerror(errno));
    if (n == 0 || buffer.data()[used] == '\n') break;
    ++used;
  }
  if (used == limit) throw std::runtime_error(what + " is too long");
  if (used > 0 && buffer.data()[used - 1] == '\r') --used;
  buffer.truncate(used);
  return buffer;
}

}  // namespace

crypto::SecretBytes read_secret_file(const std::filesystem::path& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    throw std::runtime_error("cannot open " + path.string() + ": " + std::strerror(errno));
  }
  crypto::SecretBytes secret = read_line(fd.get(), 4096, path.string());
  if (secret.empty()) throw std::runtime_error(path.string() + " is empty");
  return secret;
}

bool can_prompt() {
  return ::isatty(STDIN_FILENO) == 1;
}

crypto::SecretBytes prompt_secret(const std::string& prompt) {
  if (!can_prompt()) throw std::runtime_error("no terminal to ask for: " + prompt);
  std::fputs(prompt.c_str(), stderr);
  std::fflush(stderr);
  termios old_mode{};
  const bool have_mode = ::tcgetattr(STDIN_FILENO, &old_mode) == 0;
  if (have_mode) {
    termios quiet = old_mode;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  crypto::SecretBytes secret;
  try {
    secret = read_line(STDIN_FILENO, 4096, "the terminal");
  } catch (...) {
    if (have_mode) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &old_mode);
    std::fputc('\n', stderr);
    throw;
  }
  if (have_mode) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &old_mode);
  std::fputc('\n', stderr);
  return secret;
}

}  // namespace anonfs::cli
