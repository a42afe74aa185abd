// `anonfs upload FILE|DIR... [options]`: one drop per argument (a directory: one drop holding its
// files at their relative paths), uploaded by the outbox's engine (vfs::UploadEngine); prints
// `NAME → URL` per drop. The plaintext is read from the file and encrypted part by part; nothing
// is spooled.
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "account.hpp"
#include "anonfs/api/anonli_client.hpp"
#include "anonfs/api/http_client.hpp"
#include "anonfs/crypto/drop_password.hpp"
#include "anonfs/vfs/upload_engine.hpp"
#include "anonfs/vfs/upload_spool.hpp"
#include "anonfs/vfs/vfs_error.hpp"
#include "commands.hpp"
#include "secret_input.hpp"
#include "vault_session.hpp"

namespace anonfs::cli {
namespace {

struct UploadArgs {
  std::vector<std::string> paths;
  std::optional<std::string> server;
  std::optional<std::string> api_key_file;
  std::optional<std::string> vault_password_file;
  std::optional<std::string> password_file;
  std::optional<std::string> title;
  std::optional<std::string> message;
  std::optional<std::int64_t> expiry;
  std::optional<std::int64_t> max_downloads;
  std::uint64_t chunk_size = crypto::kDefaultChunkSize;  // hidden test option --chunk-size
};

std::int64_t parse_int(const std::string& text, const std::string& what) {
  std::size_t used = 0;
  long long v = 0;
  try {
    v = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || v <= 0) throw std::invalid_argument(what + ": not a positive number");
  return v;
}

UploadArgs parse_upload_args(const std::vector<std::string>& args) {
  UploadArgs u;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw std::invalid_argument(a + " needs a value");
      return args[++i];
    };
    if (a == "--server") {
      u.server = value();
    } else if (a == "--api-key-file") {
      u.api_key_file = value();
    } else if (a == "--vault-password-file") {
      u.vault_password_file = value();
    } else if (a == "--password-file") {
      u.password_file = value();
    } else if (a == "--title") {
      u.title = value();
    } else if (a == "--message") {
      u.message = value();
    } else if (a == "--expiry") {
      u.expiry = parse_int(value(), a);
    } else if (a == "--max-downloads") {
      u.max_downloads = parse_int(value(), a);
    } else if (a == "--chunk-size") {
      u.chunk_size = parse_size(value());
    } else if (a.starts_with("-") && a != "-") {
      throw std::invalid_argument("unknown option " + a);
    } else {
      u.paths.push_back(a);
    }
  }
  if (u.paths.empty()) throw std::invalid_argument("nothing to upload (anonfs upload FILE|DIR...)");
  if (u.chunk_size < crypto::kMinMultipartChunkSize || u.chunk_size % (64 * 1024) != 0) {
    throw std::invalid_argument("--chunk-size must be a multiple of 64K of at least 5M");
  }
  return u;
}

// The plaintext of one local file, encrypted part by part as the engine asks for it.
class FilePartSource final : public vfs::PartSource {
 public:
  FilePartSource(const std::filesystem::path& path, const crypto::DropKey& key,
                 std::uint64_t chunk_size)
      : path_(path), key_(key), iv_(crypto::generate_drop_iv()) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw std::runtime_error(path.string() + ": " + std::strerror(errno));
    struct stat st {};
    ::fstat(fd_, &st);
    layout_ = vfs::plan_upload_layout(static_cast<std::uint64_t>(st.st_size), chunk_size);
  }
  ~FilePartSource() override { ::close(fd_); }
  FilePartSource(const FilePartSource&) = delete;
  FilePartSource& operator=(const FilePartSource&) = delete;

  crypto::ChunkLayout layout() const override { return layout_; }
  crypto::DropIv file_iv() const override { return iv_; }
  void read_part(std::uint32_t index, crypto::Bytes& out) const override {
    const crypto::ByteRange plain = crypto::chunk_plaintext_range(layout_, index);
    out.resize(static_cast<std::size_t>(plain.length + crypto::kChunkTagSize));
    std::size_t done = 0;
    while (done < plain.length) {
      const ssize_t n = ::pread(fd_, out.data() + done, plain.length - done,
                                static_cast<off_t>(plain.offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0)
        throw std::runtime_error(path_.string() + ": changed or unreadable while uploading");
      done += static_cast<std::size_t>(n);
    }
    crypto::encrypt_chunk_in_place(key_, iv_, index, out, plain.length);
  }

 private:
  std::filesystem::path path_;
  const crypto::DropKey& key_;
  crypto::DropIv iv_;
  int fd_ = -1;
  crypto::ChunkLayout layout_;
};

// The files of one argument: (name in the drop, path on disk).
std::vector<std::pair<std::string, std::filesystem::path>> files_of(
    const std::filesystem::path& arg) {
  std::vector<std::pair<std::string, std::filesystem::path>> out;
  if (!std::filesystem::is_directory(arg)) {
    out.emplace_back(arg.filename().string(), arg);
    return out;
  }
  for (const auto& e : std::filesystem::recursive_directory_iterator(arg)) {
    if (!e.is_regular_file()) continue;
    if (e.file_size() == 0) {
      std::fprintf(stderr, "anonfs upload: skipping empty file %s\n", e.path().c_str());
      continue;
    }
    out.emplace_back(std::filesystem::relative(e.path(), arg).generic_string(), e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

Account resolve_account(const UploadArgs& u) {
  Account account;
  std::optional<crypto::SecretBytes> key;
  if (u.api_key_file) key = read_secret_file(*u.api_key_file);
  if (u.server) {
    account.server_url = *u.server;
    std::optional<Account> login;
    if (!key) login = load_login();
    if (key) {
      account.api_key = std::move(*key);
    } else if (login && login->server_url == *u.server) {
      account.api_key = std::move(login->api_key);
    } else {
      throw std::runtime_error("no API key for " + *u.server + ": pass --api-key-file F");
    }
  } else if (auto login = load_login()) {
    account = std::move(*login);
    if (key) account.api_key = std::move(*key);
  } else {
    throw std::runtime_error(
        "no server configured: run `anonfs login --server URL` (or copy into the outbox of a "
        "running mount)");
  }
  return account;
}

// Ctrl-C / SIGTERM cancel the upload (the unfinished drop is then deleted).
class SignalCancel {
 public:
  SignalCancel() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
    thread_ = std::jthread([this](std::stop_token st) {
      while (!st.stop_requested()) {
        timespec t{0, 200'000'000};
        if (sigtimedwait(&set_, nullptr, &t) > 0) {
          stop_.request_stop();
          return;
        }
      }
    });
  }
  std::stop_token token() const { return stop_.get_token(); }

 private:
  sigset_t set_{};
  std::stop_source stop_;
  std::jthread thread_;
};

}  // namespace

int run_upload(const std::vector<std::string>& args) {
  UploadArgs u;
  try {
    u = parse_upload_args(args);
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "anonfs upload: %s\n", e.what());
    return 2;
  }
  SignalCancel signals;
  int status = 0;
  try {
    Account account = resolve_account(u);
    std::optional<crypto::SecretBytes> drop_password;
    if (u.password_file) drop_password = read_secret_file(*u.password_file);
    std::optional<crypto::SecretBytes> vault_password;
    if (u.vault_password_file) vault_password = read_secret_file(*u.vault_password_file);

    api::HttpClient http;
    api::AnonliClient client(http, account.server_url, std::move(account.api_key));
    std::optional<vfs::VaultOwner> owner;
    if (vault_password) {
      const wire::Me me = client.me();
      UnlockedVault v = unlock_vault_session(client, me.email, *vault_password);
      owner = vfs::VaultOwner{std::move(v.key), v.vault_id, v.generation};
    }
    if (drop_password && !client.me().features.customKey) {
      throw std::runtime_error("this plan has no password-protected drops (customKey)");
    }
    vfs::UploadOptions options;
    options.expiry_days = u.expiry;
    options.max_downloads = u.max_downloads;
    vfs::UploadEngine engine(client, owner ? &*owner : nullptr, options);
    const bool tty = ::isatty(STDERR_FILENO) == 1;

    for (const std::string& arg : u.paths) {
      const std::filesystem::path path(arg);
      const std::string name =
          std::filesystem::absolute(path).lexically_normal().filename().empty()
              ? path.parent_path().filename().string()
              : std::filesystem::absolute(path).lexically_normal().filename().string();
      try {
        vfs::UploadJob job(crypto::DropKey::generate());
        job.title = u.title ? *u.title : name;
        job.message = u.message;
        if (drop_password) job.password = crypto::protect_drop_key(job.key, drop_password->view());
        std::vector<std::unique_ptr<FilePartSource>> sources;
        std::uint64_t total = 0;
        for (const auto& [rel, file] : files_of(path)) {
          sources.push_back(std::make_unique<FilePartSource>(file, job.key, u.chunk_size));
          total += sources.back()->layout().ciphertext_size;
          job.files.push_back({rel, vfs::guess_mime_type(rel), sources.back().get()});
        }
        std::uint64_t sent = 0;
        std::mutex progress_mutex;
        const auto progress = [&](std::uint64_t n) {
          if (!tty) return;
          std::lock_guard lock(progress_mutex);
          sent += n;
          std::fprintf(stderr, "\r%s: %3llu%% (%llu of %llu MiB)", name.c_str(),
                       static_cast<unsigned long long>(total ? sent * 100 / total : 100),
                       static_cast<unsigned long long>(sent >> 20),
                       static_cast<unsigned long long>(total >> 20));
        };
        crypto::SecretBytes url;
        try {
          url = engine.run(
              job, [](const vfs::UploadJob&) {}, progress, signals.token());
        } catch (const vfs::VfsError& e) {
          if (e.code() == vfs::VfsErrc::kCancelled) engine.abandon(job);
          throw;
        } catch (const vfs::UploadFailure& e) {
          if (!e.permanent()) engine.abandon(job);  // no journal here: nothing to resume later
          throw;
        }
        if (tty) std::fputs("\r\033[K", stderr);
        std::printf("%s → %s%s\n", name.c_str(), std::string(url.str()).c_str(),
                    job.password ? " (password protected)" : "");
        std::fflush(stdout);
      } catch (const vfs::VfsError& e) {
        if (e.code() == vfs::VfsErrc::kCancelled) {
          std::fprintf(stderr, "\nanonfs upload: cancelled\n");
          return 130;
        }
        std::fprintf(stderr, "anonfs upload: %s: %s\n", arg.c_str(), e.what());
        status = 1;
      } catch (const std::exception& e) {
        std::fprintf(stderr, "anonfs upload: %s: %s\n", arg.c_str(),
                     vfs::describe_upload_error(e).c_str());
        status = 1;
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "anonfs upload: %s\n", e.what());
    return 1;
  }
  return status;
}

}  // namespace anonfs::cli
