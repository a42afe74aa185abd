// Reading drops through a real FUSE mount against the reference server: decrypted names and
// folders, byte-exact content through read/cp/pread at odd offsets/mmap, both nonce schemes,
// metadata without downloads, one download per drop, tampered chunks, concurrency, deletion.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <thread>

#include "anonfs/crypto/base64.hpp"
#include "anonfs/crypto/random.hpp"
#include "mount_fixture.hpp"

namespace anonfs::mount_test {
namespace {

using server::test::run_process;

constexpr std::size_t kChunk = 5u << 20;  // smallest legal multi-chunk chunk size

std::string pread_range(const std::filesystem::path& path, off_t offset, std::size_t length,
                        int* error = nullptr) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) throw std::runtime_error("open " + path.string() + ": " + std::strerror(errno));
  std::string out(length, '\0');
  std::size_t done = 0;
  while (done < length) {
    const ssize_t n = ::pread(fd, out.data() + done, length - done, offset + done);
    if (n < 0) {
      if (error) *error = errno;
      ::close(fd);
      return {};
    }
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  out.resize(done);
  if (error) *error = 0;
  return out;
}

std::optional<std::string> xattr(const std::filesystem::path& path, const char* name) {
  char buf[4096];
  const ssize_t n = ::getxattr(path.c_str(), name, buf, sizeof buf);
  if (n < 0) return std::nullopt;
  return std::string(buf, static_cast<std::size_t>(n));
}

TEST_F(MountTest, ShowsDecryptedNamesAndReadsBothNonceSchemes) {
  const std::string big = pattern(2 * kChunk + 12345, 1);  // three chunks
  const std::string notes = "meeting notes\n";
  const std::string deep = pattern(4321, 2);
  UploadSpec a;
  a.scheme = "x";
  a.title = "Quarterly report";
  a.files = {{"report.bin", big}, {"docs/notes.txt", notes}};
  const auto drop_a = upload(a);
  UploadSpec b;
  b.scheme = "l";
  b.files = {{"a/b/c.bin", deep}, {"../escape.txt", "x"}};
  const auto drop_b = upload(b);

  mount();
  const auto dir_a = drop_dir("Quarterly report", drop_a.id);
  const auto dir_b = drop_dir("", drop_b.id);
  ASSERT_TRUE(std::filesystem::is_directory(dir_a)) << anonfs_log();
  ASSERT_TRUE(std::filesystem::is_directory(dir_b));

  EXPECT_EQ(std::filesystem::file_size(dir_a / "report.bin"), big.size());
  EXPECT_TRUE(read_all(dir_a / "report.bin") == big);
  EXPECT_EQ(read_all(dir_a / "docs" / "notes.txt"), notes);
  EXPECT_TRUE(read_all(dir_b / "a" / "b" / "c.bin") == deep);
  // "../escape.txt" stays inside its drop folder: ".." becomes "_".
  EXPECT_EQ(read_all(dir_b / "_" / "escape.txt"), "x");
  EXPECT_FALSE(std::filesystem::exists(mnt() / "drops" / "escape.txt"));

  // cp, odd offsets across chunk boundaries, mmap.
  const auto copy = dir_->path() / "copy.bin";
  ASSERT_EQ(run_process({"cp", (dir_a / "report.bin").string(), copy.string()}).exit_code, 0);
  EXPECT_TRUE(read_all(copy) == big);
  for (off_t offset : {off_t{1}, off_t(kChunk - 7), off_t(2 * kChunk - 1), off_t(big.size() - 3)}) {
    EXPECT_TRUE(pread_range(dir_a / "report.bin", offset, 10007) ==
                big.substr(static_cast<std::size_t>(offset), 10007))
        << "offset " << offset;
  }
  {
    const int fd = ::open((dir_a / "report.bin").c_str(), O_RDONLY);
    ASSERT_GE(fd, 0);
    void* map = ::mmap(nullptr, big.size(), PROT_READ, MAP_PRIVATE, fd, 0);
    ASSERT_NE(map, MAP_FAILED);
    EXPECT_EQ(std::memcmp(map, big.data(), big.size()), 0);
    ::munmap(map, big.size());
    ::close(fd);
  }
  // Reading everything of a drop consumed exactly one download.
  EXPECT_EQ(downloads_of(drop_a.id), 1);
  EXPECT_EQ(downloads_of(drop_b.id), 1);
}

TEST_F(MountTest, MetadataOperationsConsumeNoDownloads) {
  UploadSpec spec;
  spec.title = "scan me";
  spec.files = {{"one.txt", "1"}, {"sub/two.txt", "22"}};
  const auto d1 = upload(spec);
  spec.title.clear();
  spec.scheme = "l";
  const auto d2 = upload(spec);
  mount();

  EXPECT_EQ(run_process({"ls", "-lR", mnt().string()}).exit_code, 0);
  const auto found = run_process({"find", mnt().string(), "-type", "f"});
  EXPECT_EQ(found.exit_code, 0);
  EXPECT_NE(found.out.find("sub/two.txt"), std::string::npos) << found.out;
  struct stat st {};
  const auto dir1 = drop_dir("scan me", d1.id);
  ASSERT_EQ(::stat((dir1 / "sub" / "two.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 2);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(xattr(dir1, "user.anonfs.id"), d1.id);
  EXPECT_EQ(xattr(dir1, "user.anonfs.downloads"), "0");
  const auto link = xattr(dir1, "user.anonfs.link");
  ASSERT_TRUE(link.has_value());
  EXPECT_EQ(*link, server_->url() + "/d/" + d1.id + "#" + d1.key);
  EXPECT_FALSE(xattr(dir1, "user.anonfs.max_downloads").has_value());
  char names[1024];
  EXPECT_GT(::listxattr(dir1.c_str(), names, sizeof names), 0);

  EXPECT_EQ(downloads_of(d1.id), 0);
  EXPECT_EQ(downloads_of(d2.id), 0);

  // Finished drops' metadata is kept on disk as the server's ciphertext JSON (0600), never
  // with a decrypted name; a damaged entry is ignored on the next mount.
  std::vector<std::filesystem::path> cached;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir_->path() / "xdg-cache")) {
    if (e.is_regular_file()) cached.push_back(e.path());
  }
  ASSERT_EQ(cached.size(), 2u);
  for (const auto& path : cached) {
    struct stat cst {};
    ASSERT_EQ(::stat(path.c_str(), &cst), 0);
    EXPECT_EQ(cst.st_mode & 0777, 0600u);
    const std::string text = read_all(path);
    EXPECT_EQ(text.find("two.txt"), std::string::npos);
    EXPECT_EQ(text.find("scan me"), std::string::npos);
    std::ofstream(path) << "{ damaged";
  }
  unmount();
  mount();
  EXPECT_EQ(read_all(drop_dir("scan me", d1.id) / "sub" / "two.txt"), "22");
}

TEST_F(MountTest, FileManagerScanOfLimitedDropConsumesOneDownload) {
  UploadSpec spec;
  spec.max_downloads = 2;
  spec.files = {
      {"a.bin", pattern(9000, 3)}, {"b.bin", pattern(100, 4)}, {"c/d.bin", pattern(5000, 5)}};
  const auto drop = upload(spec);
  mount();
  const auto dir = drop_dir("", drop.id);
  for (const auto& [name, content] : spec.files) {
    EXPECT_TRUE(pread_range(dir / name, 0, 4096) == content.substr(0, 4096)) << name;
  }
  EXPECT_EQ(downloads_of(drop.id), 1);
  EXPECT_EQ(xattr(dir, "user.anonfs.max_downloads"), "2");
}

TEST_F(MountTest, LastDownloadIsKeptUnlessAllowed) {
  UploadSpec spec;
  spec.max_downloads = 2;
  spec.files = {{"a.bin", pattern(3000, 6)}};
  const auto drop = upload(spec);
  sql("UPDATE drops SET downloads = 1 WHERE id = '" + drop.id + "'");
  mount();
  const auto file = drop_dir("", drop.id) / "a.bin";
  ASSERT_TRUE(std::filesystem::exists(file)) << anonfs_log();  // listing consumes nothing
  int error = 0;
  pread_range(file, 0, 100, &error);
  EXPECT_EQ(error, EACCES) << anonfs_log();
  EXPECT_EQ(downloads_of(drop.id), 1);
  EXPECT_NE(anonfs_log().find("-o allow_last_download"), std::string::npos) << anonfs_log();
  unmount();

  mount({"-o", "allow_last_download"});
  EXPECT_TRUE(pread_range(drop_dir("", drop.id) / "a.bin", 0, 3000) == spec.files.at("a.bin"));
  EXPECT_EQ(downloads_of(drop.id), 2);
}

TEST_F(MountTest, TamperedChunkGivesEioOnlyForItsRange) {
  const std::string big = pattern(2 * kChunk + 999, 6);
  UploadSpec spec;
  spec.files = {{"big.bin", big}};
  const auto drop = upload(spec);
  // Flip one byte inside chunk 1 of the stored object (DATA/objects/<ab>/<fileId>/part-00002).
  const std::string file_id = drop.files.at("big.bin");
  std::filesystem::path blob;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir_->path() / "server")) {
    if (e.is_regular_file() && e.path().filename() == "part-00002" &&
        e.path().parent_path().filename() == file_id) {
      blob = e.path();
    }
  }
  ASSERT_FALSE(blob.empty());
  {
    std::fstream f(blob, std::ios::in | std::ios::out | std::ios::binary);
    const std::streamoff at = 1000;
    f.seekg(at);
    char c = 0;
    f.read(&c, 1);
    c = static_cast<char>(c ^ 0x01);
    f.seekp(at);
    f.write(&c, 1);
  }
  mount();
  const auto file = drop_dir("", drop.id) / "big.bin";
  int error = 0;
  EXPECT_TRUE(pread_range(file, 100, 5000, &error) == big.substr(100, 5000));
  EXPECT_EQ(error, 0);
  pread_range(file, static_cast<off_t>(kChunk + 10), 100, &error);
  EXPECT_EQ(error, EIO);
  EXPECT_TRUE(pread_range(file, static_cast<off_t>(2 * kChunk), 999, &error) ==
              big.substr(2 * kChunk, 999));
  EXPECT_EQ(error, 0);
  EXPECT_NE(anonfs_log().find("chunk 1"), std::string::npos) << anonfs_log();
}

TEST_F(MountTest, ConcurrentReadersGetCorrectData) {
  const std::string big = pattern(3 * kChunk + 77, 7);
  const std::string other = pattern(kChunk + 5, 8);
  UploadSpec spec;
  spec.files = {{"big.bin", big}, {"other.bin", other}};
  const auto drop = upload(spec);
  mount();
  const auto dir = drop_dir("", drop.id);
  std::vector<std::thread> readers;
  std::atomic<int> good{0};
  for (int i = 0; i < 8; ++i) {
    readers.emplace_back([&, i] {
      const bool first = i % 2 == 0;
      const std::string& expected = first ? big : other;
      if (read_all(dir / (first ? "big.bin" : "other.bin")) == expected) ++good;
    });
  }
  for (auto& t : readers)
    t.join();
  EXPECT_EQ(good.load(), 8);
  EXPECT_EQ(downloads_of(drop.id), 1);
}

TEST_F(MountTest, RmRecursiveDeletesTheDropAndReadOnlyRefuses) {
  UploadSpec spec;
  spec.title = "to delete";
  spec.files = {{"x/y.txt", "y"}, {"z.txt", "z"}};
  const auto gone = upload(spec);
  spec.title = "kept";
  const auto kept = upload(spec);
  mount();
  const auto dir = drop_dir("to delete", gone.id);
  ASSERT_TRUE(std::filesystem::exists(dir / "x" / "y.txt"));
  const auto rm = run_process({"rm", "-rf", dir.string()});
  EXPECT_EQ(rm.exit_code, 0) << rm.out;
  EXPECT_FALSE(std::filesystem::exists(dir));
  EXPECT_EQ(server::test::http_get(server_->url() + "/api/v1/drop/" + gone.id).status, 404);
  // Removing one file of a drop cannot delete that file on the server: the drop folder stays.
  EXPECT_EQ(::rmdir(drop_dir("kept", kept.id).c_str()), -1);
  EXPECT_EQ(errno, ENOTEMPTY);
  unmount();

  mount({"-o", "ro"});
  const auto kept_dir = drop_dir("kept", kept.id);
  EXPECT_EQ(::unlink((kept_dir / "z.txt").c_str()), -1);
  EXPECT_EQ(errno, EROFS);
  EXPECT_EQ(::open((kept_dir / "z.txt").c_str(), O_WRONLY), -1);
  EXPECT_EQ(errno, EROFS);
  EXPECT_EQ(read_all(kept_dir / "z.txt"), "z");
}

TEST_F(MountTest, LockedDropsAndWrongPasswords) {
  UploadSpec spec;
  spec.title = "secret title";
  spec.files = {{"f.txt", "f"}};
  spec.store_owner_key = false;
  const auto locked = upload(spec);
  mount();
  const auto dir = drop_dir("", locked.id);
  ASSERT_TRUE(std::filesystem::is_directory(dir)) << anonfs_log();
  const std::string readme = read_all(dir / "README.locked");
  EXPECT_NE(readme.find(locked.id), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir / "f.txt"));
  EXPECT_EQ(::open((mnt() / "drops" / "nothing here").c_str(), O_RDONLY), -1);
  EXPECT_EQ(errno, ENOENT);
  unmount();

  std::ofstream(dir_->path() / "wrong-password") << "not the password\n";
  const auto [code, out] = mount_expecting_failure(
      {"-f", "--vault-password-file", (dir_->path() / "wrong-password").string()});
  EXPECT_EQ(code, 1);
  EXPECT_NE(out.find("wrong vault password"), std::string::npos) << out;
}

TEST_F(MountTest, ExpiredDisabledAndDeletedDropsAreRefused) {
  UploadSpec spec;
  spec.files = {{"f.txt", "f"}};
  const auto disabled = upload(spec);
  const auto expired = upload(spec);
  const auto deleted = upload(spec);
  mount();
  // The folder of a drop that is later deleted is listed first (no download consumed).
  const auto deleted_dir = drop_dir("", deleted.id);
  ASSERT_TRUE(std::filesystem::exists(deleted_dir / "f.txt")) << anonfs_log();

  // Disabled and expired before their folders are opened: listing them is refused (403).
  const auto toggle = server::test::http_json(
      "PATCH", server_->url() + "/api/v1/drop/" + disabled.id + "?action=toggle",
      nlohmann::json::object(), api_key_);
  ASSERT_EQ(toggle.status, 200) << toggle.body;
  sql("UPDATE drops SET expires_at = 1000 WHERE id = '" + expired.id + "'");
  for (const auto& id : {disabled.id, expired.id}) {
    std::error_code ec;
    std::filesystem::directory_iterator it(drop_dir("", id), ec);
    EXPECT_EQ(ec.value(), EACCES) << id << ": " << ec.message() << "\n" << anonfs_log();
  }
  // Deleted after listing: reading its file fails with ENOENT, not garbage.
  const auto del = server::test::http({"DELETE",
                                       server_->url() + "/api/v1/drop/" + deleted.id,
                                       std::nullopt,
                                       {server::test::bearer(api_key_)}});
  ASSERT_EQ(del.status, 200) << del.body;
  int error = 0;
  pread_range(deleted_dir / "f.txt", 0, 1, &error);
  EXPECT_EQ(error, ENOENT) << anonfs_log();
}

TEST_F(MountTest, OpenShareLinkUnderLinks) {
  UploadSpec spec;
  spec.store_owner_key = false;  // someone else's drop: only the link opens it
  spec.files = {{"shared/doc.txt", "from a link"}};
  const auto drop = upload(spec);
  mount();
  const std::string anonfs = std::getenv("ANONFS_BIN");
  const std::string url = server_->url() + "/d/" + drop.id + "#" + drop.key;

  // A wrong key fails at open time, with nothing added to links/.
  const std::string wrong_key = crypto::base64url_encode(crypto::random_bytes(32));
  const auto wrong =
      run_process({"/bin/sh", "-c", "exec \"$0\" \"$@\" 2>&1", anonfs, "open",
                   server_->url() + "/d/" + drop.id + "#" + wrong_key, "--mount", mnt().string()});
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.out.find("does not open"), std::string::npos) << wrong.out;
  EXPECT_FALSE(std::filesystem::exists(mnt() / "links" / drop.id));
  const auto bad = run_process({"/bin/sh", "-c", "exec \"$0\" \"$@\" 2>&1", anonfs, "open",
                                "https://example.com/not-a-link", "--mount", mnt().string()});
  EXPECT_EQ(bad.exit_code, 1) << bad.out;

  const auto opened = run_process({anonfs, "open", url, "--mount", mnt().string()});
  ASSERT_EQ(opened.exit_code, 0) << opened.out << anonfs_log();
  EXPECT_EQ(opened.out, (mnt() / "links" / drop.id).string() + "\n");
  EXPECT_EQ(read_all(mnt() / "links" / drop.id / "shared" / "doc.txt"), "from a link");
  EXPECT_EQ(xattr(mnt() / "links" / drop.id, "user.anonfs.link"), url);
  EXPECT_EQ(downloads_of(drop.id), 1);
}

TEST_F(MountTest, OpenPasswordDropWithPasswordFile) {
  const std::string id = upload_password_drop("memo.txt", "password protected", "open sesame 123");
  mount();
  const std::string anonfs = std::getenv("ANONFS_BIN");
  const std::string url = server_->url() + "/d/" + id;
  std::ofstream(dir_->path() / "drop-wrong") << "not it\n";
  std::ofstream(dir_->path() / "drop-right") << "open sesame 123\n";

  const auto wrong = run_process({"/bin/sh", "-c", "exec \"$0\" \"$@\" 2>&1", anonfs, "open", url,
                                  "--password-file", (dir_->path() / "drop-wrong").string(),
                                  "--mount", mnt().string()});
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.out.find("wrong password"), std::string::npos) << wrong.out;
  EXPECT_FALSE(std::filesystem::exists(mnt() / "links" / id));

  const auto right =
      run_process({anonfs, "open", url, "--password-file", (dir_->path() / "drop-right").string(),
                   "--mount", mnt().string()});
  ASSERT_EQ(right.exit_code, 0) << right.out << anonfs_log();
  EXPECT_EQ(read_all(mnt() / "links" / id / "memo.txt"), "password protected");
}

}  // namespace
}  // namespace anonfs::mount_test
