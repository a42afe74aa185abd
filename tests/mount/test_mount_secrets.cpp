// Mount tests of secrets/ (issue 7): a real FUSE mount of build/anonfs against anonfs-server on a
// free port, with EnigmaCrypt and password.link configured through config.json. Text copied into
// an outbox becomes a one-time secret whose link the CLI and the Node peer open; listing 50
// secrets burns no view (server counters); binary input gives NAME.error; rm in list/ deletes.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "anonfs/crypto/passwordlink.hpp"
#include "mount_fixture.hpp"

namespace anonfs::mount_test {
namespace {

namespace fs = std::filesystem;
using server::test::http;
using server::test::run_process;

std::string env_or_fail(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr) throw std::runtime_error(std::string(name) + " is not set (run via meson)");
  return v;
}

class MountSecretsTest : public MountTest {
 protected:
  void SetUp() override {
    MountTest::SetUp();
    // user add on an existing account issues a new key set for the same account.
    keys_ = server::test::add_user(dir_->path() / "server", "mount@example.com", "pro");
    const auto config_dir = dir_->path() / "xdg-config" / "anonfs";
    fs::create_directories(config_dir);
    const nlohmann::json config = {
        {"enigmacrypt", {{"server", server_->url()}, {"token", keys_.enigma_token}}},
        {"passwordlink",
         {{"server", server_->url()},
          {"public_key", keys_.passwordlink_public_key},
          {"private_key", keys_.passwordlink_private_key}}}};
    std::ofstream(config_dir / "config.json") << config.dump(2);
    fs::permissions(config_dir / "config.json", fs::perms::owner_read | fs::perms::owner_write);
  }

  // cp CONTENT to secrets/<service>/outbox/NAME (open, write, close).
  void copy_in(const std::string& service, const std::string& name, const std::string& content) {
    std::ofstream out(mnt() / "secrets" / service / "outbox" / name, std::ios::binary);
    ASSERT_TRUE(out) << "cannot create in outbox";
    out << content;
    out.close();
    ASSERT_TRUE(out.good());
  }

  // Waits (bounded) for `path` to appear: the send runs when the file is released.
  bool wait_for(const fs::path& path) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!fs::exists(path)) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
  }

  server::test::ProcessResult anonfs_cli(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {
        "/usr/bin/env", "XDG_CONFIG_HOME=" + (dir_->path() / "xdg-config").string(),
        "XDG_DATA_HOME=" + (dir_->path() / "xdg-data").string(), env_or_fail("ANONFS_BIN")};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, std::chrono::seconds(60));
  }

  nlohmann::json pl_list() {
    auto r = http({"GET",
                   server_->url() + "/api/secrets",
                   std::nullopt,
                   {"Authorization: ApiKey " + keys_.passwordlink_private_key}});
    return r.json()["data"];
  }

  server::test::User keys_;
};

TEST_F(MountSecretsTest, PasswordLinkOutboxLinkOpensWithCli) {
  mount();
  const std::string secret = "the wifi password is hunter2\n";
  copy_in("passwordlink", "wifi.txt", secret);
  const auto link = mnt() / "secrets" / "passwordlink" / "sent" / "wifi.txt.link";
  ASSERT_TRUE(wait_for(link)) << anonfs_log();
  EXPECT_FALSE(fs::exists(mnt() / "secrets" / "passwordlink" / "outbox" / "wifi.txt"));
  std::string url = read_all(link);
  ASSERT_FALSE(url.empty());
  url.pop_back();  // newline
  EXPECT_NE(url.find("/#"), std::string::npos);
  auto view = anonfs_cli({"secret", "view", url});
  EXPECT_EQ(view.exit_code, 0);
  EXPECT_EQ(view.out, secret);
  // The log names the secret, never its link.
  EXPECT_EQ(anonfs_log().find(url), std::string::npos);
}

TEST_F(MountSecretsTest, EnigmaOutboxLinkOpensWithNodePeer) {
  mount();
  copy_in("enigmacrypt", "pin.txt", "4711");
  const auto link = mnt() / "secrets" / "enigmacrypt" / "sent" / "pin.txt.link";
  ASSERT_TRUE(wait_for(link)) << anonfs_log();
  const std::string text = read_all(link);
  std::vector<std::string> lines;
  for (std::size_t pos = 0; pos < text.size();) {
    const auto end = text.find('\n', pos);
    lines.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  ASSERT_EQ(lines.size(), 3u) << text;
  EXPECT_NE(lines[0].find("two different channels"), std::string::npos);
  const auto r = run_process(
      {env_or_fail("NODE"), env_or_fail("ANONFS_SECRETS_NODE_DIR") + "/secrets_client.cjs",
       "enigma-view", "4.2.0", lines[1], lines[2]},
      std::chrono::seconds(60));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "4711");
}

TEST_F(MountSecretsTest, BinaryInputGivesErrorFile) {
  mount();
  copy_in("passwordlink", "photo.jpg", std::string("\xff\xd8\xff\xe0\0\x10JFIF", 10));
  const auto error = mnt() / "secrets" / "passwordlink" / "outbox" / "photo.jpg.error";
  ASSERT_TRUE(wait_for(error)) << anonfs_log();
  EXPECT_NE(read_all(error).find("not UTF-8 text"), std::string::npos);
  EXPECT_TRUE(pl_list().empty());
  fs::remove(error);
  EXPECT_FALSE(fs::exists(error));
}

TEST_F(MountSecretsTest, ListingFiftySecretsBurnsNoView) {
  for (int i = 0; i < 50; ++i) {
    auto sealed = crypto::passwordlink_seal(crypto::as_bytes("secret " + std::to_string(i)));
    auto r = http(
        {"POST",
         server_->url() + "/api/secrets",
         nlohmann::json{{"ciphertext", sealed.ciphertext},
                        {"password_part_private", std::string(sealed.password_part_private.str())}}
             .dump(),
         {"Authorization: ApiKey " + keys_.passwordlink_private_key,
          "Content-Type: application/json"}});
    ASSERT_EQ(r.status, 201) << r.body;
  }
  mount();
  const auto list = mnt() / "secrets" / "passwordlink" / "list";
  std::size_t count = 0;
  for (const auto& entry : fs::directory_iterator(list)) {
    ++count;
    EXPECT_GT(fs::file_size(entry.path()), 0u);  // stat
    const auto json = nlohmann::json::parse(read_all(entry.path()));
    EXPECT_EQ(json["view_times"], 0);
    EXPECT_FALSE(json.contains("ciphertext"));
  }
  EXPECT_EQ(count, 50u);
  // `ls -lR` and `find` of the whole secrets tree.
  for (const auto& entry : fs::recursive_directory_iterator(mnt() / "secrets"))
    (void)fs::status(entry.path());
  // Server counters: no view was consumed.
  EXPECT_EQ(sql("SELECT COALESCE(SUM(view_times), 0) FROM pl_secrets"), "0");
  EXPECT_EQ(sql("SELECT COUNT(*) FROM pl_secret_views"), "0");
  EXPECT_EQ(sql("SELECT COUNT(*) FROM pl_secrets WHERE ciphertext IS NOT NULL"), "50");
}

TEST_F(MountSecretsTest, RmInListDeletesTheSecret) {
  auto sealed = crypto::passwordlink_seal(crypto::as_bytes("to delete"));
  auto r = http(
      {"POST",
       server_->url() + "/api/secrets",
       nlohmann::json{{"ciphertext", sealed.ciphertext},
                      {"password_part_private", std::string(sealed.password_part_private.str())}}
           .dump(),
       {"Authorization: ApiKey " + keys_.passwordlink_private_key,
        "Content-Type: application/json"}});
  ASSERT_EQ(r.status, 201);
  const std::string id = r.json()["data"]["id"];
  mount();
  const auto file = mnt() / "secrets" / "passwordlink" / "list" / (id + ".json");
  ASSERT_TRUE(fs::exists(file));
  fs::remove(file);
  EXPECT_TRUE(pl_list().empty());
  EXPECT_FALSE(fs::exists(file));
}

}  // namespace
}  // namespace anonfs::mount_test
