// UploadEngine against the real reference server: multi-chunk drops with owner keys, resume
// after an interruption, a create that may have reached the server, permanent refusals.
#include "anonfs/vfs/upload_engine.hpp"

#include <gtest/gtest.h>

#include "anonfs/crypto/share_url.hpp"
#include "anonfs/vfs/upload_spool.hpp"
#include "anonfs/vfs/vfs_error.hpp"
#include "outbox_fixture.hpp"

namespace anonfs::outbox_test {
namespace {

constexpr std::uint64_t kChunk = 5ull << 20;

// A sealed spool as a part source.
class SpoolSource final : public vfs::PartSource {
 public:
  SpoolSource(const std::filesystem::path& base, const crypto::DropKey& key,
              const std::string& content)
      : spool_(base, key, kChunk) {
    spool_.write(0, crypto::as_bytes(content));
    spool_.seal();
  }
  crypto::ChunkLayout layout() const override { return spool_.layout(); }
  crypto::DropIv file_iv() const override { return spool_.file_iv(); }
  void read_part(std::uint32_t index, crypto::Bytes& out) const override {
    spool_.read_part(index, out);
  }

 private:
  vfs::UploadSpool spool_;
};

class UploadEngineTest : public OutboxServerTest {
 protected:
  vfs::UploadOptions fast() const {
    vfs::UploadOptions o;
    o.base_delay = std::chrono::milliseconds(20);
    return o;
  }
  std::size_t incomplete_drops() {
    std::size_t n = 0;
    for (const auto& d : own_drops())
      n += d.uploadComplete ? 0 : 1;
    return n;
  }
};

TEST_F(UploadEngineTest, MultiChunkFolderDropWithOwnerKeyDecrypts) {
  const vfs::VaultOwner owner = vault_owner();
  vfs::UploadOptions options = fast();
  options.max_downloads = 5;
  vfs::UploadEngine engine(*client_, &owner, options);
  vfs::UploadJob job(crypto::DropKey::generate());
  job.title = "folder";
  const std::string big = random_content(2 * kChunk + 1234, 1);
  const std::string small = "small file\n";
  SpoolSource a(dir_->path() / "a", job.key, big);
  SpoolSource b(dir_->path() / "b", job.key, small);
  job.files.push_back({"sub/big.bin", "application/octet-stream", &a});
  job.files.push_back({"small.txt", "text/plain", &b});
  int checkpoints = 0;
  std::uint64_t sent = 0;
  const crypto::SecretBytes url = engine.run(
      job, [&](const vfs::UploadJob&) { ++checkpoints; }, [&](std::uint64_t n) { sent += n; });
  EXPECT_TRUE(job.finished);
  EXPECT_GE(checkpoints, 3 + 4 + 1);  // create (2), files (2), parts (4), finish
  EXPECT_EQ(sent, big.size() + 3 * 16 + small.size() + 16);

  const auto files = download(std::string(url.str()));
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files.at("sub/big.bin"), big);
  EXPECT_EQ(files.at("small.txt"), small);

  // The owner key is stored for the current vault generation and unwraps to the link's key.
  const auto stored = client_->drop_key(*job.drop_id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->vault_generation, vault_generation_);
  const crypto::DropKey unwrapped = crypto::unwrap_drop_owner_key(*vault_key_, stored->wrapped_key);
  EXPECT_TRUE(crypto::constant_time_equal(unwrapped.bytes(), job.key.bytes()));
  const auto meta = client_->drop_metadata(*job.drop_id);
  EXPECT_EQ(meta.maxDownloads, 5);
}

TEST_F(UploadEngineTest, InterruptedUploadResumesWithoutReuploadingDoneParts) {
  vfs::UploadEngine engine(*client_, nullptr, fast());
  vfs::UploadJob job(crypto::DropKey::generate());
  const std::string content = random_content(3 * kChunk, 2);
  SpoolSource source(dir_->path() / "f", job.key, content);
  job.files.push_back({"f.bin", "application/octet-stream", &source});
  std::stop_source stop;
  std::uint64_t parts = 0;
  EXPECT_THROW(engine.run(
                   job, [](const vfs::UploadJob&) {},
                   [&](std::uint64_t) {
                     if (++parts == 1) stop.request_stop();  // "kill" after the first part
                   },
                   stop.get_token()),
               vfs::VfsError);
  ASSERT_TRUE(job.drop_id);
  const auto done_before = job.files[0].etags.size();
  EXPECT_GE(done_before, 1u);
  EXPECT_LT(done_before, 3u);
  std::uint64_t resent = 0;
  const auto url = engine.run(
      job, [](const vfs::UploadJob&) {}, [&](std::uint64_t) { ++resent; });
  EXPECT_EQ(resent, 3 - done_before);
  EXPECT_EQ(download(std::string(url.str())).at("f.bin"), content);
  EXPECT_EQ(own_drops().size(), 1u);
  EXPECT_EQ(incomplete_drops(), 0u);
}

TEST_F(UploadEngineTest, UnconfirmedCreateIsFoundByItsIvAndDeleted) {
  vfs::UploadEngine engine(*client_, nullptr, fast());
  vfs::UploadJob job(crypto::DropKey::generate());
  SpoolSource source(dir_->path() / "f", job.key, "content");
  job.files.push_back({"f.txt", "text/plain", &source});
  // A create request reached the server, but the process died before recording its answer.
  wire::CreateDropRequest create;
  create.iv = crypto::format_drop_iv(job.drop_iv);
  create.fileCount = 1;
  const std::string orphan = client_->create_drop(create).drop_id;
  job.create_attempted = true;
  const auto url = engine.run(job, [](const vfs::UploadJob&) {}, {});
  EXPECT_NE(*job.drop_id, orphan);
  EXPECT_EQ(download(std::string(url.str())).at("f.txt"), "content");
  const auto drops = own_drops();
  ASSERT_EQ(drops.size(), 1u);
  EXPECT_EQ(drops[0].id, *job.drop_id);
}

TEST_F(UploadEngineTest, PermanentRefusalIsOneLineAndLeavesNothingBehind) {
  vfs::UploadOptions options = fast();
  options.expiry_days = 99;  // more than any plan allows
  vfs::UploadEngine engine(*client_, nullptr, options);
  vfs::UploadJob job(crypto::DropKey::generate());
  SpoolSource source(dir_->path() / "f", job.key, "content");
  job.files.push_back({"f.txt", "text/plain", &source});
  try {
    engine.run(job, [](const vfs::UploadJob&) {}, {});
    FAIL() << "expected a refusal";
  } catch (const vfs::UploadFailure& e) {
    EXPECT_TRUE(e.permanent());
    EXPECT_NE(std::string(e.what()).find("HTTP 4"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
  }
  EXPECT_EQ(own_drops().size(), 0u);
}

TEST_F(UploadEngineTest, PasswordDropLinkHasNoKey) {
  vfs::UploadEngine engine(*client_, nullptr, fast());
  vfs::UploadJob job(crypto::DropKey::generate());
  job.password = crypto::protect_drop_key(job.key, crypto::as_bytes("a long password 123"));
  SpoolSource source(dir_->path() / "f", job.key, "secret");
  job.files.push_back({"f.txt", "text/plain", &source});
  const auto url = engine.run(job, [](const vfs::UploadJob&) {}, {});
  const auto link = crypto::parse_anonli_drop_url(url.str());
  EXPECT_FALSE(link.key);
  EXPECT_TRUE(client_->drop_metadata(link.drop_id).customKey);
}

TEST_F(UploadEngineTest, LastingNetworkFailureKeepsTheDropForAResume) {
  api::ClientOptions no_retries;
  no_retries.retry = api::RetryPolicy::none();
  api::HttpClient http(no_retries);
  api::AnonliClient client(http, server_->url(), crypto::SecretBytes::from_string(api_key_));
  vfs::UploadOptions options = fast();
  options.max_attempts = 2;
  options.parts_in_flight = 1;
  vfs::UploadEngine engine(client, nullptr, options);
  vfs::UploadJob job(crypto::DropKey::generate());
  SpoolSource source(dir_->path() / "f", job.key, random_content(3 * kChunk, 6));
  job.files.push_back({"f.bin", "application/octet-stream", &source});
  int parts = 0;
  try {
    engine.run(job, {}, [&](std::uint64_t) {
      if (++parts == 1) server_->kill9();  // the service goes away mid-upload
    });
    FAIL() << "expected a failure";
  } catch (const vfs::UploadFailure& e) {
    EXPECT_FALSE(e.permanent()) << e.what();
  }
  // Nothing was thrown away: the next attempt resumes this drop.
  ASSERT_TRUE(job.drop_id);
  ASSERT_TRUE(job.files[0].file_id);
  EXPECT_EQ(job.files[0].etags.size(), 1u);
}

}  // namespace
}  // namespace anonfs::outbox_test
