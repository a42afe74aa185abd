// SecretBytes, hex and constant-time comparison.
#include "anonfs/crypto/bytes.hpp"

#include <openssl/crypto.h>

#include <cstring>

#include "anonfs/crypto/error.hpp"
#include "anonfs/crypto/locked_memory.hpp"

namespace anonfs::crypto {

void secure_wipe(void* data, std::size_t size) noexcept {
  if (data != nullptr && size != 0) OPENSSL_cleanse(data, size);
}

SecretBytes::SecretBytes(std::size_t size) {
  if (size == 0) return;
  data_ = static_cast<std::uint8_t*>(secret_allocate(size));
  capacity_ = size;
  size_ = size;
  std::memset(data_, 0, size);
}

SecretBytes::SecretBytes(ByteView bytes) {
  if (bytes.empty()) return;
  data_ = static_cast<std::uint8_t*>(secret_allocate(bytes.size()));
  capacity_ = bytes.size();
  size_ = bytes.size();
  std::memcpy(data_, bytes.data(), bytes.size());
}

SecretBytes SecretBytes::adopt(Bytes&& bytes) {
  SecretBytes out(ByteView(bytes.data(), bytes.size()));
  secure_wipe(bytes.data(), bytes.capacity());
  bytes.clear();
  return out;
}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    wipe();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    capacity_ = std::exchange(other.capacity_, 0);
  }
  return *this;
}

void SecretBytes::wipe() noexcept {
  // The whole capacity (secret_deallocate wipes it): truncate() leaves old contents beyond size().
  secret_deallocate(data_, capacity_);
  data_ = nullptr;
  size_ = 0;
  capacity_ = 0;
}

void SecretBytes::truncate(std::size_t new_size) noexcept {
  if (new_size >= size_) return;
  secure_wipe(data_ + new_size, size_ - new_size);
  size_ = new_size;  // the storage is kept
}

bool SecretBytes::equals(ByteView other) const noexcept {
  return constant_time_equal(view(), other);
}

bool constant_time_equal(ByteView a, ByteView b) noexcept {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string hex_encode(ByteView bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0x0f];
  }
  return out;
}

namespace {
int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

Bytes hex_decode(std::string_view hex) {
  if (hex.size() % 2 != 0) throw CryptoError(CryptoErrc::kInvalidEncoding, "hex: odd length");
  Bytes out(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = hex_value(hex[2 * i]);
    const int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) throw CryptoError(CryptoErrc::kInvalidEncoding, "hex: invalid character");
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return out;
}

}  // namespace anonfs::crypto
