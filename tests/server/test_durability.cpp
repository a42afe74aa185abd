// Concurrency, kill -9 / restart durability, the sweeper, permissions and clean shutdown.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <thread>

#include "server_fixture.hpp"

namespace anonfs::server::test {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

class DurabilityTest : public ServerTest {
 protected:
  std::vector<std::string> server_args() const override { return {"--sweep-interval", "0.1"}; }
};

TEST_F(DurabilityTest, ParallelDownloadsRespectTheLimitExactly) {
  auto [drop, file] = upload_single(pattern_bytes(500, 30), {{"maxDownloads", 5}});
  std::atomic<int> ok{0}, limited{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&, d = drop] {
      try {
        auto r = http({"POST", api("/api/v1/drop/" + d + "/download"), std::nullopt, {}});
        if (r.status == 200) {
          ++ok;
        } else if (r.status == 404) {
          ++limited;
        } else {
          ++other;
        }
      } catch (const std::exception&) {
        ++other;
      }
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(ok.load(), 5);
  EXPECT_EQ(limited.load(), 11);
  EXPECT_EQ(other.load(), 0);
  sql("SELECT 1");  // database still consistent and readable
}

TEST_F(DurabilityTest, FinishedDropSurvivesKill9) {
  const std::int64_t chunk = 5 * 1024 * 1024;
  const std::size_t size = static_cast<std::size_t>(chunk + 16) + 4096;
  auto content = pattern_bytes(size, 31);
  auto drop = create_drop();
  auto f = add_file(drop, size, chunk, 2);
  auto e1 = put_part(f.urls.at(1), content.substr(0, static_cast<std::size_t>(chunk + 16)));
  auto e2 = put_part(f.urls.at(2), content.substr(static_cast<std::size_t>(chunk + 16)));
  ASSERT_EQ(
      finish(drop, json::array({{{"fileId", f.id},
                                 {"chunks", chunk_list({e1.header("ETag"), e2.header("ETag")})}}}))
          .status,
      200);
  restart(/*hard=*/true);
  auto meta = http_get(api("/api/v1/drop/" + drop));
  ASSERT_EQ(meta.status, 200) << meta.body;
  EXPECT_EQ(meta.json()["files"][0]["chunkCount"], 2);
  auto url = http({"POST", api("/api/v1/drop/" + drop + "/download"), std::nullopt, {}})
                 .json()["downloadUrls"][f.id]
                 .get<std::string>();
  auto body = http_get(url);
  ASSERT_EQ(body.status, 200);
  EXPECT_TRUE(body.body == content);
  // The API key still works and the secret is unchanged (old URLs still verify).
  EXPECT_EQ(http_get(api("/api/v1/drop"), {bearer(user_.api_key)}).status, 200);
  // The port changes on restart; the signature does not depend on it.
  const auto old_base = server_->url();
  restart(/*hard=*/false);
  url.replace(0, old_base.size(), server_->url());
  EXPECT_TRUE(http_get(url).body == content);
}

TEST_F(DurabilityTest, SweeperReapsAbandonedAndExpiredDrops) {
  auto pending = create_drop();
  auto f = add_file(pending, 100, 84, 1);
  ASSERT_EQ(put_part(f.urls.at(1), pattern_bytes(100, 32)).status, 200);
  auto [expired, expired_file] = upload_single(pattern_bytes(64, 33));
  auto [kept, kept_file] = upload_single(pattern_bytes(64, 34));
  const auto hours = [](int h) { return std::to_string(h) + " * 3600000"; };
  sql("UPDATE drops SET created_at = created_at - " + hours(7) + " WHERE id = '" + pending + "'");
  sql("UPDATE drops SET expires_at = CAST(strftime('%s','now') AS INTEGER) * 1000 - " + hours(13) +
      " WHERE id = '" + expired + "'");
  auto pending_dir = data_dir() / "objects" / f.id.substr(0, 2) / f.id;
  auto expired_dir = data_dir() / "objects" / expired_file.substr(0, 2) / expired_file;
  auto deadline = Clock::now() + std::chrono::seconds(20);
  while (Clock::now() < deadline &&
         (std::filesystem::exists(pending_dir) || std::filesystem::exists(expired_dir))) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling, bounded
  }
  EXPECT_FALSE(std::filesystem::exists(pending_dir));
  EXPECT_FALSE(std::filesystem::exists(expired_dir));
  EXPECT_EQ(http_get(api("/api/v1/drop/" + pending)).status, 404);
  EXPECT_EQ(http_get(api("/api/v1/drop/" + expired)).status, 404);
  EXPECT_EQ(http_get(api("/api/v1/drop/" + kept)).status, 200);
  auto list = http_get(api("/api/v1/drop"), {bearer(user_.api_key)}).json();
  EXPECT_EQ(list["meta"]["total"], 1);
  EXPECT_EQ(list["meta"]["storage"]["used"], "64");
}

TEST_F(DurabilityTest, DataFilesArePrivate) {
  upload_single(pattern_bytes(64, 35));
  auto mode = [](const std::filesystem::path& p) {
    struct stat st {};
    ::stat(p.c_str(), &st);
    return st.st_mode & 0777;
  };
  EXPECT_EQ(mode(data_dir()), 0700u);
  for (const auto& e : std::filesystem::recursive_directory_iterator(data_dir())) {
    if (e.is_directory()) {
      EXPECT_EQ(mode(e.path()), 0700u) << e.path();
    } else {
      EXPECT_EQ(mode(e.path()), 0600u) << e.path();
    }
  }
}

TEST(ServerCli, HelpAndUsageErrors) {
  for (auto args : std::vector<std::vector<std::string>>{
           {"--help"}, {"serve", "--help"}, {"user", "add", "--help"}}) {
    args.insert(args.begin(), server_binary());
    auto r = run_process(args);
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.out.find("usage: anonfs-server"), std::string::npos) << r.out;
  }
  EXPECT_EQ(run_process({server_binary(), "bogus"}).exit_code, 2);
  EXPECT_EQ(run_process({server_binary(), "serve", "--listen", "127.0.0.1:0"}).exit_code, 2);
  TempDir dir;
  EXPECT_EQ(
      run_process({server_binary(), "user", "add", "not-an-email", "--data", dir.path().string()})
          .exit_code,
      1);
  auto key = run_process({server_binary(), "user", "add", "c@example.com", "--data",
                          dir.path().string(), "--plan", "plus"});
  ASSERT_EQ(key.exit_code, 0);
  // ak_, enigma_, public_key_, private_key_ (each + 32 hex), one per line.
  ASSERT_EQ(key.out.size(), 36u + 40u + 44u + 45u) << key.out;
  EXPECT_TRUE(key.out.starts_with("ak_"));
  EXPECT_NE(key.out.find("\nenigma_"), std::string::npos);
  EXPECT_NE(key.out.find("\npublic_key_"), std::string::npos);
  EXPECT_NE(key.out.find("\nprivate_key_"), std::string::npos);
  // SIGTERM stops the server cleanly.
  ServerProcess server(dir.path());
  EXPECT_EQ(server.terminate(), 0);
}

}  // namespace
}  // namespace anonfs::server::test
