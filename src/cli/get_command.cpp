// `anonfs get URL [-o DIR] [--password-file F]`: downloads and decrypts a drop into DIR (default:
// the current directory) with the read path's pieces (vfs::fetch_drop): one consumed download,
// every chunk verified before it is written. Files keep the drop's relative paths (sanitised);
// existing files are never overwritten.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "anonfs/api/anonli_client.hpp"
#include "anonfs/api/http_client.hpp"
#include "anonfs/crypto/share_url.hpp"
#include "anonfs/vfs/drop_fetch.hpp"
#include "commands.hpp"
#include "drop_link.hpp"

namespace anonfs::cli {

int run_get(const std::vector<std::string>& args) {
  std::optional<std::string> url_arg, out_dir, password_file;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if ((args[i] == "-o" || args[i] == "--password-file") && i + 1 < args.size()) {
      (args[i] == "-o" ? out_dir : password_file) = args[i + 1];
      ++i;
    } else if (!args[i].starts_with("-") && !url_arg) {
      url_arg = args[i];
    } else {
      std::fprintf(stderr, "anonfs get: unexpected argument %s\n", args[i].c_str());
      return 2;
    }
  }
  if (!url_arg) {
    std::fprintf(stderr, "anonfs get: missing share URL\n");
    return 2;
  }
  const std::filesystem::path dir = out_dir.value_or(".");
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  int fd = -1;
  std::filesystem::path current, partial;
  std::uint64_t written = 0;
  try {
    crypto::AnonLiDropLink link = crypto::parse_anonli_drop_url(*url_arg);
    ensure_link_key(link, password_file);
    const crypto::DropKey key = crypto::DropKey::from_bytes(link.key->view());
    api::HttpClient http;
    api::AnonliClient client(http, link.base, crypto::SecretBytes());
    std::filesystem::create_directories(dir);
    vfs::FetchSink sink;
    sink.begin_file = [&](const vfs::DropFile& file) {
      current = dir;
      for (const auto& seg : file.segments)
        current /= seg;
      if (std::filesystem::exists(current)) {
        throw std::runtime_error(current.string() + " exists; not overwritten");
      }
      std::filesystem::create_directories(current.parent_path());
      partial = current.string() + ".anonfs-part";
      fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (fd < 0) throw std::runtime_error(partial.string() + ": " + std::strerror(errno));
      written = 0;
    };
    sink.data = [&](const vfs::DropFile& file, crypto::ByteView data) {
      std::size_t done = 0;
      while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw std::runtime_error(partial.string() + ": " + std::strerror(errno));
        done += static_cast<std::size_t>(n);
      }
      written += data.size();
      if (tty) {
        std::fprintf(stderr, "\r%s: %3llu%%", file.decrypted_name.c_str(),
                     static_cast<unsigned long long>(file.size ? written * 100 / file.size : 100));
      }
    };
    sink.end_file = [&](const vfs::DropFile&) {
      if (::fsync(fd) != 0 || ::close(fd) != 0) {
        fd = -1;
        throw std::runtime_error(partial.string() + ": " + std::strerror(errno));
      }
      fd = -1;
      std::filesystem::rename(partial, current);
      if (tty) std::fputs("\r\033[K", stderr);
      std::printf("%s\n", current.c_str());
      std::fflush(stdout);
    };
    vfs::fetch_drop(http, client, link.drop_id, key, sink);
    return 0;
  } catch (const std::exception& e) {
    if (fd >= 0) {
      ::close(fd);
      std::error_code ec;
      std::filesystem::remove(partial, ec);
    }
    if (tty) std::fputs("\n", stderr);
    std::fprintf(stderr, "anonfs get: %s\n", e.what());
    return 1;
  }
}

}  // namespace anonfs::cli
