// OutboxTree driven through its Subtree interface (no mount) against the real reference server:
// files and folders become drops, temporary names wait for their rename, empty files get
// NAME.error, fsync waits for the upload, a restart resumes from the journal, and the spool holds
// no plaintext.
#include "anonfs/vfs/outbox_tree.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "anonfs/vfs/vfs_error.hpp"
#include "outbox_fixture.hpp"

namespace anonfs::outbox_test {
namespace {

using vfs::kSubtreeRoot;
using vfs::NodeId;
using vfs::OutboxTree;

constexpr auto kWait = std::chrono::seconds(60);

class OutboxTreeTest : public OutboxServerTest {
 protected:
  std::shared_ptr<OutboxTree> make(bool lazy = false,
                                   std::chrono::milliseconds settle = std::chrono::milliseconds(50),
                                   int max_attempts = 6) {
    vfs::OutboxOptions o;
    o.spool_dir = dir_->path() / "spool";
    o.settle = settle;
    o.chunk_size = 5ull << 20;
    o.lazy_upload = lazy;
    vfs::UploadOptions u;
    u.base_delay = std::chrono::milliseconds(20);
    u.max_attempts = max_attempts;
    return std::make_shared<OutboxTree>(*client_, vault_owner(),
                                        vfs::UploadJournal::derive_key(vault_key_->bytes()), u, o);
  }
  // cp: create, write in 128 KiB pieces, close.
  NodeId put(OutboxTree& t, NodeId dir, const std::string& name, const std::string& content) {
    auto [info, file] = t.create(dir, name, 0644, {true, true, false, false});
    for (std::size_t off = 0; off < content.size(); off += 131072) {
      const std::size_t n = std::min<std::size_t>(131072, content.size() - off);
      t.write(file.handle, off, crypto::as_bytes(std::string_view(content).substr(off, n)));
    }
    t.release(file.handle);
    return info.id;
  }
  std::string link_of(OutboxTree& t, const std::string& file_name) {
    for (const auto& l : t.sent_links()) {
      if (l.file_name == file_name) {
        std::string s = t.sent_link_text(l.record_id).value();
        s.pop_back();
        return s;
      }
    }
    ADD_FAILURE() << "no sent/" << file_name;
    return {};
  }
  std::string grep_dir(const std::filesystem::path& dir, const std::string& needle) {
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
      if (!e.is_regular_file()) continue;
      std::ifstream in(e.path(), std::ios::binary);
      std::stringstream s;
      s << in.rdbuf();
      if (s.str().find(needle) != std::string::npos) return e.path().string();
    }
    return {};
  }
};

TEST_F(OutboxTreeTest, FileBecomesADropAndLeavesTheOutbox) {
  auto t = make();
  const std::string marker = "PLAINTEXT-MARKER-7f3a9c";
  std::string content = random_content(12 << 20, 3);
  content.replace(1000, marker.size(), marker);
  content.replace(7 << 20, marker.size(), marker);
  put(*t, kSubtreeRoot, "report.bin", content);
  // While collecting, the spool holds ciphertext only.
  EXPECT_EQ(grep_dir(dir_->path() / "spool", marker), "");
  ASSERT_TRUE(t->wait_idle(kWait)) << t->status_text();
  EXPECT_TRUE(t->readdir(kSubtreeRoot).empty());
  EXPECT_EQ(download(link_of(*t, "report.bin.link")).at("report.bin"), content);
  EXPECT_EQ(grep_dir(dir_->path() / "spool", marker), "");
  EXPECT_NE(t->status_text().find("\"done\""), std::string::npos);
  // The drop carries an owner key (it appears under drops/).
  const auto drops = own_drops();
  ASSERT_EQ(drops.size(), 1u);
  EXPECT_TRUE(client_->drop_key(drops[0].id));
}

TEST_F(OutboxTreeTest, EmptyFileGetsAnErrorSidecarAndStays) {
  auto t = make();
  put(*t, kSubtreeRoot, "empty.txt", "");
  ASSERT_TRUE(t->wait_idle(kWait));
  const auto info = t->lookup(kSubtreeRoot, "empty.txt.error");
  const auto opened = t->open(info.id, {});
  std::string text(info.size, '\0');
  t->read(opened.handle, 0, {reinterpret_cast<std::uint8_t*>(text.data()), text.size()});
  t->release(opened.handle);
  EXPECT_NE(text.find("empty"), std::string::npos) << text;
  EXPECT_EQ(text.back(), '\n');
  EXPECT_NO_THROW(t->lookup(kSubtreeRoot, "empty.txt"));
  EXPECT_NE(t->status_text().find("failed"), std::string::npos);
  EXPECT_TRUE(own_drops().empty());
  // Removing the item removes its error too.
  t->unlink(kSubtreeRoot, "empty.txt");
  EXPECT_THROW(t->lookup(kSubtreeRoot, "empty.txt.error"), vfs::VfsError);
}

TEST_F(OutboxTreeTest, FolderWithSubfoldersAndTemporaryNamesIsOneDrop) {
  auto t = make();
  // Built under a temporary name (as `mv` from a staging name would), so that a slow test
  // machine cannot see it settle half-copied; the rename completes it.
  const NodeId dir = t->mkdir(kSubtreeRoot, ".photos.tmp", 0755).id;
  const NodeId sub = t->mkdir(dir, "2024", 0755).id;
  put(*t, dir, "a.txt", "first");
  put(*t, sub, ".b.txt.Xy12Zq", "second");               // rsync's temporary name...
  t->rename(sub, ".b.txt.Xy12Zq", sub, "b.txt", false);  // ...renamed into place
  put(*t, dir, "notes.txt.swp", "editor swap");          // never uploaded
  t->rename(kSubtreeRoot, ".photos.tmp", kSubtreeRoot, "photos", false);
  ASSERT_TRUE(t->wait_idle(kWait)) << t->status_text();
  const auto files = download(link_of(*t, "photos.link"));
  EXPECT_EQ(files,
            (std::map<std::string, std::string>{{"a.txt", "first"}, {"2024/b.txt", "second"}}));
}

TEST_F(OutboxTreeTest, EditorSaveUploadsOnlyAfterTheRename) {
  auto t = make(false, std::chrono::milliseconds(0));
  put(*t, kSubtreeRoot, ".x.swp", "draft");
  EXPECT_FALSE(t->wait_idle(std::chrono::milliseconds(300)) && !t->sent_links().empty());
  EXPECT_TRUE(t->sent_links().empty());
  t->rename(kSubtreeRoot, ".x.swp", kSubtreeRoot, "x", false);
  ASSERT_TRUE(t->wait_idle(kWait));
  EXPECT_EQ(download(link_of(*t, "x.link")).at("x"), "draft");
}

TEST_F(OutboxTreeTest, OutOfOrderWritesAndFsyncWaitsForTheUpload) {
  auto t = make(false, std::chrono::hours(1));  // only fsync can start this upload
  const std::string content = random_content(11 << 20, 4);
  auto [info, file] = t->create(kSubtreeRoot, "dd.img", 0644, {true, true, false, false});
  const std::size_t half = 6 << 20;
  t->write(file.handle, half, crypto::as_bytes(std::string_view(content).substr(half)));
  t->write(file.handle, 0, crypto::as_bytes(std::string_view(content).substr(0, half)));
  t->fsync(file.handle);  // returns once uploaded
  EXPECT_EQ(t->sent_links().size(), 1u);
  t->release(file.handle);
  EXPECT_EQ(download(link_of(*t, "dd.img.link")).at("dd.img"), content);
}

TEST_F(OutboxTreeTest, RestartResumesFromTheJournal) {
  const std::string content = random_content(6 << 20, 5);
  {
    auto t = make(true, std::chrono::hours(1));  // never settles; lazy: left for the next mount
    put(*t, kSubtreeRoot, "later.bin", content);
    t->shutdown();
    EXPECT_TRUE(t->sent_links().empty());
  }
  auto t = make();
  ASSERT_TRUE(t->wait_idle(kWait)) << t->status_text();
  EXPECT_EQ(download(link_of(*t, "later.bin.link")).at("later.bin"), content);
  // sent/ survives another restart (the link is in the journal, sealed).
  t->shutdown();
  t.reset();
  auto again = make();
  EXPECT_EQ(again->sent_links().size(), 1u);
  EXPECT_EQ(grep_dir(dir_->path() / "spool", "later.bin"), "");
}

// close(2) is FLUSH (waited for) then RELEASE (not waited for): a daemon killed in between must
// still upload a file whose cp succeeded (found by tools/soak's kill -9 while writers copy).
TEST_F(OutboxTreeTest, FileClosedButNotYetReleasedSurvivesACrash) {
  const std::string content = random_content(300000, 9);
  {
    auto t = make(true, std::chrono::hours(1));
    auto [info, file] = t->create(kSubtreeRoot, "closed.bin", 0644, {true, true, false, false});
    t->write(file.handle, 0, crypto::as_bytes(content));
    t->flush(file.handle);  // cp's close() returned; the release never arrives (kill -9)
    t->shutdown();
  }
  auto t = make();
  ASSERT_TRUE(t->wait_idle(kWait)) << t->status_text();
  EXPECT_EQ(download(link_of(*t, "closed.bin.link")).at("closed.bin"), content);
}

TEST_F(OutboxTreeTest, WritesToAnItemBeingUploadedAreBusy) {
  auto t = make(false, std::chrono::hours(1));
  auto [info, file] = t->create(kSubtreeRoot, "busy.bin", 0644, {true, true, false, false});
  t->write(file.handle, 0, crypto::as_bytes(std::string_view("data")));
  t->fsync(file.handle);
  // Uploaded and gone from outbox/: the node no longer exists.
  EXPECT_THROW(t->getattr(info.id), vfs::VfsError);
  t->release(file.handle);
}

TEST_F(OutboxTreeTest, NetworkOutageKeepsTheItemForARetry) {
  auto t = make(false, std::chrono::milliseconds(50), 1);
  server_->kill9();  // the service is unreachable
  const NodeId id = put(*t, kSubtreeRoot, "later.txt", "waits for the network");
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (t->status_text().find("\"retrying\"") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const std::string status = t->status_text();
  EXPECT_NE(status.find("\"retrying\""), std::string::npos) << status;
  EXPECT_NE(status.find("\"error\""), std::string::npos) << status;
  // Not failed: no NAME.error, the file stays, and it cannot change under the pending upload.
  EXPECT_THROW(t->lookup(kSubtreeRoot, "later.txt.error"), vfs::VfsError);
  try {
    t->open(id, {true, true, false, false});
    FAIL() << "opened a file waiting for its upload for writing";
  } catch (const vfs::VfsError& e) {
    EXPECT_EQ(e.code(), vfs::VfsErrc::kBusy);
  }
  EXPECT_EQ(t->pending(), 1u);
}

// A crash right after `rm` of an item whose upload had started leaves an "abandoned" journal
// record: the next mount deletes its unfinished drop (known by id, or found by its drop IV when
// the create was never confirmed), then forgets the record.
TEST_F(OutboxTreeTest, AbandonedRecordsDeleteTheirDropsOnTheNextMount) {
  vfs::UploadJournal journal(dir_->path() / "spool" / "journal",
                             vfs::UploadJournal::derive_key(vault_key_->bytes()));
  for (const bool confirmed : {true, false}) {
    const crypto::DropKey key = crypto::DropKey::generate();
    const crypto::DropIv iv = crypto::generate_drop_iv();
    wire::CreateDropRequest request;
    request.iv = crypto::format_drop_iv(iv);
    request.fileCount = 1;
    const std::string id = client_->create_drop(request).drop_id;
    vfs::JournalRecord r;
    r.id = vfs::UploadJournal::new_id();
    r.abandoned = true;
    r.state = vfs::ItemState::kFailed;
    r.drop_key = crypto::SecretBytes(key.bytes());
    r.drop_iv = iv;
    r.create_attempted = true;
    if (confirmed) r.drop_id = id;
    journal.save(r);
  }
  ASSERT_EQ(own_drops().size(), 2u);
  auto t = make();
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while ((!own_drops().empty() || !journal.load_all().empty()) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(own_drops().empty());
  EXPECT_TRUE(journal.load_all().empty());
  EXPECT_TRUE(t->sent_links().empty());
  EXPECT_EQ(t->pending(), 0u);
}

TEST(TemporaryNames, MatchEditorsRsyncAndBrowsers) {
  for (const char* n :
       {".x.swp", "x.swp", "a~", ".a.txt.X1b2C3", "f.part", "f.crdownload", "#x#", ".hidden"}) {
    EXPECT_TRUE(vfs::is_temporary_name(n)) << n;
  }
  for (const char* n : {"report.pdf", "x", "a.txt", "photo.jpg"}) {
    EXPECT_FALSE(vfs::is_temporary_name(n)) << n;
  }
}

}  // namespace
}  // namespace anonfs::outbox_test
