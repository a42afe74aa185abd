// The README quick start: `anonfs mount DIR` with no server configured runs the reference server
// in-process, provisions a local account and vault under $XDG_DATA_HOME/anonfs, forks into the
// background once the mount is up, and `fusermount3 -u DIR` ends it.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "test_support.hpp"

namespace anonfs::mount_test {
namespace {

using server::test::run_process;
using server::test::TempDir;

bool is_mounted(const std::filesystem::path& path) {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.find(" " + path.string() + " ") != std::string::npos) return true;
  }
  return false;
}

class EmbeddedMountTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directory(dir_.path() / "mnt");
    std::ofstream(dir_.path() / "password") << "local vault password\n";
    std::ofstream(dir_.path() / "wrong") << "something else\n";
  }
  void TearDown() override {
    if (is_mounted(mnt())) {
      ADD_FAILURE() << "still mounted";
      run_process({"fusermount3", "-u", "-z", mnt().string()});
    }
  }
  std::filesystem::path mnt() const { return dir_.path() / "mnt"; }

  // `anonfs mount` in the background mode, with XDG directories inside the test's temp dir.
  server::test::ProcessResult mount(const std::string& password_file) {
    const auto x = dir_.path();
    return run_process(
        {"env", "XDG_DATA_HOME=" + (x / "data").string(),
         "XDG_CONFIG_HOME=" + (x / "config").string(), "XDG_CACHE_HOME=" + (x / "cache").string(),
         "XDG_STATE_HOME=" + (x / "state").string(), "/bin/sh", "-c", "exec \"$0\" \"$@\" 2>&1",
         std::getenv("ANONFS_BIN"), "mount", mnt().string(), "--vault-password-file",
         (x / password_file).string()},
        std::chrono::seconds(60));
  }

  TempDir dir_;
};

TEST_F(EmbeddedMountTest, MountsWithTheEmbeddedServerAndKeepsItsAccount) {
  const auto first = mount("password");
  ASSERT_EQ(first.exit_code, 0) << first.out;
  EXPECT_TRUE(is_mounted(mnt()));
  EXPECT_TRUE(std::filesystem::is_directory(mnt() / "drops"));
  EXPECT_TRUE(std::filesystem::is_empty(mnt() / "drops"));
  EXPECT_TRUE(std::filesystem::is_directory(mnt() / "links"));
  ASSERT_EQ(run_process({"fusermount3", "-u", mnt().string()}).exit_code, 0);
  EXPECT_FALSE(is_mounted(mnt()));

  // Private files: the account file is 0600, the data directory 0700.
  struct stat st {};
  ASSERT_EQ(::stat((dir_.path() / "data" / "anonfs" / "local-account.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir_.path() / "data" / "anonfs").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  const auto log = dir_.path() / "state" / "anonfs" / "daemon.log";
  ASSERT_TRUE(std::filesystem::exists(log));
  std::ifstream in(log);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("embedded reference server"), std::string::npos) << text;
  EXPECT_EQ(text.find("local vault password"), std::string::npos);

  // The second start reuses the account and its vault: the wrong password is refused.
  const auto wrong = mount("wrong");
  EXPECT_EQ(wrong.exit_code, 1) << wrong.out;
  EXPECT_NE(wrong.out.find("wrong vault password"), std::string::npos) << wrong.out;
  EXPECT_FALSE(is_mounted(mnt()));
  const auto again = mount("password");
  ASSERT_EQ(again.exit_code, 0) << again.out;
  ASSERT_EQ(run_process({"fusermount3", "-u", mnt().string()}).exit_code, 0);
}

}  // namespace
}  // namespace anonfs::mount_test
