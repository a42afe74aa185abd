// Fixture of the outbox mount tests (issue #5): a mount with 5 MiB outbox chunks (the smallest
// legal multi-chunk size, hidden option outbox_chunk_size) and a 1 s settle period, and helpers
// that wait for sent/NAME.link, open a link with `anonfs get` or the seed 000 Node download
// workflow, and look at the server's unfinished drops and the daemon's spool and journal.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "mount_fixture.hpp"

namespace anonfs::mount_test {

std::string sha256_hex(const std::string& data);
// Writes a file of the test's own (not mounted) tree, creating its directories.
void write_local(const std::filesystem::path& path, const std::string& content);

class OutboxMountTest : public MountTest {
 protected:
  static constexpr auto kUploadWait = std::chrono::seconds(120);

  // Mounts with settle=1,outbox_chunk_size=5242880 and `extra_options` (comma list).
  void mount_outbox(const std::string& extra_options = "");
  std::filesystem::path outbox() const { return mnt() / "outbox"; }
  std::filesystem::path local(const std::string& name) const {
    return dir_->path() / "local" / name;
  }
  // /bin/sh -c COMMAND; a non-zero exit is a test failure (with the output).
  int sh(const std::string& command);
  // Waits for sent/NAME.link and returns the link ("" and a failure after kUploadWait).
  std::string wait_link(const std::string& name);
  // MNT/.anonfs/status (or why it cannot be read).
  std::string status();
  // Polls status() until it contains `needle` or `limit` passed; returns the last status text.
  std::string wait_status(const std::string& needle, std::chrono::seconds limit);
  // `anonfs get LINK -o DIR` into a fresh directory; returns the directory.
  std::filesystem::path anonfs_get(const std::string& link);
  // The seed 000 Node download workflow; returns the bytes of the (last) file it saved.
  std::string node_get(const std::string& link, std::string* output = nullptr);
  // The server's drops of the account (GET /api/v1/drop, directly, not through any proxy).
  nlohmann::json server_drops() const;
  void expect_no_incomplete_drops();
  // Path of the first file below `dir` that contains `needle` ("" if none).
  std::string grep(const std::filesystem::path& dir, const std::string& needle);
  // Regular files the daemon keeps in its outbox spool and journal directories
  // ($XDG_DATA_HOME/anonfs/outbox/<server>/{spool,journal}).
  std::vector<std::filesystem::path> spool_and_journal_files() const;
};

}  // namespace anonfs::mount_test
