// Filesystem against a hostile reference server (issue #8), in-process, without mounting: a drop
// whose metadata repeats one file name 100 000 times (`--hostile many-files`) lists every entry
// under a distinct numbered name, in about linear time (the numbering used to be quadratic: it
// tried " (2)", " (3)", … afresh for every duplicate, minutes for this listing).
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>

#include "anonfs/api/anonli_client.hpp"
#include "anonfs/api/http_client.hpp"
#include "anonfs/crypto/drop_codec.hpp"
#include "anonfs/crypto/share_url.hpp"
#include "anonfs/server/server.hpp"
#include "anonfs/vfs/filesystem.hpp"
#include "anonfs/vfs/upload_engine.hpp"
#include "support/temp_dir.hpp"

namespace anonfs::vfs {
namespace {

using namespace std::chrono_literals;

TEST(FilesystemHostileTest, HundredThousandEqualNamesGetDistinctNumberedNames) {
  test_support::TempDir dir;
  const auto user = server::add_user(dir.path(), "owner@example.com", server::Plan::kPro);
  server::ServerOptions options;
  options.data_dir = dir.path();
  options.worker_threads = 4;
  options.hostile = {"many-files"};
  server::Server server(std::move(options));
  server.start();

  api::ClientOptions o;
  o.retry.max_attempts = 1;
  o.max_body_bytes = 64u << 20;  // the 100 000-entry metadata is ~17 MB (default cap: 16 MiB)
  api::HttpClient http(o);
  api::AnonliClient client(http, server.url(), crypto::SecretBytes::from_string(user.api_key));

  UploadEngine engine(client, nullptr, UploadOptions{});
  UploadJob job(crypto::DropKey::generate());
  const std::string content = "same bytes";
  const MemoryPartSource source(job.key, crypto::as_bytes(content));
  job.files.push_back({"same.txt", "text/plain", &source});
  engine.run(job, {}, {});

  crypto::AnonLiDropLink link;
  link.base = server.url();
  link.drop_id = *job.drop_id;
  link.key = crypto::SecretBytes(job.key.bytes());
  const auto url = crypto::build_anonli_drop_url(link);

  Filesystem fs(http, client, std::nullopt);
  const auto id = fs.open_link(url.str());
  const auto links = fs.lookup(kRootIno, "links");
  const auto drop = fs.lookup(links.ino, id);
  const auto entries = fs.readdir(drop.ino);

  std::set<std::string> names;
  for (const auto& e : entries) {
    if (e.name == "." || e.name == "..") continue;
    EXPECT_EQ(e.attr.size, content.size());
    names.insert(e.name);
  }
  EXPECT_EQ(names.size(), 100'000u);
  EXPECT_TRUE(names.contains("same.txt"));
  EXPECT_TRUE(names.contains("same (2).txt"));
  EXPECT_TRUE(names.contains("same (100000).txt"));
  server.stop();
}

}  // namespace
}  // namespace anonfs::vfs
