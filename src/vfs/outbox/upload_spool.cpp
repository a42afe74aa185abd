#include "anonfs/vfs/upload_spool.hpp"

#include <fcntl.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "anonfs/crypto/aes_gcm.hpp"
#include "anonfs/crypto/error.hpp"
#include "anonfs/crypto/random.hpp"
#include "anonfs/vfs/vfs_error.hpp"
#include "file_io.hpp"

namespace anonfs::vfs {

using outbox::UniqueFd;

namespace {

constexpr std::uint64_t kTag = crypto::kChunkTagSize;
constexpr std::uint64_t kB = UploadSpool::kStageBlock;
constexpr std::uint64_t kSlot = crypto::kGcmIvSize + kB + crypto::kGcmTagSize;

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const noexcept { EVP_CIPHER_CTX_free(c); }
};
using Ctx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

Ctx new_ctx() {
  Ctx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) throw VfsError(VfsErrc::kIo, "outbox spool: cannot allocate a cipher context");
  return ctx;
}

[[noreturn]] void openssl_failure(const char* what) {
  throw VfsError(VfsErrc::kIo, std::string("outbox spool: OpenSSL ") + what + " failed");
}

// Starts AES-256-GCM (encrypt or decrypt) of one drop chunk: nonce scheme L like every anonfs
// encryption (crypto/drop_codec.hpp), no AAD.
void gcm_begin(EVP_CIPHER_CTX* ctx, bool encrypt, crypto::ByteView key, const crypto::DropIv& iv,
               std::uint32_t index) {
  const crypto::DropNonce nonce = crypto::derive_nonce(iv, index, crypto::NonceScheme::kL);
  const int enc = encrypt ? 1 : 0;
  if (EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), nullptr, nullptr, nullptr, enc) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce.size()), nullptr) !=
          1 ||
      EVP_CipherInit_ex(ctx, nullptr, nullptr, key.data(), nonce.data(), enc) != 1) {
    openssl_failure("GCM init");
  }
}

void cipher_update(EVP_CIPHER_CTX* ctx, crypto::ByteView in, std::uint8_t* out) {
  std::size_t done = 0;
  while (done < in.size()) {
    const int n = static_cast<int>(std::min<std::size_t>(in.size() - done, 1 << 20));
    int len = 0;
    if (EVP_CipherUpdate(ctx, out + done, &len, in.data() + done, n) != 1 || len != n) {
      openssl_failure("cipher update");
    }
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

struct UploadSpool::Impl {
  explicit Impl(const crypto::DropKey& k) : key(k.clone()) {}
  crypto::DropKey key;
  crypto::SecretBytes stage_key = crypto::random_secret(crypto::kAesKeySize);  // never stored
  UniqueFd chunks;
  UniqueFd stage;
  Ctx stream = new_ctx();         // the running chunk's GCM context
  crypto::SecretBytes block{kB};  // plaintext staging block (wiped)
  crypto::Bytes slot = crypto::Bytes(kSlot);
  crypto::Bytes cipher = crypto::Bytes(kB);
};

crypto::ChunkLayout plan_upload_layout(std::uint64_t plaintext_size, std::uint64_t chunk_size) {
  if (plaintext_size == 0) {
    throw VfsError(VfsErrc::kInvalidArgument, "empty file: the service cannot store 0-byte files");
  }
  if (plaintext_size > crypto::kMaxPlaintextSize) {
    throw VfsError(VfsErrc::kFileTooLarge, "file too large: the service stores at most 250 GiB");
  }
  crypto::ChunkLayout layout;
  if (plaintext_size <= chunk_size) {
    layout = {plaintext_size, 1, plaintext_size + kTag};
  } else {
    const std::uint64_t count = (plaintext_size + chunk_size - 1) / chunk_size;
    if (count > crypto::kMaxChunkCount) {
      throw VfsError(VfsErrc::kFileTooLarge, "file too large for the chunk size");
    }
    layout = {chunk_size, static_cast<std::uint32_t>(count), plaintext_size + kTag * count};
  }
  try {
    return crypto::validate_chunk_layout(layout.ciphertext_size, layout.chunk_size,
                                         layout.chunk_count);
  } catch (const crypto::CryptoError& e) {
    throw VfsError(VfsErrc::kFileTooLarge, std::string("no legal chunk layout: ") + e.what());
  }
}

UploadSpool::UploadSpool(std::filesystem::path base, const crypto::DropKey& key,
                         std::uint64_t chunk_size)
    : base_(std::move(base)), impl_(std::make_unique<Impl>(key)), chunk_size_(chunk_size) {
  if (chunk_size_ == 0 || chunk_size_ % kB != 0 || chunk_size_ > crypto::kMaxChunkSize) {
    throw VfsError(VfsErrc::kInvalidArgument, "outbox spool: bad chunk size");
  }
  impl_->chunks = outbox::open_private(chunks_path(), O_RDWR | O_CREAT | O_TRUNC);
  impl_->stage = outbox::open_private(stage_path(), O_RDWR | O_CREAT | O_TRUNC);
  iv_ = crypto::generate_drop_iv();
}

UploadSpool UploadSpool::open_sealed(std::filesystem::path base, const crypto::DropKey& key,
                                     const crypto::DropIv& file_iv, std::uint64_t size,
                                     std::uint64_t chunk_size) {
  UploadSpool s;
  s.base_ = std::move(base);
  s.impl_ = std::make_unique<Impl>(key);
  s.impl_->chunks = outbox::open_private(s.chunks_path(), O_RDONLY);
  s.iv_ = file_iv;
  s.chunk_size_ = chunk_size;
  s.size_ = size;
  s.watermark_ = size;
  s.sealed_ = true;
  return s;
}

UploadSpool::~UploadSpool() = default;
UploadSpool::UploadSpool(UploadSpool&&) noexcept = default;
UploadSpool& UploadSpool::operator=(UploadSpool&&) noexcept = default;

std::filesystem::path UploadSpool::chunks_path() const {
  return base_.string() + ".chunks";
}
std::filesystem::path UploadSpool::stage_path() const {
  return base_.string() + ".stage";
}

void UploadSpool::reset_stream() {
  iv_ = crypto::generate_drop_iv();
  watermark_ = 0;
  chunk_open_ = false;
  outbox::truncate_fd(impl_->chunks.get(), 0, chunks_path());
}

void UploadSpool::feed(crypto::ByteView data) {
  while (!data.empty()) {
    const std::uint64_t index = watermark_ / chunk_size_;
    const std::uint64_t in_chunk = watermark_ % chunk_size_;
    if (!chunk_open_) {
      gcm_begin(impl_->stream.get(), true, impl_->key.bytes(), iv_,
                static_cast<std::uint32_t>(index));
      chunk_open_ = true;
    }
    const std::size_t n = static_cast<std::size_t>(
        std::min<std::uint64_t>({data.size(), chunk_size_ - in_chunk, kB}));
    cipher_update(impl_->stream.get(), data.first(n), impl_->cipher.data());
    outbox::pwrite_all(impl_->chunks.get(), crypto::ByteView(impl_->cipher.data(), n),
                       index * (chunk_size_ + kTag) + in_chunk, chunks_path());
    watermark_ += n;
    data = data.subspan(n);
    if (in_chunk + n == chunk_size_) end_chunk();
  }
}

void UploadSpool::end_chunk() {
  if (!chunk_open_) return;
  const std::uint64_t index = (watermark_ - 1) / chunk_size_;
  const std::uint64_t length = watermark_ - index * chunk_size_;
  std::uint8_t tag[kTag];
  int len = 0;
  if (EVP_EncryptFinal_ex(impl_->stream.get(), tag, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(impl_->stream.get(), EVP_CTRL_GCM_GET_TAG, kTag, tag) != 1) {
    openssl_failure("GCM final");
  }
  outbox::pwrite_all(impl_->chunks.get(), crypto::ByteView(tag, kTag),
                     index * (chunk_size_ + kTag) + length, chunks_path());
  chunk_open_ = false;
}

void UploadSpool::pump(bool to_end) {
  std::uint64_t end = watermark_;
  if (to_end) {
    end = size_;
  } else {
    auto it = staged_.upper_bound(watermark_);
    if (it != staged_.begin()) {
      --it;
      if (it->first <= watermark_ && it->second > watermark_) end = it->second;
    }
  }
  while (watermark_ < end) {
    const std::uint64_t block = watermark_ / kB;
    stage_read_block(block, impl_->block.mutable_view());
    const std::uint64_t off = watermark_ % kB;
    const std::uint64_t n = std::min(kB - off, end - watermark_);
    feed(impl_->block.view().subspan(off, n));
  }
  drop_stage_below(watermark_);
}

void UploadSpool::stage_read_block(std::uint64_t block, crypto::MutableByteView out) const {
  if (!stage_blocks_.contains(block)) {
    std::fill(out.begin(), out.end(), 0);
    return;
  }
  outbox::pread_all(impl_->stage.get(), impl_->slot, block * kSlot, stage_path());
  const crypto::ByteView slot(impl_->slot);
  if (!crypto::gcm_decrypt(impl_->stage_key.view(), slot.first(crypto::kGcmIvSize), {},
                           slot.subspan(crypto::kGcmIvSize), out)) {
    throw VfsError(VfsErrc::kIo, "outbox spool: staging block " + std::to_string(block) + " of " +
                                     stage_path().string() + " does not verify");
  }
}

void UploadSpool::stage_seal_block(std::uint64_t block, crypto::ByteView plaintext) {
  crypto::MutableByteView slot(impl_->slot);
  crypto::random_fill(slot.first(crypto::kGcmIvSize));  // fresh 96-bit nonce per seal
  crypto::gcm_encrypt(impl_->stage_key.view(), slot.first(crypto::kGcmIvSize), {}, plaintext,
                      slot.subspan(crypto::kGcmIvSize));
  outbox::pwrite_all(impl_->stage.get(), slot, block * kSlot, stage_path());
  stage_blocks_.insert(block);
}

void UploadSpool::stage_write(std::uint64_t offset, crypto::ByteView data) {
  const std::uint64_t end = offset + data.size();
  // Merge [offset, end) into the written ranges.
  std::uint64_t lo = offset, hi = end;
  auto it = staged_.upper_bound(offset);
  if (it != staged_.begin() && std::prev(it)->second >= offset) --it;
  while (it != staged_.end() && it->first <= end) {
    lo = std::min(lo, it->first);
    hi = std::max(hi, it->second);
    it = staged_.erase(it);
  }
  staged_.emplace(lo, hi);

  for (std::uint64_t block = offset / kB; block * kB < end; ++block) {
    const std::uint64_t start = block * kB;
    const std::uint64_t from = std::max(offset, start);
    const std::uint64_t to = std::min(end, start + kB);
    if (from == start && to == start + kB) {
      stage_seal_block(block, data.subspan(from - offset, kB));
    } else {
      stage_read_block(block, impl_->block.mutable_view());
      std::memcpy(impl_->block.data() + (from - start), data.data() + (from - offset), to - from);
      stage_seal_block(block, impl_->block.view());
    }
  }
}

void UploadSpool::drop_stage_below(std::uint64_t offset) {
  while (!staged_.empty() && staged_.begin()->first < offset) {
    auto first = staged_.begin();
    const std::uint64_t end = first->second;
    staged_.erase(first);
    if (end > offset) staged_.emplace(offset, end);
  }
  while (!stage_blocks_.empty() && (*stage_blocks_.begin() + 1) * kB <= offset) {
    const std::uint64_t block = *stage_blocks_.begin();
    stage_blocks_.erase(stage_blocks_.begin());
    // Give the space back; the old ciphertext is useless anyway (its key dies with us).
    ::fallocate(impl_->stage.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                static_cast<off_t>(block * kSlot), static_cast<off_t>(kSlot));
  }
}

void UploadSpool::demote() {
  sealed_ = false;
  if (watermark_ == 0 && !chunk_open_) return;
  end_chunk();
  const std::uint64_t old_watermark = watermark_;
  const crypto::DropIv old_iv = iv_;
  Ctx ctx = new_ctx();
  crypto::SecretBytes plain(kB);  // not impl_->block: stage_write uses that for partial blocks
  for (std::uint64_t index = 0; index * chunk_size_ < old_watermark; ++index) {
    const std::uint64_t start = index * chunk_size_;
    const std::uint64_t length = std::min(chunk_size_, old_watermark - start);
    const std::uint64_t ct = index * (chunk_size_ + kTag);
    gcm_begin(ctx.get(), false, impl_->key.bytes(), old_iv, static_cast<std::uint32_t>(index));
    for (std::uint64_t pos = 0; pos < length; pos += kB) {
      const std::size_t n = static_cast<std::size_t>(std::min(kB, length - pos));
      outbox::pread_all(impl_->chunks.get(), crypto::MutableByteView(impl_->cipher.data(), n),
                        ct + pos, chunks_path());
      cipher_update(ctx.get(), crypto::ByteView(impl_->cipher.data(), n), plain.data());
      stage_write(start + pos, plain.view().first(n));
    }
    std::uint8_t tag[kTag];
    outbox::pread_all(impl_->chunks.get(), crypto::MutableByteView(tag, kTag), ct + length,
                      chunks_path());
    int len = 0;
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTag, tag) != 1 ||
        EVP_DecryptFinal_ex(ctx.get(), impl_->cipher.data(), &len) != 1) {
      throw VfsError(VfsErrc::kIo, "outbox spool: chunk " + std::to_string(index) + " of " +
                                       chunks_path().string() + " does not verify");
    }
  }
  reset_stream();  // fresh IV: the chunks will be encrypted again, never under a used nonce
}

void UploadSpool::write(std::uint64_t offset, crypto::ByteView data) {
  if (data.empty()) return;
  if (!impl_->stage) throw VfsError(VfsErrc::kAccessDenied, "outbox spool: recovered spool");
  if (sealed_ || offset < watermark_) demote();
  if (offset == watermark_) {
    feed(data);
    pump(false);
  } else {
    stage_write(offset, data);
  }
  size_ = std::max(size_, offset + data.size());
}

void UploadSpool::truncate(std::uint64_t size) {
  if (size == size_) return;
  if (!impl_->stage) throw VfsError(VfsErrc::kAccessDenied, "outbox spool: recovered spool");
  if (size == 0) {
    sealed_ = false;
    reset_stream();
    staged_.clear();
    stage_blocks_.clear();
    outbox::truncate_fd(impl_->stage.get(), 0, stage_path());
    size_ = 0;
    return;
  }
  if (sealed_ || size < watermark_) demote();
  if (size < size_) {
    while (!staged_.empty() && std::prev(staged_.end())->second > size) {
      auto last = std::prev(staged_.end());
      const std::uint64_t start = last->first;
      staged_.erase(last);
      if (start < size) staged_.emplace(start, size);
    }
    while (!stage_blocks_.empty() && *std::prev(stage_blocks_.end()) * kB >= size) {
      stage_blocks_.erase(std::prev(stage_blocks_.end()));
    }
    const std::uint64_t block = size / kB;
    if (stage_blocks_.contains(block)) {  // zero the cut-off tail: an extension reads zeros
      stage_read_block(block, impl_->block.mutable_view());
      std::fill(impl_->block.data() + (size % kB), impl_->block.data() + kB, 0);
      stage_seal_block(block, impl_->block.view());
    }
  }
  sealed_ = false;
  size_ = size;
}

std::size_t UploadSpool::read(std::uint64_t offset, crypto::MutableByteView out) {
  if (offset >= size_) return 0;
  const std::size_t total =
      static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), size_ - offset));
  std::size_t done = 0;
  Ctx ctr = new_ctx();
  while (done < total) {
    const std::uint64_t pos = offset + done;
    std::size_t n = 0;
    if (pos < watermark_) {
      // GCM is CTR mode underneath: keystream block k of a chunk uses nonce || BE32(2 + k).
      const std::uint64_t index = pos / chunk_size_;
      const std::uint64_t in_chunk = pos % chunk_size_;
      const std::size_t skip = static_cast<std::size_t>(in_chunk % 16);
      n = static_cast<std::size_t>(std::min<std::uint64_t>(
          {total - done, chunk_size_ - in_chunk, watermark_ - pos, kB - skip}));
      const crypto::DropNonce nonce =
          crypto::derive_nonce(iv_, static_cast<std::uint32_t>(index), crypto::NonceScheme::kL);
      std::uint8_t counter[16];
      std::memcpy(counter, nonce.data(), nonce.size());
      const auto k = static_cast<std::uint32_t>(2 + in_chunk / 16);
      for (int i = 0; i < 4; ++i)
        counter[12 + i] = static_cast<std::uint8_t>(k >> (24 - 8 * i));
      outbox::pread_all(impl_->chunks.get(),
                        crypto::MutableByteView(impl_->cipher.data() + skip, n),
                        index * (chunk_size_ + kTag) + in_chunk, chunks_path());
      std::memset(impl_->cipher.data(), 0, skip);
      if (EVP_EncryptInit_ex(ctr.get(), EVP_aes_256_ctr(), nullptr, impl_->key.bytes().data(),
                             counter) != 1) {
        openssl_failure("CTR init");
      }
      cipher_update(ctr.get(), crypto::ByteView(impl_->cipher.data(), skip + n),
                    impl_->block.data());
      std::memcpy(out.data() + done, impl_->block.data() + skip, n);
    } else {
      const std::uint64_t block = pos / kB;
      n = static_cast<std::size_t>(std::min<std::uint64_t>(total - done, kB - pos % kB));
      stage_read_block(block, impl_->block.mutable_view());
      std::memcpy(out.data() + done, impl_->block.data() + pos % kB, n);
    }
    done += n;
  }
  return total;
}

void UploadSpool::seal() {
  if (sealed_) return;
  if (!impl_->stage) throw VfsError(VfsErrc::kAccessDenied, "outbox spool: recovered spool");
  plan_upload_layout(size_, chunk_size_);  // refuses empty and oversized files
  pump(true);
  end_chunk();
  outbox::fsync_fd(impl_->chunks.get(), chunks_path());
  staged_.clear();
  stage_blocks_.clear();
  outbox::truncate_fd(impl_->stage.get(), 0, stage_path());
  sealed_ = true;
}

crypto::ChunkLayout UploadSpool::layout() const {
  if (!sealed_) throw VfsError(VfsErrc::kInvalidArgument, "outbox spool: not sealed");
  return plan_upload_layout(size_, chunk_size_);
}

void UploadSpool::read_part(std::uint32_t index, crypto::Bytes& out) const {
  const crypto::ByteRange range = crypto::chunk_ciphertext_range(layout(), index);
  out.resize(static_cast<std::size_t>(range.length));
  outbox::pread_all(impl_->chunks.get(), out, range.offset, chunks_path());
}

void UploadSpool::remove_files() noexcept {
  std::error_code ec;
  std::filesystem::remove(chunks_path(), ec);
  std::filesystem::remove(stage_path(), ec);
}

}  // namespace anonfs::vfs
