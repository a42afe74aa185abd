// `anonfs mount DIR`: connects (configured server or embedded reference server), unlocks the
// vault, forks into the background unless -f, mounts and serves until unmounted.
#include <fcntl.h>
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "account.hpp"
#include "anonfs/api/anonli_client.hpp"
#include "anonfs/api/api_error.hpp"
#include "anonfs/api/enigmacrypt_client.hpp"
#include "anonfs/api/forms_client.hpp"
#include "anonfs/api/http_client.hpp"
#include "anonfs/api/passwordlink_client.hpp"
#include "anonfs/crypto/hash.hpp"
#include "anonfs/fuse/fuse_mount.hpp"
#include "anonfs/vfs/filesystem.hpp"
#include "anonfs/vfs/forms_tree.hpp"
#include "anonfs/vfs/outbox_tree.hpp"
#include "anonfs/vfs/secrets_subtree.hpp"
#include "commands.hpp"
#include "form_key_store.hpp"
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
  std::optional<int> retries;                       // -o retries=N
  std::optional<std::chrono::seconds> net_timeout;  // -o timeout=S
  std::optional<std::int64_t> secret_expiry_hours;  // -o secret_expiry=H (outbox secrets)
  // Outbox (-o settle=,expiry=,max_downloads=,lazy_upload; hidden test option
  // outbox_chunk_size=BYTES, >= 5 MiB: multi-chunk uploads with small files).
  double settle_seconds = 2.0;
  std::optional<std::int64_t> expiry_days;
  std::optional<std::int64_t> max_downloads;
  bool lazy_upload = false;
  std::uint64_t outbox_chunk_size = crypto::kDefaultChunkSize;
};

// A whole number in [low, high] from the value of `-o name=value`.
std::int64_t option_number(const std::string& name, const std::string& value, std::int64_t low,
                           std::int64_t high) {
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || end != value.data() + value.size() || n < low || n > high) {
    throw std::invalid_argument("-o " + name + "= needs a whole number from " +
                                std::to_string(low) + " to " + std::to_string(high));
  }
  return n;
}

// A positive whole number from the value of `-o name=value`.
std::int64_t positive_option(const std::string& name, const std::string& value) {
  return option_number(name, value, 1, std::numeric_limits<std::int64_t>::max());
}

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
  } else if (key == "retries") {
    m.retries = static_cast<int>(option_number(key, need_value(), 0, 100));
  } else if (key == "timeout") {
    m.net_timeout = std::chrono::seconds(option_number(key, need_value(), 1, 3600));
  } else if (key == "secret_expiry") {
    // 350 h is password.link's maximum; EnigmaCrypt accepts it too.
    m.secret_expiry_hours = option_number(key, need_value(), 1, 350);
  } else if (key == "settle") {
    try {
      m.settle_seconds = std::stod(need_value());
    } catch (const std::logic_error&) {
      m.settle_seconds = -1;
    }
    if (!(m.settle_seconds >= 0 && m.settle_seconds <= 86400)) {
      throw std::invalid_argument("-o settle=: seconds between 0 and 86400");
    }
  } else if (key == "expiry") {
    m.expiry_days = positive_option(key, need_value());
  } else if (key == "max_downloads") {
    m.max_downloads = positive_option(key, need_value());
  } else if (key == "lazy_upload") {
    no_value();
    m.lazy_upload = true;
  } else if (key == "outbox_chunk_size") {
    m.outbox_chunk_size = static_cast<std::uint64_t>(positive_option(key, need_value()));
    if (m.outbox_chunk_size < crypto::kMinMultipartChunkSize ||
        m.outbox_chunk_size % (64 * 1024) != 0) {
      throw std::invalid_argument("-o outbox_chunk_size=: a multiple of 64 KiB, at least 5 MiB");
    }
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

// secrets/ of the mount: the services configured by `anonfs login --service …` (config.json), else
// those of the account (the embedded local account has both). Null when none is configured.
std::shared_ptr<vfs::SecretsSubtree> make_secrets_subtree(api::HttpClient& http,
                                                          SecretServices account_services,
                                                          const MountArgs& m) {
  SecretServices services = std::move(account_services);
  if (auto configured = load_secret_login();
      configured &&
      (!configured->enigmacrypt_server.empty() || !configured->passwordlink_server.empty())) {
    services = std::move(*configured);
  }
  vfs::SecretsSubtreeOptions options;
  if (!services.enigmacrypt_server.empty()) {
    options.enigmacrypt = std::make_shared<api::EnigmaCryptClient>(
        http, services.enigmacrypt_server, std::move(services.enigmacrypt_token));
  }
  if (!services.passwordlink_server.empty()) {
    options.passwordlink = std::make_shared<api::PasswordLinkClient>(
        http, services.passwordlink_server, std::move(services.passwordlink_public_key),
        std::move(services.passwordlink_private_key));
  }
  if (!options.enigmacrypt && !options.passwordlink) return nullptr;
  options.defaults.expiry_hours = m.secret_expiry_hours;
  options.read_only = m.read_only;
  return std::make_shared<vfs::SecretsSubtree>(std::move(options));
}

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
    account.secrets = std::move(embedded->account.secrets);
    account.embedded = true;
    spdlog::info(
        "no server configured: running the embedded reference server at {} (data in "
        "$XDG_DATA_HOME/anonfs){}",
        account.server_url, embedded->created ? "; created a local account" : "");
  }

  // The outbox journal is sealed under a key derived from the vault key, or from the API key
  // when the vault stays locked (docs/design.md, Outbox).
  crypto::SecretBytes api_key_journal_key = vfs::UploadJournal::derive_key(account.api_key.view());
  api::ClientOptions client_options;
  if (m.retries) client_options.retry.max_attempts = *m.retries + 1;
  if (m.net_timeout) {
    client_options.low_speed_time = *m.net_timeout;
    client_options.connect_timeout =
        std::min<std::chrono::milliseconds>(client_options.connect_timeout, *m.net_timeout);
  }
  api::HttpClient http(client_options);
  api::FormsClient forms_client(http, account.server_url, account.api_key.clone());
  api::AnonliClient client(http, account.server_url, std::move(account.api_key));
  const wire::Me me = client.me();

  std::optional<crypto::VaultKey> vault_key;
  std::optional<vfs::VaultOwner> owner;
  if (!me.vault_configured && account.embedded && vault_password) {
    setup_vault(client, *vault_password);
    spdlog::info("created the vault of the local account");
  }
  if (vault_password) {
    UnlockedVault unlocked = unlock_vault_session(client, me.email, *vault_password);
    owner = vfs::VaultOwner{crypto::VaultKey::from_bytes(unlocked.key.bytes()), unlocked.vault_id,
                            unlocked.generation};
    vault_key = std::move(unlocked.key);
    spdlog::info("vault unlocked");
  } else if (me.vault_configured) {
    spdlog::warn("no vault password given: your drops are shown locked");
  }

  crypto::SecretBytes journal_key =
      owner ? vfs::UploadJournal::derive_key(owner->key.bytes()) : std::move(api_key_journal_key);

  vfs::FilesystemOptions fs_options;
  fs_options.read_only = m.read_only;
  fs_options.cache_bytes = m.cache_bytes;
  fs_options.allow_last_download = m.allow_last_download;
  // One metadata cache and one outbox spool per server (drop ids are only unique per service).
  const auto digest = crypto::sha256(crypto::as_bytes(account.server_url));
  const std::string server_tag = crypto::hex_encode(crypto::ByteView(digest.data(), 8));
  try {
    make_private_dir(cache_dir());
    make_private_dir(cache_dir() / "metadata");
    make_private_dir(cache_dir() / "metadata" / server_tag);
    fs_options.metadata_cache_dir = cache_dir() / "metadata" / server_tag;
  } catch (const std::exception& e) {
    spdlog::warn("no metadata cache on disk: {}", e.what());
  }
  std::optional<crypto::VaultKey> forms_vault_key;
  if (vault_key) forms_vault_key = vault_key->clone();
  vfs::Filesystem filesystem(http, client, std::move(vault_key), fs_options);
  if (auto secrets = make_secrets_subtree(http, std::move(account.secrets), m)) {
    filesystem.add_subtree("secrets", std::move(secrets));
  }
  // forms/: keys from the server's form-keys route, else from the local store of forms this
  // client created (`anonfs form create`).
  filesystem.add_subtree("forms",
                         std::make_shared<vfs::FormsTree>(
                             forms_client, client, filesystem.context(), std::move(forms_vault_key),
                             [store = form_key_store_for(account)](std::string_view form_id) {
                               return store.get(form_id);
                             }));

  vfs::OutboxOptions outbox_options;
  outbox_options.spool_dir = data_dir() / "outbox" / server_tag;
  outbox_options.settle = std::chrono::milliseconds(static_cast<long>(m.settle_seconds * 1000));
  outbox_options.chunk_size = m.outbox_chunk_size;
  outbox_options.lazy_upload = m.lazy_upload;
  outbox_options.read_only = m.read_only;
  vfs::UploadOptions upload_options;
  upload_options.expiry_days = m.expiry_days;
  upload_options.max_downloads = m.max_downloads;
  make_private_dir(data_dir());
  make_private_dir(data_dir() / "outbox");
  auto outbox = std::make_shared<vfs::OutboxTree>(client, std::move(owner), std::move(journal_key),
                                                  upload_options, outbox_options);
  filesystem.add_subtree("outbox", outbox);
  filesystem.add_subtree("sent", std::make_shared<vfs::SentTree>(outbox, m.read_only));
  filesystem.add_control_text("status", [outbox] { return outbox->status_text(); });

  fuse::MountOptions mount_options;
  mount_options.mountpoint = m.mountpoint;
  mount_options.fuse_options = m.fuse_options;
  mount_options.debug = m.debug;
  fuse::serve(filesystem, mount_options, [&] {
    spdlog::info("mounted {} at {}", account.server_url, m.mountpoint);
    report.send("OK");
  });
  spdlog::info("unmounted {}", m.mountpoint);
  outbox->shutdown();  // waits for pending uploads (or leaves them, with -o lazy_upload)
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
