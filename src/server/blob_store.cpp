#include "blob_store.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <stdexcept>
#include <system_error>

#include "anonfs/crypto/bytes.hpp"
#include "anonfs/crypto/random.hpp"

namespace anonfs::server {

namespace {
constexpr std::size_t kWriteBuffer = 1 << 20;

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}
}  // namespace

struct PartWriter::Md5 {
  struct Free {
    void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
  };
  std::unique_ptr<EVP_MD_CTX, Free> ctx{EVP_MD_CTX_new()};
};

PartWriter::PartWriter(const BlobStore& store, std::string file_id, std::int64_t part_number)
    : md5_(std::make_unique<Md5>()) {
  auto dir = store.object_dir(file_id);
  make_private_dirs(dir);
  final_path_ = store.part_path(file_id, part_number);
  tmp_path_ = final_path_;
  tmp_path_ += ".tmp-" + crypto::hex_encode(crypto::random_bytes(6));
  fd_ = Fd(::open(tmp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd_) throw_errno("create part");
  if (!md5_->ctx || EVP_DigestInit_ex(md5_->ctx.get(), EVP_md5(), nullptr) != 1) {
    throw std::runtime_error("MD5 init failed");
  }
  buffer_.reserve(kWriteBuffer);
}

PartWriter::~PartWriter() {
  if (!committed_) {
    fd_.reset();
    ::unlink(tmp_path_.c_str());
  }
}

void PartWriter::write(const char* data, std::size_t size) {
  if (EVP_DigestUpdate(md5_->ctx.get(), data, size) != 1) throw std::runtime_error("MD5 failed");
  written_ += static_cast<std::int64_t>(size);
  if (buffer_.size() + size > kWriteBuffer) flush();
  if (size >= kWriteBuffer) {
    write_all(fd_.get(), data, size);
  } else {
    buffer_.append(data, size);
  }
}

void PartWriter::flush() {
  if (!buffer_.empty()) write_all(fd_.get(), buffer_.data(), buffer_.size());
  buffer_.clear();
}

std::string PartWriter::commit() {
  flush();
  if (::fsync(fd_.get()) != 0) throw_errno("fsync part");
  fd_.reset();
  if (::rename(tmp_path_.c_str(), final_path_.c_str()) != 0) throw_errno("rename part");
  committed_ = true;
  fsync_dir(final_path_.parent_path());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(md5_->ctx.get(), digest, &len) != 1) {
    throw std::runtime_error("MD5 final failed");
  }
  return "\"" + crypto::hex_encode(crypto::ByteView(digest, len)) + "\"";
}

std::size_t ObjectReader::read(std::int64_t offset, std::size_t max, std::string& out) const {
  out.resize(max);
  out.resize(read(offset, max, out.data()));
  return out.size();
}

std::size_t ObjectReader::read(std::int64_t offset, std::size_t max, char* out) const {
  if (offset >= total_size_ || max == 0) return 0;
  auto index = static_cast<std::size_t>(offset / part_size_);
  if (index >= parts_.size()) index = parts_.size() - 1;
  std::int64_t within = offset - static_cast<std::int64_t>(index) * part_size_;
  std::int64_t part_end = (index + 1 == parts_.size())
                              ? total_size_ - static_cast<std::int64_t>(index) * part_size_
                              : part_size_;
  auto want = static_cast<std::size_t>(std::min<std::int64_t>(
      static_cast<std::int64_t>(max), std::min(part_end - within, total_size_ - offset)));
  std::size_t got = 0;
  while (got < want) {
    ssize_t n = ::pread(parts_[index].get(), out + got, want - got,
                        static_cast<off_t>(within + static_cast<std::int64_t>(got)));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("read object");
    }
    if (n == 0) throw std::runtime_error("object part shorter than recorded");
    got += static_cast<std::size_t>(n);
  }
  return got;
}

BlobStore::BlobStore(std::filesystem::path root) : root_(std::move(root)) {
  make_private_dirs(root_);
}

std::filesystem::path BlobStore::object_dir(const std::string& file_id) const {
  // file ids are validated [0-9a-z]{10} before they reach the store.
  return root_ / file_id.substr(0, 2) / file_id;
}

std::filesystem::path BlobStore::part_path(const std::string& file_id,
                                           std::int64_t part_number) const {
  char name[32];
  std::snprintf(name, sizeof name, "part-%05lld", static_cast<long long>(part_number));
  return object_dir(file_id) / name;
}

std::int64_t BlobStore::part_size(const std::string& file_id, std::int64_t part_number) const {
  struct stat st {};
  if (::stat(part_path(file_id, part_number).c_str(), &st) != 0) return -1;
  return static_cast<std::int64_t>(st.st_size);
}

std::shared_ptr<ObjectReader> BlobStore::open(const std::string& file_id, std::int64_t part_count,
                                              std::int64_t part_size,
                                              std::int64_t total_size) const {
  std::vector<Fd> fds;
  fds.reserve(static_cast<std::size_t>(part_count));
  for (std::int64_t p = 1; p <= part_count; ++p) {
    Fd fd(::open(part_path(file_id, p).c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return nullptr;
    fds.push_back(std::move(fd));
  }
  return std::make_shared<ObjectReader>(std::move(fds), part_size, total_size);
}

void BlobStore::remove(const std::string& file_id) const {
  std::error_code ec;
  std::filesystem::remove_all(object_dir(file_id), ec);
}

std::vector<std::string> BlobStore::list_objects() const {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& shard : std::filesystem::directory_iterator(root_, ec)) {
    std::error_code ec2;
    for (const auto& obj : std::filesystem::directory_iterator(shard.path(), ec2)) {
      out.push_back(obj.path().filename().string());
    }
  }
  return out;
}

}  // namespace anonfs::server
