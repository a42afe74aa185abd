// `anonfs mount DIR`: connects (configured server or embedded reference server), unlocks the
// vault, forks into the background unless -f, mounts and serves until unmounted.
#include <fcntl.h>
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

#include "account.hpp"
#include "anonfs/api/anonli_client.hpp"
#include "anonfs/api/api_error.hpp"
#include "anonfs/api/http_client.hpp"
#include "anonfs/crypto/hash.hpp"
#include "anonfs/fuse/fuse_mount.hpp"
#include "anonfs/vfs/filesystem.hpp"
#include "commands.hpp"
#include "paths.hpp"
#include "secret_input.hpp"
#include "vault_session.hpp"

namespace anonfs::cli {
namespace {

struct MountArgs {
  std::string mountpoint;
  std::optional<std::string> server;
  std::optional<std::string> api_key_file;
  std::optional<std::string> vault_password_file;
  bool foreground = false;
  bool debug = false;
  bool read_only = false;
  std::vector<std::string> fuse_options;
  std::uint64_t cache_bytes = 256ull << 20;
  bool allow_last_download = false;
};

// One "-o" option that anonfs handles itself (true) rather than passing it to libfuse.
bool parse_anonfs_option(MountArgs& m, const std::string& opt) {
  const std::size_t eq = opt.find('=');
  const std::string key = opt.substr(0, eq);
  const std::optional<std::string> value =
      eq == std::string::npos ? std::nullopt : std::optional<std::string>(opt.substr(eq + 1));
  const auto need_value = [&]() -> const std::string& {
    if (!value || value->empty()) throw std::invalid_argument("-o " + key + "= needs a value");
    return *value;
  };
  const auto no_value = [&] {
    if (value) throw std::invalid_argument("-o " + key + " takes no value");
  };
  if (key == "ro") {
    no_value();
    m.read_only = true;
  } else if (key == "rw") {
    no_value();
    m.read_only = false;
  } else if (key == "cache_size") {
    m.cache_bytes = parse_size(need_value());
  } else if (key == "allow_last_download") {
    no_value();
    m.allow_last_download = true;
  } else {
    return false;
  }
  return true;
}

MountArgs parse_mount_args(const std::vector<std::string>& args) {
  MountArgs m;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw std::invalid_argument(a + " needs a value");
      return args[++i];
    };
    if (a == "--server") {
      m.server = value();
    } else if (a == "--api-key-file") {
      m.api_key_file = value();
    } else if (a == "--vault-password-file") {
      m.vault_password_file = value();
    } else if (a == "--cache-size") {
      m.cache_bytes = parse_size(value());
    } else if (a == "-f" || a == "--foreground") {
      m.foreground = true;
    } else if (a == "-d" || a == "--debug") {
      m.debug = true;
      m.foreground = true;
    } else if (a == "-o") {
      std::string opts = value();
      std::size_t start = 0;
      while (start <= opts.size()) {
        std::size_t end = opts.find(',', start);
        if (end == std::string::npos) end = opts.size();
        const std::string opt = opts.substr(start, end - start);
        if (!opt.empty() && !parse_anonfs_option(m, opt)) m.fuse_options.push_back(opt);
        start = end + 1;
      }
    } else if (a.starts_with("-")) {
      throw std::invalid_argument("unknown option " + a);
    } else if (m.mountpoint.empty()) {
      m.mountpoint = a;
    } else {
      throw std::invalid_argument("unexpected argument " + a);
    }
  }
  if (m.mountpoint.empty()) throw std::invalid_argument("missing mount point (anonfs mount DIR)");
  if (m.server && !m.api_key_file) {
    // A server without a key file uses the key stored by `anonfs login` for that server.
  }
  return m;
}

// Reports the outcome of the background start to the waiting parent (one line, then close).
class StartReport {
 public:
  explicit StartReport(int fd) : fd_(fd) {}
  ~StartReport() { close(); }
  StartReport(const StartReport&) = delete;
  StartReport& operator=(const StartReport&) = delete;
  void send(const std::string& line) {
    if (fd_ < 0) return;
    const std::string text = line + "\n";
    [[maybe_unused]] ssize_t n = ::write(fd_, text.data(), text.size());
    close();
  }

 private:
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int fd_;
};

// Everything after the (optional) fork: connect, unlock, mount, serve.
int serve_mount(const MountArgs& m, std::optional<crypto::SecretBytes> vault_password,
                std::optional<crypto::SecretBytes> api_key_from_file, StartReport& report) {
  std::optional<EmbeddedServer> embedded;
  Account account;
  if (m.server) {
    account.server_url = *m.server;
    if (api_key_from_file) {
      account.api_key = std::move(*api_key_from_file);
    } else if (auto login = load_login(); login && login->server_url == *m.server) {
      account.api_key = std::move(login->api_key);
    } else {
      throw std::runtime_error("no API key for " + *m.server +
                               ": pass --api-key-file F or run `anonfs login --server " +
                               *m.server + "`");
    }
  } else if (auto login = load_login()) {
    account = std::move(*login);
    if (api_key_from_file) account.api_key = std::move(*api_key_from_file);
  } else {
    embedded = start_embedded_server();
    account.server_url = embedded->account.server_url;
    account.api_key = std::move(embedded->account.api_key);
    account.embedded = true;
    spdlog::info(
        "no server configured: running the embedded reference server at {} (data in "
        "$XDG_DATA_HOME/anonfs){}",
        account.server_url, embedded->created ? "; created a local account" : "");
  }

  api::HttpClient http;
  api::AnonliClient client(http, account.server_url, std::move(account.api_key));
  const wire::Me me = client.me();

  std::optional<crypto::VaultKey> vault_key;
  if (!me.vault_configured && account.embedded && vault_password) {
    setup_vault(client, *vault_password);
    spdlog::info("created the vault of the local account");
  }
  if (vault_password) {
    vault_key = unlock_vault(client, me.email, *vault_password);
    spdlog::info("vault unlocked");
  } else if (me.vault_configured) {
    spdlog::warn("no vault password given: your drops are shown locked");
  }

  vfs::FilesystemOptions fs_options;
  fs_options.read_only = m.read_only;
  fs_options.cache_bytes = m.cache_bytes;
  fs_options.allow_last_download = m.allow_last_download;
  try {
    // One metadata cache per server (drop ids are only unique within one service).
    const auto digest = crypto::sha256(crypto::as_bytes(account.server_url));
    const std::string server_tag = crypto::hex_encode(crypto::ByteView(digest.data(), 8));
    make_private_dir(cache_dir());
    make_private_dir(cache_dir() / "metadata");
    make_private_dir(cache_dir() / "metadata" / server_tag);
    fs_options.metadata_cache_dir = cache_dir() / "metadata" / server_tag;
  } catch (const std::exception& e) {
    spdlog::warn("no metadata cache on disk: {}", e.what());
  }
  vfs::Filesystem filesystem(http, client, std::move(vault_key), fs_options);

  fuse::MountOptions mount_options;
  mount_options.mountpoint = m.mountpoint;
  mount_options.fuse_options = m.fuse_options;
  mount_options.debug = m.debug;
  fuse::serve(filesystem, mount_options, [&] {
    spdlog::info("mounted {} at {}", account.server_url, m.mountpoint);
    report.send("OK");
  });
  spdlog::info("unmounted {}", m.mountpoint);
  return 0;
}

}  // namespace

int run_mount(const std::vector<std::string>& args) {
  MountArgs m;
  try {
    m = parse_mount_args(args);
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "anonfs mount: %s\n", e.what());
    return 2;
  }

  // A missing mount point is created (0700), as a convenience for the quick start.
  std::error_code ec;
  if (!std::filesystem::exists(m.mountpoint, ec)) {
    if (!std::filesystem::create_directories(m.mountpoint, ec) || ec) {
      std::fprintf(stderr, "anonfs mount: cannot create %s: %s\n", m.mountpoint.c_str(),
                   ec.message().c_str());
      return 1;
    }
    std::filesystem::permissions(m.mountpoint, std::filesystem::perms::owner_all, ec);
  }

  // Secrets are read before forking, while the terminal is ours.
  std::optional<crypto::SecretBytes> vault_password;
  std::optional<crypto::SecretBytes> api_key;
  try {
    if (m.api_key_file) api_key = read_secret_file(*m.api_key_file);
    if (m.vault_password_file) {
      vault_password = read_secret_file(*m.vault_password_file);
    } else if (can_prompt()) {
      vault_password = prompt_secret("Vault password (empty: mount without the vault): ");
      if (vault_password->empty()) vault_password.reset();
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "anonfs mount: %s\n", e.what());
    return 1;
  }

  spdlog::set_default_logger(spdlog::stderr_color_mt("anonfs"));
  spdlog::set_pattern("anonfs: %v");
  if (m.debug) spdlog::set_level(spdlog::level::debug);
  ::signal(SIGPIPE, SIG_IGN);

  if (m.foreground) {
    StartReport none(-1);
    try {
      return serve_mount(m, std::move(vault_password), std::move(api_key), none);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "anonfs mount: %s\n", e.what());
      return 1;
    }
  }

  // Background: the child does all the work (threads start only there) and tells the parent
  // whether the mount came up; the parent prints the outcome and exits with it.
  std::string log_path = "/dev/null";
  try {
    make_private_dir(state_dir());
    log_path = (state_dir() / "daemon.log").string();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "anonfs mount: no log file (%s)\n", e.what());
  }
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    std::fprintf(stderr, "anonfs mount: pipe: %s\n", std::strerror(errno));
    return 1;
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    std::fprintf(stderr, "anonfs mount: fork: %s\n", std::strerror(errno));
    return 1;
  }
  if (pid > 0) {
    ::close(pipe_fds[1]);
    std::string line;
    char c;
    while (::read(pipe_fds[0], &c, 1) == 1 && c != '\n')
      line.push_back(c);
    ::close(pipe_fds[0]);
    if (line == "OK") {
      std::fprintf(stderr, "anonfs: mounted at %s (log: %s)\n", m.mountpoint.c_str(),
                   log_path.c_str());
      return 0;
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!line.empty()) std::fprintf(stderr, "anonfs mount: %s\n", line.c_str());
    return 1;
  }
  ::close(pipe_fds[0]);
  ::setsid();
  // The daemon leaves the terminal: stdin from /dev/null, output to its log file, so that
  // `$(anonfs mount DIR)` returns as soon as the mount is up.
  const int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull >= 0) {
    ::dup2(devnull, STDIN_FILENO);
    ::close(devnull);
  }
  const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd >= 0) {
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    ::close(log_fd);
  }
  StartReport report(pipe_fds[1]);
  try {
    const int rc = serve_mount(m, std::move(vault_password), std::move(api_key), report);
    ::_exit(rc);
  } catch (const std::exception& e) {
    report.send(e.what());
    ::_exit(1);
  }
}

}  // namespace anonfs::cli
