#include "mount_fixture.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "anonfs/crypto/base64.hpp"
#include "anonfs/crypto/drop_codec.hpp"
#include "anonfs/crypto/drop_password.hpp"
#include "anonfs/vfs/upload_engine.hpp"

extern char** environ;

namespace anonfs::mount_test {
namespace {

using server::test::add_user;
using server::test::bearer;
using server::test::http_get;
using server::test::http_json;
using server::test::run_process;

std::string env_or_fail(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr)
    throw std::runtime_error(std::string(name) + " is not set (run via meson test)");
  return v;
}

bool is_mounted(const std::filesystem::path& path) {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  const std::string needle = " " + path.string() + " ";
  while (std::getline(in, line)) {
    if (line.find(needle) != std::string::npos && line.find("fuse.anonfs") != std::string::npos) {
      return true;
    }
  }
  return false;
}

void write_file(const std::filesystem::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  std::filesystem::permissions(
      path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

pid_t spawn(const std::vector<std::string>& argv, const std::filesystem::path& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::vector<char*> args;
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0]);
  return pid;
}

// Waits up to `limit` for the child; returns its status or nullopt if it still runs.
std::optional<int> wait_child(pid_t pid, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0) return -1;
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace

std::string pattern(std::size_t n, unsigned seed) {
  return server::test::pattern_bytes(n, seed);
}

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void MountTest::SetUp() {
  dir_ = std::make_unique<TempDir>();
  server_ = std::make_unique<ServerProcess>(dir_->path() / "server", server_args());
  const auto user = add_user(dir_->path() / "server", "mount@example.com", "pro");
  api_key_ = user.api_key;

  // The vault: a fresh vault key wrapped under the password (server extension /vault/setup).
  vault_key_ = crypto::VaultKey::generate();
  const auto creds = crypto::make_vault_credentials(crypto::as_bytes(password_), *vault_key_);
  const auto setup = http_json("POST", server_->url() + "/api/v1/vault/setup",
                               {{"authSalt", creds.auth_salt},
                                {"auth_secret", std::string(creds.auth_secret.str())},
                                {"vault_salt", creds.vault_salt},
                                {"password_wrapped_vault_key", creds.password_wrapped_vault_key},
                                {"kdf_version", 1}},
                               api_key_);
  ASSERT_EQ(setup.status, 200) << setup.body;
  vault_id_ = setup.json()["data"]["vault_id"].get<std::string>();
  vault_generation_ = setup.json()["data"]["vault_generation"].get<std::int64_t>();

  write_file(dir_->path() / "api-key", api_key_ + "\n");
  write_file(dir_->path() / "vault-password", password_ + "\n");
  mountpoint_ = dir_->path() / "mnt";
  std::filesystem::create_directory(mountpoint_);
}

void MountTest::TearDown() {
  unmount();
  server_.reset();
  dir_.reset();
}

UploadedDrop MountTest::upload(const UploadSpec& spec) {
  const std::string node = env_or_fail("NODE");
  const std::string script = env_or_fail("ANONFS_MOUNT_NODE_DIR") + "/upload_drop.mjs";
  std::vector<std::string> argv = {node,
                                   script,
                                   spec.scheme,
                                   std::to_string(spec.chunk_size),
                                   spec.title.empty() ? "-" : spec.title,
                                   spec.max_downloads ? std::to_string(*spec.max_downloads) : "-"};
  static int counter = 0;
  for (const auto& [name, content] : spec.files) {
    const auto path = dir_->path() / ("upload-" + std::to_string(++counter));
    write_file(path, content);
    argv.push_back(name + "=" + path.string());
  }
  const auto result = run_process(argv, std::chrono::seconds(120),
                                  {{"ANONLI_BASE", server_->url()}, {"ANONLI_API_KEY", api_key_}});
  if (result.exit_code != 0) throw std::runtime_error("upload failed: " + result.out);
  const auto j = nlohmann::json::parse(result.out);
  UploadedDrop drop;
  drop.id = j["drop_id"].get<std::string>();
  drop.key = j["key"].get<std::string>();
  for (const auto& f : j["files"])
    drop.files[f["name"]] = f["id"];
  if (spec.store_owner_key) {
    const auto key = crypto::DropKey::parse(drop.key);
    const auto put = http_json("POST", server_->url() + "/api/v1/vault/drop-keys",
                               {{"drop_id", drop.id},
                                {"wrapped_key", crypto::wrap_drop_owner_key(*vault_key_, key)},
                                {"vault_id", vault_id_},
                                {"vault_generation", vault_generation_}},
                               api_key_);
    if (put.status != 200) throw std::runtime_error("storing the owner key failed: " + put.body);
  }
  return drop;
}

std::string MountTest::upload_password_drop(const std::string& name, const std::string& content,
                                            const std::string& password) {
  // The outbox's upload engine (one way to upload), with a password drop's customKey fields.
  api::HttpClient http;
  api::AnonliClient client(http, server_->url(), crypto::SecretBytes::from_string(api_key_));
  vfs::UploadEngine engine(client, nullptr, vfs::UploadOptions{});
  vfs::UploadJob job(crypto::DropKey::generate());
  job.password = crypto::protect_drop_key(job.key, crypto::as_bytes(password));
  const vfs::MemoryPartSource source(job.key, crypto::as_bytes(content));
  job.files.push_back({name, "text/plain", &source});
  engine.run(job, {}, {});
  return *job.drop_id;
}

std::vector<std::string> MountTest::anonfs_mount_command() const {
  // XDG directories inside the test's temporary directory: nothing reaches the real home.
  return {"/usr/bin/env",
          "XDG_CONFIG_HOME=" + (dir_->path() / "xdg-config").string(),
          "XDG_CACHE_HOME=" + (dir_->path() / "xdg-cache").string(),
          "XDG_DATA_HOME=" + (dir_->path() / "xdg-data").string(),
          "XDG_STATE_HOME=" + (dir_->path() / "xdg-state").string(),
          env_or_fail("ANONFS_BIN"),
          "mount",
          mountpoint_.string(),
          "--server",
          mount_server_url(),
          "--api-key-file",
          (dir_->path() / "api-key").string()};
}

void MountTest::mount(std::vector<std::string> extra_args) {
  std::vector<std::string> argv = anonfs_mount_command();
  argv.insert(argv.end(),
              {"-f", "--vault-password-file", (dir_->path() / "vault-password").string()});
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  mount_pid_ = spawn(argv, dir_->path() / "anonfs.log");
  // Wait (bounded) until the kernel shows the mount, or the daemon gave up.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!is_mounted(mountpoint_)) {
    if (auto status = wait_child(mount_pid_, std::chrono::milliseconds(0))) {
      mount_pid_ = -1;
      FAIL() << "anonfs mount exited early:\n" << anonfs_log();
    }
    if (std::chrono::steady_clock::now() > deadline) FAIL() << "mount timeout\n" << anonfs_log();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::pair<int, std::string> MountTest::mount_expecting_failure(std::vector<std::string> extra) {
  // Through sh so that stderr (where anonfs reports) is captured too.
  std::vector<std::string> argv = {"/bin/sh", "-c", "exec \"$0\" \"$@\" 2>&1"};
  const auto command = anonfs_mount_command();
  argv.insert(argv.end(), command.begin(), command.end());
  argv.insert(argv.end(), extra.begin(), extra.end());
  const auto r = run_process(argv, std::chrono::seconds(60));
  if (is_mounted(mountpoint_)) {
    run_process({"fusermount3", "-u", mountpoint_.string()});
  }
  return {r.exit_code, r.out};
}

void MountTest::unmount() {
  if (mountpoint_.empty()) return;
  if (is_mounted(mountpoint_)) {
    auto r = run_process({"fusermount3", "-u", mountpoint_.string()});
    if (r.exit_code != 0) {
      ADD_FAILURE() << "fusermount3 -u failed: " << r.out;
      run_process({"fusermount3", "-u", "-z", mountpoint_.string()});
    }
  }
  if (mount_pid_ > 0) {
    auto status = wait_child(mount_pid_, std::chrono::seconds(30));
    if (!status) {
      ADD_FAILURE() << "anonfs did not exit after unmount";
      ::kill(mount_pid_, SIGKILL);
      wait_child(mount_pid_, std::chrono::seconds(10));
    } else {
      EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
          << "anonfs exit status " << *status << "\n"
          << anonfs_log();
    }
    mount_pid_ = -1;
  }
}

nlohmann::json MountTest::drop_metadata(const std::string& id) const {
  return http_get(server_->url() + "/api/v1/drop/" + id).json();
}

std::int64_t MountTest::downloads_of(const std::string& id) const {
  // Straight from the database: the counter also of drops the API no longer shows.
  const std::string value = sql("SELECT downloads FROM drops WHERE id = '" + id + "'");
  if (value.empty()) throw std::runtime_error("drop " + id + " not in the database");
  return std::stoll(value);
}

std::string MountTest::sql(const std::string& statement) const {
  sqlite3* db = nullptr;
  const auto path = (dir_->path() / "server" / "anonfs.db").string();
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    sqlite3_close(db);
    throw std::runtime_error("cannot open the server database");
  }
  sqlite3_busy_timeout(db, 5000);
  char* err = nullptr;
  std::string first;
  const auto keep_first = [](void* out, int columns, char** values, char**) -> int {
    auto& text = *static_cast<std::string*>(out);
    if (text.empty() && columns > 0 && values[0]) text = values[0];
    return 0;
  };
  const int rc = sqlite3_exec(db, statement.c_str(), keep_first, &first, &err);
  const std::string message = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  if (rc != SQLITE_OK) throw std::runtime_error("sql: " + message);
  return first;
}

std::string MountTest::anonfs_log() const {
  try {
    return read_all(dir_->path() / "anonfs.log");
  } catch (const std::exception&) {
    return "(no log)";
  }
}

std::filesystem::path MountTest::drop_dir(const std::string& title, const std::string& id) const {
  return mountpoint_ / "drops" / (title.empty() ? "[" + id + "]" : title + " [" + id + "]");
}

}  // namespace anonfs::mount_test
