// Outbox uploads through tools/faultproxy (issue #5: "a fault-injecting HTTP proxy between client
// and server at 20% fault rate: every upload still completes correctly"), and `rm` of an item
// whose upload is held back (the upload is cancelled and its unfinished drop deleted).
//
// The server's public URL is the proxy's, so the API calls (create, register file, finish) and
// the presigned part PUTs all cross it. The links are then opened without the proxy: the server
// is restarted on the same data directory with its own URL as public URL.
#include <chrono>
#include <memory>
#include <set>
#include <thread>

#include "anonfs/crypto/share_url.hpp"
#include "outbox_mount_fixture.hpp"
#include "proxied_mount.hpp"

namespace anonfs::mount_test {
namespace {

namespace fs = std::filesystem;

class OutboxFaultTest : public ProxiedMount<OutboxMountTest> {
 protected:
  // Restarts the reference server on the same data directory without the proxy as public URL
  // (presigned URLs then point at the server itself) and returns `link` re-based onto it.
  void restart_server_without_proxy() {
    server_.reset();
    server_ = std::make_unique<ServerProcess>(dir_->path() / "server");
  }
  std::string direct(const std::string& link) const {
    EXPECT_EQ(link.rfind(proxy_->url(), 0), 0u) << link;
    return server_->url() + link.substr(proxy_->url().size());
  }

  // Waits until the server holds no drop at all (the cancelled upload's drop was deleted).
  bool wait_no_drops(std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (server_drops().empty()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
};

// The requests of an upload: create, register file, list (unconfirmed create), delete, finish,
// part PUTs. The proxy logs paths without the query.
bool is_upload_request(const nlohmann::json& e) {
  const std::string method = e["method"].get<std::string>();
  const std::string path = e["path"].get<std::string>();
  if (path.rfind("/objects/", 0) == 0) return method == "PUT";
  return path.rfind("/api/v1/drop", 0) == 0 && path.find("/download") == std::string::npos;
}

TEST_F(OutboxFaultTest, UploadsSurviveTwentyPercentFaultsOfEveryKind) {
  // A stall outlasts the 2 s low-speed timeout: the upload must give up on it and retry.
  mount_outbox("retries=8,timeout=2");
  const std::string big = pattern((2 << 20) * 5 + 4321, 61);  // 3 chunks of 5 MiB
  const std::string small = "a small file through a faulty network\n";
  const std::map<std::string, std::string> tree = {{"a.txt", "alpha\n"},
                                                   {"sub/b.bin", pattern(300000, 62)},
                                                   {"sub/deeper/c.txt", "gamma\n"},
                                                   {"sub/deeper/d.bin", pattern(70000, 63)}};
  write_local(local("big.bin"), big);
  write_local(local("small.txt"), small);
  for (const auto& [name, content] : tree)
    write_local(local("tree") / name, content);

  // Seed 3693 draws, per request in arrival order: reset, -, -, 500, stall, 503, 429, truncate,
  // then 5 more faults in the next 52 (13 in 60: 21.7 %). Only the outbox talks to the drop
  // routes from here on, so the first 8 eligible requests (fewer than these uploads make) are
  // upload requests and every kind of fault hits one of them.
  const auto before = proxy_->log().size();
  proxy_->configure({{"rate", 0.2},
                     {"seed", 3693},
                     {"faults", kAllFaults},
                     {"stallMs", 20000},
                     {"retryAfter", 1},
                     {"onlyPath", "^(/objects/|/api/v1/drop)"}});  // drops and their data
  const auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(sh("cp " + local("big.bin").string() + " " + local("small.txt").string() + " " +
               outbox().string() + "/"),
            0);
  ASSERT_EQ(sh("cp -r " + local("tree").string() + " " + outbox().string() + "/"), 0);
  const std::string big_link = wait_link("big.bin");
  const std::string small_link = wait_link("small.txt");
  const std::string tree_link = wait_link("tree");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  proxy_->configure({{"rate", 0}});
  ASSERT_FALSE(big_link.empty());
  ASSERT_FALSE(small_link.empty());
  ASSERT_FALSE(tree_link.empty());

  // Every kind of fault was injected on upload traffic, and the data, the finish and the create
  // calls all crossed the proxy.
  auto log = proxy_->log();
  log.erase(log.begin(), log.begin() + static_cast<std::ptrdiff_t>(before));
  std::map<std::string, int> faults;
  std::set<std::string> seen;  // "PUT part", "POST create", "POST file", "PATCH finish"
  std::size_t requests = 0;
  for (const auto& e : log) {
    if (!is_upload_request(e)) continue;
    ++requests;
    const std::string method = e["method"].get<std::string>();
    const std::string path = e["path"].get<std::string>();
    if (e["fault"] != "none") ++faults[e["fault"].get<std::string>()];
    if (method == "PUT") seen.insert("PUT part");
    if (method == "POST" && path == "/api/v1/drop") seen.insert("POST create");
    if (method == "POST" && path.ends_with("/file")) seen.insert("POST file");
    if (method == "PATCH") seen.insert("PATCH finish");
  }
  for (const auto& kind : kAllFaults)
    EXPECT_GE(faults[kind], 1) << kind << ": " << proxy_->stats().dump();
  EXPECT_EQ(seen.size(), 4u) << ::testing::PrintToString(seen);
  int total = 0;
  for (const auto& [kind, n] : faults)
    total += n;
  std::cout << "[ figures  ] outbox through faultproxy at 20 %: " << requests
            << " upload requests, " << total << " faults (" << proxy_->stats()["faults"].dump()
            << "); all links after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() << " ms\n";

  // Opened without the proxy: the same bytes as the sources, and nothing left unfinished.
  unmount();
  restart_server_without_proxy();
  expect_no_incomplete_drops();
  EXPECT_EQ(server_drops().size(), 3u);  // no duplicate from a create repeated after a fault
  EXPECT_EQ(sha256_hex(read_all(anonfs_get(direct(big_link)) / "big.bin")), sha256_hex(big));
  EXPECT_EQ(sha256_hex(read_all(anonfs_get(direct(small_link)) / "small.txt")), sha256_hex(small));
  const fs::path got = anonfs_get(direct(tree_link));
  for (const auto& [name, content] : tree)
    EXPECT_EQ(sha256_hex(read_all(got / name)), sha256_hex(content)) << name;
  const auto meta = drop_metadata(crypto::parse_anonli_drop_url(big_link).drop_id);
  EXPECT_EQ(meta["files"][0]["chunkCount"], 3);
}

// rm of items whose upload the server keeps refusing (every part PUT answered 503 with
// Retry-After): a file being uploaded, a folder (`rm -r`) being uploaded, and a file whose upload
// gave up for now (retrying). Each upload is cancelled, its unfinished drop deleted, its journal
// record and spool files removed, and no link appears.
TEST_F(OutboxFaultTest, RmOfHeldBackUploadsLeavesNothingBehind) {
  proxy_->configure(
      {{"rate", 1}, {"faults", {"503"}}, {"retryAfter", 1}, {"onlyPath", "^/objects/"}});
  // retries=1: 2 HTTP attempts per engine attempt, 6 engine attempts (about 12 s in all), then
  // the item waits (retrying, 30 s) before its next try.
  mount_outbox("retries=1");
  write_local(local("held.bin"), pattern(6 << 20, 71));  // 2 chunks
  write_local(local("folder") / "x.txt", "x\n");
  write_local(local("folder") / "sub" / "y.bin", pattern(100000, 72));
  ASSERT_EQ(sh("cp " + local("held.bin").string() + " " + outbox().string() + "/"), 0);
  ASSERT_EQ(sh("cp -r " + local("folder").string() + " " + outbox().string() + "/"), 0);

  // Both uploads are under way: their drops exist and their parts are being refused.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::size_t refused = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    refused = 0;
    for (const auto& e : proxy_->log())
      refused += e["fault"] == "503" ? 1 : 0;
    if (server_drops().size() == 2 && refused >= 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(server_drops().size(), 2u) << status();
  ASSERT_GE(refused, 2u) << status();
  EXPECT_FALSE(spool_and_journal_files().empty());

  ASSERT_EQ(sh("rm " + (outbox() / "held.bin").string()), 0);
  ASSERT_EQ(sh("rm -r " + (outbox() / "folder").string()), 0);
  EXPECT_TRUE(fs::is_empty(outbox()));
  EXPECT_TRUE(wait_no_drops(std::chrono::seconds(30))) << server_drops().dump() << "\n"
                                                       << anonfs_log();

  // A third item gives up for now (state "retrying", its drop kept for the next try); rm it.
  write_local(local("later.bin"), pattern(1 << 20, 73));
  ASSERT_EQ(sh("cp " + local("later.bin").string() + " " + outbox().string() + "/"), 0);
  const std::string retrying = wait_status("\"retrying\"", std::chrono::seconds(30));
  ASSERT_NE(retrying.find("\"retrying\""), std::string::npos) << retrying;
  ASSERT_EQ(server_drops().size(), 1u);
  ASSERT_EQ(sh("rm " + (outbox() / "later.bin").string()), 0);
  EXPECT_TRUE(wait_no_drops(std::chrono::seconds(30))) << server_drops().dump();

  // Nothing left: no spool file, no journal record, no link, nothing pending.
  const auto files_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!spool_and_journal_files().empty() && std::chrono::steady_clock::now() < files_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(spool_and_journal_files().empty())
      << ::testing::PrintToString(spool_and_journal_files());
  EXPECT_TRUE(fs::is_empty(mnt() / "sent"));
  EXPECT_EQ(status().find("held.bin"), std::string::npos) << status();
  EXPECT_NE(anonfs_log().find("deleted unfinished drop"), std::string::npos) << anonfs_log();
}

}  // namespace
}  // namespace anonfs::mount_test
