// Mount test fixture: a reference server on a free port with a fresh data directory, a Pro
// account with a vault, drops uploaded by the Node reference workflow (tests/mount/node), and
// `anonfs mount -f` of a temporary directory. The mount is always unmounted in TearDown, and
// the child is always reaped, also when a test fails.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "anonfs/crypto/vault.hpp"
#include "test_support.hpp"

namespace anonfs::mount_test {

using anonfs::server::test::ServerProcess;
using anonfs::server::test::TempDir;

struct UploadedDrop {
  std::string id;
  std::string key;                           // base64url
  std::map<std::string, std::string> files;  // name -> file id
};

struct UploadSpec {
  std::string scheme = "x";  // "x" (web client) or "l" (seed/CLI)
  std::size_t chunk_size = 5u << 20;
  std::string title;  // empty: none
  std::optional<int> max_downloads;
  std::map<std::string, std::string> files;  // relative name -> content
  bool store_owner_key = true;               // put the wrapped key into the vault
};

class MountTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  UploadedDrop upload(const UploadSpec& spec);
  // A password-protected drop (protocol §7) with one single-chunk file, made with the crypto
  // core (the Node reference has no Argon2id); returns its id.
  std::string upload_password_drop(const std::string& name, const std::string& content,
                                   const std::string& password);
  // Starts `anonfs mount DIR -f ...` and waits until the mount is live.
  void mount(std::vector<std::string> extra_args = {});
  // Runs `anonfs mount` to completion (for start-up failures); returns exit code and output.
  std::pair<int, std::string> mount_expecting_failure(std::vector<std::string> extra_args);
  void unmount();
  // `env XDG_...=<temp> anonfs mount DIR --server URL --api-key-file F` (argv).
  std::vector<std::string> anonfs_mount_command() const;

  // Server-side view of a drop (GET /api/v1/drop/:id, no count).
  nlohmann::json drop_metadata(const std::string& id) const;
  std::int64_t downloads_of(const std::string& id) const;
  // Runs SQL on the server's database (WAL allows it while the server runs); returns the first
  // column of the first row ("" if none).
  std::string sql(const std::string& statement) const;
  std::string anonfs_log() const;

  const std::filesystem::path& mnt() const { return mountpoint_; }
  std::filesystem::path drop_dir(const std::string& title, const std::string& id) const;

  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<ServerProcess> server_;
  std::string api_key_;
  std::string password_ = "correct horse battery staple";
  std::optional<crypto::VaultKey> vault_key_;
  std::string vault_id_;
  std::int64_t vault_generation_ = 0;
  std::filesystem::path mountpoint_;
  pid_t mount_pid_ = -1;
};

// Whole file via read(2).
std::string read_all(const std::filesystem::path& path);
// Deterministic pseudo-random content.
std::string pattern(std::size_t n, unsigned seed);

}  // namespace anonfs::mount_test
