// Internal: decoding of fixed-size base64url fields (keys, IVs, salts, wrapped keys). A text of
// the wrong length is kInvalidLength before anything is decoded; then the strict decoder reports
// kInvalidEncoding for bad characters, misplaced padding or non-canonical trailing bits.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "anonfs/crypto/base64.hpp"
#include "anonfs/crypto/bytes.hpp"
#include "anonfs/crypto/error.hpp"

namespace anonfs::crypto::detail {

// Throws kInvalidLength unless text has the unpadded or the '='-padded length of `size` bytes.
inline void check_fixed_b64url_length(std::string_view text, std::size_t size, const char* what) {
  if (text.size() != base64url_encoded_size(size) && text.size() != base64_encoded_size(size)) {
    throw CryptoError(CryptoErrc::kInvalidLength, std::string(what) + " must be " +
                                                      std::to_string(base64url_encoded_size(size)) +
                                                      " base64url characters");
  }
}

inline Bytes decode_fixed_b64url(std::string_view text, std::size_t size, const char* what) {
  check_fixed_b64url_length(text, size, what);
  Bytes raw = base64url_decode(text);
  if (raw.size() != size) {
    throw CryptoError(CryptoErrc::kInvalidLength, std::string(what) + " has the wrong length");
  }
  return raw;
}

inline SecretBytes decode_fixed_b64url_secret(std::string_view text, std::size_t size,
                                              const char* what) {
  check_fixed_b64url_length(text, size, what);
  SecretBytes raw = base64url_decode_secret(text);
  if (raw.size() != size) {
    throw CryptoError(CryptoErrc::kInvalidLength, std::string(what) + " has the wrong length");
  }
  return raw;
}

}  // namespace anonfs::crypto::detail
