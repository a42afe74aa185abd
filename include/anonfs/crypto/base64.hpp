// Strict base64 (RFC 4648 §4) and base64url (§5) codecs.
//
// Encoders: base64 always pads with '='; base64url never pads (anon.li never sends padding).
// Decoders reject characters outside the alphabet, whitespace, impossible lengths (len % 4 == 1),
// misplaced or excess padding and non-canonical encodings (non-zero unused trailing bits), so
// that every byte string has exactly one accepted spelling per padding style.
#pragma once

#include <string>
#include <string_view>

#include "anonfs/crypto/bytes.hpp"

namespace anonfs::crypto {

enum class Padding {
  kRequired,   // input length must be a multiple of 4, padded with '='
  kForbidden,  // no '=' allowed
  kOptional,   // either correctly padded or not padded at all
};

std::string base64_encode(ByteView data);
Bytes base64_decode(std::string_view text, Padding padding = Padding::kRequired);

std::string base64url_encode(ByteView data);
// anon.li decoders re-pad, so correctly padded input is tolerated by default.
Bytes base64url_decode(std::string_view text, Padding padding = Padding::kOptional);

// Decodes straight into wiped storage, for keys.
SecretBytes base64url_decode_secret(std::string_view text, Padding padding = Padding::kOptional);
// Decodes and requires an exact decoded length (kInvalidLength otherwise).
Bytes base64url_decode_exact(std::string_view text, std::size_t expected_size);

// Encoded length of n bytes without padding (base64url) and with padding (base64).
constexpr std::size_t base64url_encoded_size(std::size_t n) noexcept {
  return (n / 3) * 4 + (n % 3 == 0 ? 0 : n % 3 + 1);
}
constexpr std::size_t base64_encoded_size(std::size_t n) noexcept {
  return (n + 2) / 3 * 4;
}

}  // namespace anonfs::crypto
