// The seed 000 reference upload and download JavaScript (Node 20 fetch) against anonfs-server:
// a three-chunk file round-trips byte for byte.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "server_fixture.hpp"

namespace anonfs::server::test {
namespace {

class SeedNodeTest : public ServerTest {
 protected:
  // The seed creates its drop with `expiry: 7`, which needs Plus or Pro.
  std::string plan() const override { return "plus"; }
};

TEST_F(SeedNodeTest, ReferenceUploadAndDownloadRoundTrip) {
  const char* node = std::getenv("NODE");
  const char* dir = std::getenv("ANONFS_SERVER_NODE_DIR");
  if (!node || !dir) GTEST_SKIP() << "node not available";
  TempDir work;
  // 2 full 5 MiB chunks and a partial third: the smallest legal multi-chunk layout with 3 parts.
  const std::size_t size = 2 * 5 * 1024 * 1024 + 123457;
  const auto content = pattern_bytes(size, 40);
  auto input = work.path() / "report.bin";
  auto output = work.path() / "out.bin";
  {
    std::ofstream out(input, std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
  }
  std::map<std::string, std::string> env = {{"ANONLI_BASE", server_->url()},
                                            {"ANONLI_API_KEY", user_.api_key}};
  auto up = run_process({node, std::string(dir) + "/seed_upload.mjs", input.string()},
                        std::chrono::seconds(60), env);
  ASSERT_EQ(up.exit_code, 0) << up.out;
  auto marker = up.out.find("Share URL: ");
  ASSERT_NE(marker, std::string::npos) << up.out;
  auto share = up.out.substr(marker + 11);
  share = share.substr(0, share.find('\n'));

  auto drop_id = share.substr(share.find("/d/") + 3);
  drop_id = drop_id.substr(0, drop_id.find('#'));
  auto meta = http_get(api("/api/v1/drop/" + drop_id)).json();
  ASSERT_EQ(meta["files"].size(), 1u);
  EXPECT_EQ(meta["files"][0]["chunkCount"], 3);
  EXPECT_EQ(meta["files"][0]["chunkSize"], 5 * 1024 * 1024);
  EXPECT_EQ(meta["files"][0]["size"], std::to_string(size + 3 * 16));

  auto down = run_process({node, std::string(dir) + "/seed_download.mjs", share, output.string()},
                          std::chrono::seconds(60), env);
  ASSERT_EQ(down.exit_code, 0) << down.out;
  EXPECT_NE(down.out.find("Decrypted: report.bin (" + std::to_string(size) + " bytes)"),
            std::string::npos)
      << down.out;
  std::ifstream in(output, std::ios::binary);
  std::string got((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(got.size(), content.size());
  EXPECT_TRUE(got == content);
  EXPECT_EQ(http_get(api("/api/v1/drop/" + drop_id)).json()["downloads"], 1);
}

}  // namespace
}  // namespace anonfs::server::test
