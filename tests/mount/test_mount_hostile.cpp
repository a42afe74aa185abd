// A real FUSE mount against a hostile server (issue #8): `anonfs-server --hostile KIND` lies in
// drop metadata and object downloads, and names the client decrypts (encrypted with the drop key,
// as only the uploader could make them) are planted in the server's database. In every case the
// daemon stays up (the root still lists), its peak RSS stays bounded, names never escape their
// folder, and lying files end in EIO rather than wrong bytes or a hang.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <iostream>
#include <set>

#include "anonfs/crypto/aes_gcm.hpp"
#include "anonfs/crypto/base64.hpp"
#include "anonfs/crypto/drop_codec.hpp"
#include "anonfs/crypto/drop_nonce.hpp"
#include "mount_fixture.hpp"

namespace anonfs::mount_test {
namespace {

constexpr long kMaxRssKib = 512 * 1024;

// read(2) of the whole file; returns errno (0 on success) and the bytes read.
std::pair<int, std::string> try_read(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return {errno, {}};
  std::string out;
  char buffer[65536];
  int error = 0;
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      error = errno;
      break;
    }
    if (n == 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return {error, out};
}

// encrypt_name without its limits (1520 bytes, valid UTF-8): a hostile uploader's name, sealed as
// the client expects (scheme "l", name domain), that the client's decoder still accepts.
std::string encrypt_any_name(const crypto::DropKey& key, const crypto::DropIv& iv,
                             const std::string& name) {
  const auto nonce = crypto::derive_nonce(iv, crypto::kNameDomain, crypto::NonceScheme::kL);
  crypto::Bytes out(name.size() + 16);
  crypto::gcm_encrypt(key.bytes(), nonce, {}, crypto::as_bytes(name), out);
  return crypto::base64url_encode(out);
}

class HostileMountTest : public MountTest {
 protected:
  explicit HostileMountTest(std::string kinds = "") : kinds_(std::move(kinds)) {}
  std::vector<std::string> server_args() const override {
    if (kinds_.empty()) return {};
    return {"--hostile", kinds_};
  }

  // VmHWM of the daemon (`env` execs anonfs, so the child's pid is the daemon's), in KiB.
  long daemon_peak_rss_kib() const {
    std::ifstream in("/proc/" + std::to_string(mount_pid_) + "/status");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
    }
    return -1;
  }

  // The daemon is alive, the root lists, and its peak RSS is bounded.
  void expect_daemon_healthy() {
    std::set<std::string> root;
    for (const auto& e : std::filesystem::directory_iterator(mnt()))
      root.insert(e.path().filename().string());
    EXPECT_TRUE(root.contains("drops")) << anonfs_log();
    const long rss = daemon_peak_rss_kib();
    ASSERT_GT(rss, 0) << "daemon gone?\n" << anonfs_log();
    EXPECT_LT(rss, kMaxRssKib);
    std::cout << "[ figures  ] hostile " << (kinds_.empty() ? "names" : kinds_)
              << ": daemon peak RSS " << rss / 1024 << " MiB\n";
  }

  std::string kinds_;
};

// ---- names ----------------------------------------------------------------------------------

class HostileNamesTest : public HostileMountTest {};

TEST_F(HostileNamesTest, DecryptedNamesNeverEscapeAndAllFilesStayReadable) {
  const std::vector<std::string> hostile = {
      "../../escape.txt",
      "/etc/passwd",
      "sub/../../../up.txt",
      "..",
      ".",
      std::string("nul\0inside.txt", 14),
      "ctl\x01\x1b[31m\x7f.txt",
      std::string(10'000, 'n'),
      [] {
        std::string s;
        for (int i = 0; i < 2500; ++i)
          s += "\xf0\x9f\x98\x80";  // 10 kB of 4-byte code points
        return s;
      }(),
      "same.txt",
      "same.txt",
      "back\\slash\\..\\x",
      "invalid \xff\xfe utf-8.txt",  // last: the only one skipped
  };
  UploadSpec spec;
  spec.title = "hostile names";
  for (std::size_t i = 0; i < hostile.size(); ++i)
    spec.files["f" + std::to_string(i)] = "content of file " + std::to_string(i);
  const auto drop = upload(spec);

  // Plant the hostile names, encrypted with the drop key under each file's own IV.
  const auto key = crypto::DropKey::parse(drop.key);
  for (std::size_t i = 0; i < hostile.size(); ++i) {
    const auto& id = drop.files.at("f" + std::to_string(i));
    const auto iv = crypto::parse_drop_iv(sql("SELECT iv FROM drop_files WHERE id = '" + id + "'"));
    const auto name = encrypt_any_name(key, iv, hostile[i]);
    sql("UPDATE drop_files SET encrypted_name = '" + name + "' WHERE id = '" + id + "'");
  }
  mount();
  const auto dir = drop_dir("hostile names", drop.id);
  const auto root = std::filesystem::canonical(dir);

  std::set<std::string> contents;
  std::set<std::string> file_names;
  std::size_t files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    SCOPED_TRACE(e.path().string());
    EXPECT_FALSE(name.empty());
    EXPECT_NE(name, ".");
    EXPECT_NE(name, "..");
    EXPECT_LE(name.size(), 255u);
    for (unsigned char c : name) {
      EXPECT_TRUE(c >= 0x20 && c != 0x7f && c != '\\') << static_cast<int>(c);
    }
    const auto canonical = std::filesystem::canonical(e.path());
    EXPECT_EQ(canonical.string().rfind(root.string() + "/", 0), 0u) << canonical;
    if (!e.is_regular_file()) continue;
    ++files;
    file_names.insert(name);
    const auto [error, bytes] = try_read(e.path());  // opening needs a name the kernel accepts
    EXPECT_EQ(error, 0);
    contents.insert(bytes);
  }
  // Every file is shown once (duplicates numbered) and reads its own content, except the name that
  // is not UTF-8: the decoder refuses it, and that file is skipped with a warning.
  EXPECT_EQ(files, hostile.size() - 1);
  EXPECT_EQ(contents.size(), hostile.size() - 1);
  EXPECT_NE(anonfs_log().find("undecodable name"), std::string::npos) << anonfs_log();
  EXPECT_TRUE(std::filesystem::exists(dir / "same.txt"));
  EXPECT_TRUE(std::filesystem::exists(dir / "same (2).txt"));
  for (const char* inside : {"escape.txt", "passwd", "up.txt", "nul_inside.txt"})
    EXPECT_TRUE(file_names.contains(inside)) << inside;
  EXPECT_FALSE(std::filesystem::exists(dir.parent_path() / "escape.txt"));
  EXPECT_FALSE(std::filesystem::exists(mnt() / "escape.txt"));
  expect_daemon_healthy();
}

// ---- metadata lies --------------------------------------------------------------------------

class HostileSizesTest : public HostileMountTest {
 protected:
  HostileSizesTest() : HostileMountTest("sizes") {}
};

TEST_F(HostileSizesTest, ImpossibleSizesAndChunkCountsAreSkipped) {
  UploadSpec spec;
  spec.title = "sizes";
  spec.files = {{"a.txt", "aaaa"}, {"b.txt", "bbbb"}, {"c.txt", "cccc"}};  // 2^62, -1, 2^40
  const auto drop = upload(spec);
  mount();
  const auto dir = drop_dir("sizes", drop.id);
  std::size_t listed = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    ++listed;
    ADD_FAILURE() << "listed despite an impossible size: " << e.path() << " ("
                  << std::filesystem::file_size(e.path()) << " bytes)";
  }
  EXPECT_EQ(listed, 0u);
  EXPECT_NE(anonfs_log().find("impossible size or chunk geometry"), std::string::npos);
  expect_daemon_healthy();
}

class HostileDuplicatesTest : public HostileMountTest {
 protected:
  HostileDuplicatesTest() : HostileMountTest("duplicates") {}
};

TEST_F(HostileDuplicatesTest, RepeatedEntriesAreNumberedAndReadTheSameFile) {
  UploadSpec spec;
  spec.title = "dups";
  spec.files = {{"a.txt", "first file"}, {"sub/b.txt", "second file"}};
  const auto drop = upload(spec);
  mount();
  const auto dir = drop_dir("dups", drop.id);
  EXPECT_EQ(read_all(dir / "a.txt"), "first file");
  EXPECT_EQ(read_all(dir / "a (2).txt"), "first file");
  EXPECT_EQ(read_all(dir / "sub" / "b.txt"), "second file");
  EXPECT_EQ(read_all(dir / "sub" / "b (2).txt"), "second file");
  expect_daemon_healthy();
}

class HostileManyFilesTest : public HostileMountTest {
 protected:
  HostileManyFilesTest() : HostileMountTest("many-files") {}
};

// 100 000 entries (~17 MB of metadata) exceed the daemon's 16 MiB cap on an API response: the
// drop folder fails with EIO instead of being parsed, and the daemon stays small.
TEST_F(HostileManyFilesTest, HundredThousandEntriesAreRefusedWithinBoundedMemory) {
  UploadSpec spec;
  spec.title = "many";
  spec.files = {{"one.txt", "1"}};
  const auto drop = upload(spec);
  mount();
  std::error_code ec;
  std::filesystem::directory_iterator it(drop_dir("many", drop.id), ec);
  EXPECT_EQ(ec.value(), EIO) << ec.message();
  EXPECT_NE(anonfs_log().find("too large"), std::string::npos) << anonfs_log();
  expect_daemon_healthy();
}

// ---- body lies ------------------------------------------------------------------------------

class HostileBodyTest : public HostileMountTest, public ::testing::WithParamInterface<const char*> {
 protected:
  HostileBodyTest() : HostileMountTest(GetParam()) {}
};

TEST_P(HostileBodyTest, ReadEndsInEioNotWrongBytesOrAHang) {
  const std::string content = pattern(3000, 61);
  UploadSpec spec;
  spec.title = "body";
  spec.files = {{"data.bin", content}};
  const auto drop = upload(spec);
  // timeout=2: a transfer under 1 KiB/s for 2 s is abandoned (the drip sends 10 bytes/s).
  mount({"-o", "retries=1,timeout=2"});
  const auto path = drop_dir("body", drop.id) / "data.bin";
  ASSERT_EQ(std::filesystem::file_size(path), content.size());  // sizes come from metadata
  const auto start = std::chrono::steady_clock::now();
  const auto [error, bytes] = try_read(path);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  EXPECT_EQ(error, EIO) << "read " << bytes.size() << " bytes";
  EXPECT_TRUE(bytes.empty() || content.starts_with(bytes)) << "wrong bytes returned";
  std::cout << "[ figures  ] hostile " << GetParam() << ": EIO after " << ms << " ms\n";
  expect_daemon_healthy();
}

INSTANTIATE_TEST_SUITE_P(Bodies, HostileBodyTest,
                         ::testing::Values("short-body", "long-body", "endless-body", "drip"),
                         [](const auto& test_param) {
                           std::string name = test_param.param;
                           for (auto& c : name)
                             if (c == '-') c = '_';
                           return name;
                         });

}  // namespace
}  // namespace anonfs::mount_test
