// UploadSpool: in-order, out-of-order, rewrite, truncate and reopen patterns all give chunks that
// decrypt (with the production decoder) to exactly the written bytes, and no plaintext reaches
// the spool files.
#include "anonfs/vfs/upload_spool.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

#include "../../support/temp_dir.hpp"
#include "anonfs/crypto/drop_codec.hpp"
#include "anonfs/vfs/vfs_error.hpp"

namespace anonfs::vfs {
namespace {

constexpr std::uint64_t kChunk = 5ull << 20;  // smallest legal multi-chunk size

std::string random_text(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s)
    c = static_cast<char>('a' + rng() % 26);
  return s;
}

crypto::ByteView bytes(const std::string& s) {
  return crypto::as_bytes(s);
}

// Equality without printing megabytes: the first differing offset on failure.
::testing::AssertionResult same(const std::string& a, const std::string& b) {
  if (a == b) return ::testing::AssertionSuccess();
  std::size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i])
    ++i;
  return ::testing::AssertionFailure()
         << "sizes " << a.size() << " vs " << b.size() << ", first difference at " << i;
}

// Decrypts every part of a sealed spool with the read path's chunk decoder.
std::string decrypt_all(const UploadSpool& spool, const crypto::DropKey& key) {
  const crypto::ChunkLayout layout = spool.layout();
  std::string out;
  crypto::Bytes part;
  for (std::uint32_t i = 0; i < layout.chunk_count; ++i) {
    spool.read_part(i, part);
    std::string plain(part.size() - 16, '\0');
    crypto::decrypt_chunk(
        key, spool.file_iv(), i, part,
        crypto::MutableByteView(reinterpret_cast<std::uint8_t*>(plain.data()), plain.size()),
        crypto::NonceScheme::kL);
    out += plain;
  }
  return out;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class SpoolTest : public ::testing::Test {
 protected:
  test_support::TempDir dir;
  crypto::DropKey key = crypto::DropKey::generate();
  std::filesystem::path base() const { return dir.path() / "f"; }
  // No 64-byte window of the plaintext appears in either spool file.
  void expect_no_plaintext(const std::string& plain) {
    const std::string files =
        slurp(base().string() + ".chunks") + slurp(base().string() + ".stage");
    for (std::size_t off = 0; off + 64 <= plain.size(); off += plain.size() / 7 + 1) {
      EXPECT_EQ(files.find(plain.substr(off, 64)), std::string::npos) << "at " << off;
    }
  }
};

TEST_F(SpoolTest, InOrderMultiChunkWriteDecrypts) {
  const std::string data = random_text(kChunk * 2 + 12345, 1);
  UploadSpool spool(base(), key, kChunk);
  for (std::size_t off = 0; off < data.size(); off += 131072) {
    spool.write(off, bytes(data.substr(off, 131072)));
  }
  expect_no_plaintext(data);
  spool.seal();
  EXPECT_EQ(spool.layout().chunk_count, 3u);
  EXPECT_EQ(spool.layout().chunk_size, kChunk);
  EXPECT_TRUE(same(decrypt_all(spool, key), data));
  expect_no_plaintext(data);
}

TEST_F(SpoolTest, SmallFileIsOneChunkOfItsSize) {
  const std::string data = "hello outbox";
  UploadSpool spool(base(), key, kChunk);
  spool.write(0, bytes(data));
  spool.seal();
  EXPECT_EQ(spool.layout(), (crypto::ChunkLayout{data.size(), 1, data.size() + 16}));
  EXPECT_TRUE(same(decrypt_all(spool, key), data));
}

TEST_F(SpoolTest, OutOfOrderWritesAreStagedSealedAndPulledIn) {
  const std::string data = random_text(kChunk + 300000, 2);
  UploadSpool spool(base(), key, kChunk);
  // Second half first (dd seek=), then the first half, in odd-sized pieces.
  const std::size_t half = data.size() / 2 + 777;
  for (std::size_t off = half; off < data.size(); off += 99999)
    spool.write(off, bytes(data.substr(off, std::min<std::size_t>(99999, data.size() - off))));
  expect_no_plaintext(data);
  for (std::size_t off = 0; off < half; off += 65536)
    spool.write(off, bytes(data.substr(off, std::min<std::size_t>(65536, half - off))));
  std::string back(data.size(), '\0');
  ASSERT_EQ(spool.read(0, crypto::MutableByteView(reinterpret_cast<std::uint8_t*>(back.data()),
                                                  back.size())),
            data.size());
  EXPECT_TRUE(same(back, data));
  spool.seal();
  EXPECT_TRUE(same(decrypt_all(spool, key), data));
  expect_no_plaintext(data);
}

TEST_F(SpoolTest, RewritesBelowTheWatermarkAndAfterSealUseAFreshIv) {
  std::string data = random_text(kChunk + 5000, 3);
  UploadSpool spool(base(), key, kChunk);
  spool.write(0, bytes(data));
  const crypto::DropIv first_iv = spool.file_iv();
  data.replace(10, 5, "XXXXX");  // a header rewritten after the body (zip, tar)
  spool.write(10, bytes(std::string("XXXXX")));
  EXPECT_NE(spool.file_iv(), first_iv);
  spool.seal();
  EXPECT_TRUE(same(decrypt_all(spool, key), data));
  // Append after seal (reopen with O_APPEND).
  spool.write(data.size(), bytes(std::string("tail")));
  data += "tail";
  EXPECT_FALSE(spool.sealed());
  spool.seal();
  EXPECT_TRUE(same(decrypt_all(spool, key), data));
}

TEST_F(SpoolTest, HolesReadAsZerosAndTruncateCuts) {
  UploadSpool spool(base(), key, kChunk);
  spool.write(100000, bytes(std::string("end")));
  spool.truncate(200000);
  spool.seal();
  std::string expected(200000, '\0');
  expected.replace(100000, 3, "end");
  EXPECT_TRUE(same(decrypt_all(spool, key), expected));
  spool.truncate(100001);
  spool.seal();
  EXPECT_TRUE(same(decrypt_all(spool, key), expected.substr(0, 100001)));
  spool.truncate(0);
  spool.write(0, bytes(std::string("new")));
  spool.seal();
  EXPECT_TRUE(same(decrypt_all(spool, key), "new"));
}

TEST_F(SpoolTest, EmptyFileCannotBeSealed) {
  UploadSpool spool(base(), key, kChunk);
  try {
    spool.seal();
    FAIL() << "sealed an empty file";
  } catch (const VfsError& e) {
    EXPECT_EQ(e.code(), VfsErrc::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("empty"), std::string::npos);
  }
}

TEST_F(SpoolTest, SealedSpoolReopensAfterRestart) {
  const std::string data = random_text(kChunk + 10, 4);
  crypto::DropIv iv;
  {
    UploadSpool spool(base(), key, kChunk);
    spool.write(0, bytes(data));
    spool.seal();
    iv = spool.file_iv();
  }
  const UploadSpool again = UploadSpool::open_sealed(base(), key, iv, data.size(), kChunk);
  EXPECT_TRUE(same(decrypt_all(again, key), data));
}

TEST(UploadLayout, FollowsTheWebSchemeAndRefusesEmptyFiles) {
  EXPECT_EQ(plan_upload_layout(1, crypto::kDefaultChunkSize), (crypto::ChunkLayout{1, 1, 17}));
  EXPECT_EQ(plan_upload_layout(125829120, crypto::kDefaultChunkSize),
            crypto::plan_chunks(125829120));
  EXPECT_THROW(plan_upload_layout(0, crypto::kDefaultChunkSize), VfsError);
}

}  // namespace
}  // namespace anonfs::vfs
