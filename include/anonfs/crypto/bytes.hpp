// Byte containers of the crypto layer: plain Bytes for public data, SecretBytes for keys,
// passwords and key strings (wiped on destruction, move-only, never printable).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace anonfs::crypto {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;
using MutableByteView = std::span<std::uint8_t>;

inline ByteView as_bytes(std::string_view s) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_chars(ByteView b) noexcept {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// Overwrites memory in a way the optimiser cannot remove.
void secure_wipe(void* data, std::size_t size) noexcept;

// Secret material. The buffer is wiped when the object is destroyed or reassigned. Copies must be
// explicit (clone()); there is deliberately no operator<< or formatter. Buffers of up to
// kLockedMaxBlock bytes (keys, passwords, tokens, links) come from the locked arena
// (locked_memory.hpp: mlock'd, MADV_DONTDUMP); larger ones (decrypted chunks) from the heap.
class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(std::size_t size);  // zero-filled
  explicit SecretBytes(ByteView bytes);
  static SecretBytes from_string(std::string_view text) { return SecretBytes(as_bytes(text)); }
  // Takes ownership of `bytes` and wipes the source container.
  static SecretBytes adopt(Bytes&& bytes);

  ~SecretBytes() { wipe(); }
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  SecretBytes(SecretBytes&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)),
        size_(std::exchange(other.size_, 0)),
        capacity_(std::exchange(other.capacity_, 0)) {}
  SecretBytes& operator=(SecretBytes&& other) noexcept;

  SecretBytes clone() const { return SecretBytes(view()); }

  std::uint8_t* data() noexcept { return data_; }
  const std::uint8_t* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  ByteView view() const noexcept { return {data_, size_}; }
  MutableByteView mutable_view() noexcept { return {data_, size_}; }
  // For secrets that are text (passwords, base64url key strings).
  std::string_view str() const noexcept { return as_chars(view()); }

  // Constant-time comparison.
  bool equals(ByteView other) const noexcept;

  // Shrinks to the first new_size bytes (no-op if new_size >= size()); the dropped tail is wiped
  // first and the storage is kept, so no copy of the secret is left behind.
  void truncate(std::size_t new_size) noexcept;

 private:
  void wipe() noexcept;           // wipes and releases the whole capacity
  std::uint8_t* data_ = nullptr;  // from secret_allocate(capacity_); null when capacity_ is 0
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

// Lowercase hex, for tests, logs of public values and EnigmaCrypt blobs.
std::string hex_encode(ByteView bytes);
// Accepts upper- and lowercase; throws CryptoError(kInvalidEncoding) on odd length or non-hex.
Bytes hex_decode(std::string_view hex);

// Constant-time equality of two byte strings (false when the lengths differ).
bool constant_time_equal(ByteView a, ByteView b) noexcept;

}  // namespace anonfs::crypto
