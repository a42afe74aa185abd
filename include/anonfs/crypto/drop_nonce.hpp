// Per-chunk and per-domain GCM nonce derivation of anon.li drops (protocol spec §5.2).
//
// Two schemes exist. Scheme X (current web client) XORs the big-endian counter into the last
// four bytes of the 12-byte base IV; scheme L (legacy, documented, read by every client) keeps the
// first eight bytes of the base IV and appends the big-endian counter. anonfs encrypts with L and
// decrypts trying X, then L.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace anonfs::crypto {

// Size of a drop base IV (drop-level IV and per-file IV) and of every derived nonce.
inline constexpr std::size_t kDropIvSize = 12;

// A 12-byte base IV as sent in the `iv` fields of drops and files.
using DropIv = std::array<std::uint8_t, kDropIvSize>;
// A derived 12-byte AES-GCM nonce.
using DropNonce = std::array<std::uint8_t, kDropIvSize>;

enum class NonceScheme : std::uint8_t {
  kX,  // current web client: bytes 8..11 of the base IV XOR BE32(counter)
  kL,  // legacy/documented: base IV bytes 0..7 || BE32(counter)
};

// Reserved counters. Data chunks use 0..chunkCount-1 (at most 9 999).
inline constexpr std::uint32_t kNameDomain = 0xFFFFFFFFu;     // filename (file IV), title (drop IV)
inline constexpr std::uint32_t kMessageDomain = 0xFFFFFFFEu;  // drop message (drop IV)

// "X" or "L", for logs.
constexpr const char* to_string(NonceScheme scheme) noexcept {
  return scheme == NonceScheme::kX ? "X" : "L";
}

// The other scheme (X <-> L); used to order decryption attempts.
constexpr NonceScheme other_scheme(NonceScheme scheme) noexcept {
  return scheme == NonceScheme::kX ? NonceScheme::kL : NonceScheme::kX;
}

// Derives the nonce for `counter` (chunk index or reserved domain) from a base IV.
constexpr DropNonce derive_nonce(const DropIv& base_iv, std::uint32_t counter,
                                 NonceScheme scheme) noexcept {
  DropNonce nonce = base_iv;
  for (std::size_t i = 0; i < 4; ++i) {
    const auto byte = static_cast<std::uint8_t>(counter >> (24 - 8 * i));
    nonce[8 + i] =
        scheme == NonceScheme::kX ? static_cast<std::uint8_t>(base_iv[8 + i] ^ byte) : byte;
  }
  return nonce;
}

}  // namespace anonfs::crypto
