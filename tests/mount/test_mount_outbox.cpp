// Outbox mount tests (issue #5): files copied into MOUNT/outbox/ come out as share links in
// MOUNT/sent/, opened by the seed 000 Node download workflow and by `anonfs get` with the same
// SHA-256 as the source; no plaintext or key on disk or in the log; kill -9 mid-upload resumes.
// The mount runs with 5 MiB chunks (the smallest legal multi-chunk size, hidden option
// outbox_chunk_size) and a 1 s settle period (cp -r must not pause longer between files).
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "anonfs/crypto/share_url.hpp"
#include "outbox_mount_fixture.hpp"

namespace anonfs::mount_test {
namespace {

using server::test::run_process;
namespace fs = std::filesystem;

TEST_F(OutboxMountTest, CopySmallFile) {
  mount_outbox();
  const std::string content = "hello from the outbox\n";
  write_local(local("hello.txt"), content);
  ASSERT_EQ(sh("cp " + local("hello.txt").string() + " " + outbox().string() + "/"), 0);
  const std::string link = wait_link("hello.txt");
  ASSERT_FALSE(link.empty());
  EXPECT_FALSE(fs::exists(outbox() / "hello.txt"));
  EXPECT_EQ(sha256_hex(node_get(link)), sha256_hex(content));
  EXPECT_EQ(sha256_hex(read_all(anonfs_get(link) / "hello.txt")), sha256_hex(content));
  // The drop shows under drops/ (owner key in the vault).
  const auto id = crypto::parse_anonli_drop_url(link).drop_id;
  EXPECT_EQ(read_all(drop_dir("hello.txt", id) / "hello.txt"), content);
  EXPECT_NE(status().find("\"done\""), std::string::npos);
  const auto st = run_process({std::getenv("ANONFS_BIN"), "status", "--mount", mnt().string()});
  EXPECT_EQ(st.exit_code, 0) << st.out;
  EXPECT_NE(st.out.find("hello.txt"), std::string::npos) << st.out;
}

TEST_F(OutboxMountTest, ZeroByteFileGetsError) {
  mount_outbox();
  ASSERT_EQ(sh("touch " + (outbox() / "empty.txt").string()), 0);
  const auto error = outbox() / "empty.txt.error";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!fs::exists(error) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(fs::exists(error)) << status();
  const std::string text = read_all(error);
  EXPECT_NE(text.find("empty"), std::string::npos) << text;
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1);
  EXPECT_TRUE(fs::exists(outbox() / "empty.txt"));
  EXPECT_NE(status().find("failed"), std::string::npos);
}

TEST_F(OutboxMountTest, MultiChunkFile) {
  mount_outbox();
  const std::string content = pattern((12 << 20) + 4321, 7);  // 3 chunks of 5 MiB
  write_local(local("big.bin"), content);
  ASSERT_EQ(sh("cp " + local("big.bin").string() + " " + outbox().string() + "/"), 0);
  const std::string link = wait_link("big.bin");
  ASSERT_FALSE(link.empty());
  const auto meta = drop_metadata(crypto::parse_anonli_drop_url(link).drop_id);
  EXPECT_EQ(meta["files"][0]["chunkCount"], 3);
  EXPECT_EQ(sha256_hex(node_get(link)), sha256_hex(content));
  EXPECT_EQ(sha256_hex(read_all(anonfs_get(link) / "big.bin")), sha256_hex(content));
}

TEST_F(OutboxMountTest, CopyRecursiveFolder) {
  mount_outbox();
  const std::map<std::string, std::string> files = {
      {"a.txt", "alpha\n"}, {"sub/b.bin", pattern(300000, 2)}, {"sub/deeper/c.txt", "gamma\n"}};
  for (const auto& [name, content] : files)
    write_local(local("tree") / name, content);
  ASSERT_EQ(sh("cp -r " + local("tree").string() + " " + outbox().string() + "/"), 0);
  const std::string link = wait_link("tree");
  ASSERT_FALSE(link.empty());
  const fs::path got = anonfs_get(link);
  for (const auto& [name, content] : files) {
    EXPECT_EQ(sha256_hex(read_all(got / name)), sha256_hex(content)) << name;
  }
  std::string out;
  node_get(link, &out);
  for (const auto& [name, content] : files) {
    EXPECT_NE(out.find("Decrypted: " + name + " (" + std::to_string(content.size()) + " bytes)"),
              std::string::npos)
        << out;
  }
}

TEST_F(OutboxMountTest, RsyncTree) {
  if (run_process({"/bin/sh", "-c", "command -v rsync"}).exit_code != 0) {
    GTEST_SKIP() << "rsync is not installed";
  }
  mount_outbox();
  const std::map<std::string, std::string> files = {{"one.txt", "1\n"},
                                                    {"d/two.bin", pattern(200000, 3)}};
  for (const auto& [name, content] : files)
    write_local(local("rs") / name, content);
  ASSERT_EQ(sh("rsync -a " + local("rs").string() + " " + outbox().string() + "/"), 0);
  const std::string link = wait_link("rs");
  ASSERT_FALSE(link.empty());
  const fs::path got = anonfs_get(link);
  for (const auto& [name, content] : files) {
    EXPECT_EQ(sha256_hex(read_all(got / name)), sha256_hex(content)) << name;
  }
}

TEST_F(OutboxMountTest, EditorStyleSave) {
  mount_outbox();
  const std::string content = "edited text\n";
  write_local(local("draft"), content);
  ASSERT_EQ(sh("cp " + local("draft").string() + " " + (outbox() / ".x.swp").string()), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // longer than the settle period
  EXPECT_TRUE(fs::is_empty(mnt() / "sent"));                     // a swap file is never uploaded
  ASSERT_EQ(sh("mv " + (outbox() / ".x.swp").string() + " " + (outbox() / "x").string()), 0);
  const std::string link = wait_link("x");
  ASSERT_FALSE(link.empty());
  EXPECT_EQ(sha256_hex(node_get(link)), sha256_hex(content));
  EXPECT_EQ(sha256_hex(read_all(anonfs_get(link) / "x")), sha256_hex(content));
}

TEST_F(OutboxMountTest, OutOfOrderDdWrites) {
  mount_outbox();
  const std::string content = pattern(8 << 20, 9);
  write_local(local("src.bin"), content);
  const std::string in = local("src.bin").string();
  // A parking .part name while the pieces arrive, last MiBs first, then the final name.
  const std::string part = (outbox() / "dd.bin.part").string();
  ASSERT_EQ(
      sh("dd if=" + in + " of=" + part + " bs=1M skip=5 seek=5 count=3 conv=notrunc status=none"),
      0);
  ASSERT_EQ(
      sh("dd if=" + in + " of=" + part + " bs=1M skip=0 seek=0 count=5 conv=notrunc status=none"),
      0);
  ASSERT_EQ(sh("mv " + part + " " + (outbox() / "dd.bin").string()), 0);
  const std::string link = wait_link("dd.bin");
  ASSERT_FALSE(link.empty());
  EXPECT_EQ(sha256_hex(node_get(link)), sha256_hex(content));
  EXPECT_EQ(sha256_hex(read_all(anonfs_get(link) / "dd.bin")), sha256_hex(content));
}

TEST_F(OutboxMountTest, NoPlaintextOrKeyOnDiskOrInLogs) {
  mount_outbox();
  const std::string marker = "ANONFS-PLAINTEXT-MARKER-5b1e";
  std::string content = pattern(6 << 20, 4);
  content.replace(100, marker.size(), marker);
  content.replace(5 << 20, marker.size(), marker);
  write_local(local("secret.bin"), content);
  ASSERT_EQ(sh("cp " + local("secret.bin").string() + " " + outbox().string() + "/"), 0);
  const std::string link = wait_link("secret.bin");
  ASSERT_FALSE(link.empty());
  const std::string key = link.substr(link.find('#') + 1);
  fs::remove(local("secret.bin"));
  for (const char* d : {"xdg-data", "xdg-cache", "xdg-state", "xdg-config"}) {
    EXPECT_EQ(grep(dir_->path() / d, marker), "") << d;
    EXPECT_EQ(grep(dir_->path() / d, key), "") << d;
  }
  EXPECT_EQ(anonfs_log().find(marker), std::string::npos);
  EXPECT_EQ(anonfs_log().find(key), std::string::npos);
  EXPECT_NE(anonfs_log().find("secret.bin →"), std::string::npos) << anonfs_log();
}

TEST_F(OutboxMountTest, Kill9MidUploadResumesOnRemount) {
  mount_outbox();
  const std::string content = pattern(30 << 20, 11);  // 6 parts
  write_local(local("resume.bin"), content);
  ASSERT_EQ(sh("cp " + local("resume.bin").string() + " " + outbox().string() + "/"), 0);
  // Wait until the upload is under way (the status shows bytes sent), then kill -9.
  const std::string uploading = wait_status("\"uploading\"", std::chrono::seconds(60));
  ASSERT_NE(uploading.find("\"uploading\""), std::string::npos) << uploading;
  ::kill(mount_pid_, SIGKILL);
  ::waitpid(mount_pid_, nullptr, 0);
  mount_pid_ = -1;
  run_process({"fusermount3", "-u", "-z", mnt().string()});
  mount_outbox();
  const std::string link = wait_link("resume.bin");
  ASSERT_FALSE(link.empty());
  EXPECT_EQ(sha256_hex(read_all(anonfs_get(link) / "resume.bin")), sha256_hex(content));
  EXPECT_EQ(sha256_hex(node_get(link)), sha256_hex(content));
  expect_no_incomplete_drops();
}

// `anonfs upload` then `anonfs get` and the seed 000 Node download workflow (no mount).
TEST_F(OutboxMountTest, CliUploadThenGetAndNodeDownload) {
  const std::string content = pattern((11 << 20) + 99, 12);
  write_local(local("cli.bin"), content);
  const auto r = run_process(
      {std::getenv("ANONFS_BIN"), "upload", local("cli.bin").string(), "--server", server_->url(),
       "--api-key-file", (dir_->path() / "api-key").string(), "--vault-password-file",
       (dir_->path() / "vault-password").string(), "--max-downloads", "5", "--chunk-size", "5M"},
      std::chrono::seconds(120));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto arrow = r.out.find("cli.bin → ");
  ASSERT_NE(arrow, std::string::npos) << r.out;
  std::string link = r.out.substr(arrow + std::string("cli.bin → ").size());
  link = link.substr(0, link.find('\n'));
  const auto meta = drop_metadata(crypto::parse_anonli_drop_url(link).drop_id);
  EXPECT_EQ(meta["files"][0]["chunkCount"], 3);
  EXPECT_EQ(meta["maxDownloads"], 5);
  EXPECT_EQ(sha256_hex(read_all(anonfs_get(link) / "cli.bin")), sha256_hex(content));
  EXPECT_EQ(sha256_hex(node_get(link)), sha256_hex(content));
}

// A drop uploaded by the seed 000 Node upload workflow, opened by `anonfs get`.
TEST_F(OutboxMountTest, CliGetOfSeedNodeUpload) {
  const std::string content = pattern((6 << 20) + 5, 13);
  write_local(local("seed.bin"), content);
  const auto up = run_process(
      {std::getenv("NODE"), std::string(std::getenv("ANONFS_SERVER_NODE_DIR")) + "/seed_upload.mjs",
       local("seed.bin").string()},
      std::chrono::seconds(120), {{"ANONLI_BASE", server_->url()}, {"ANONLI_API_KEY", api_key_}});
  ASSERT_EQ(up.exit_code, 0) << up.out;
  const auto marker = up.out.find("Share URL: ");
  ASSERT_NE(marker, std::string::npos) << up.out;
  std::string link = up.out.substr(marker + 11);
  link = link.substr(0, link.find('\n'));
  EXPECT_EQ(sha256_hex(read_all(anonfs_get(link) / "seed.bin")), sha256_hex(content));
}

}  // namespace
}  // namespace anonfs::mount_test
