// SecretBytes, hex and constant-time comparison.
#include "anonfs/crypto/bytes.hpp"

#include <openssl/crypto.h>

#include "anonfs/crypto/error.hpp"

namespace anonfs::crypto {

void secure_wipe(void* data, std::size_t size) noexcept {
  if (data != nullptr && size != 0) OPENSSL_cleanse(data, size);
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
    data_ = std::move(other.data_);
    other.data_.clear();
  }
  return *this;
}

void SecretBytes::wipe() noexcept {
  // The whole capacity: earlier, longer contents may still sit beyond size().
  secure_wipe(data_.data(), data_.capacity());
  data_.clear();
}

void SecretBytes::truncate(std::size_t new_size) noexcept {
  if (new_size >= data_.size()) return;
  secure_wipe(data_.data() + new_size, data_.size() - new_size);
  data_.resize(new_size);  // shrinking never reallocates
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
