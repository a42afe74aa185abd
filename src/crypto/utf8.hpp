// Internal: strict UTF-8 validation (RFC 3629) shared by the secret-sharing formats. Not a public
// header; only src/crypto includes it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "anonfs/crypto/bytes.hpp"

namespace anonfs::crypto::detail {

// True when `text` is well-formed UTF-8: no overlong forms, no UTF-16 surrogates (U+D800..DFFF),
// nothing above U+10FFFF, no truncated sequences. NUL bytes are allowed (they are valid UTF-8).
inline bool is_valid_utf8(ByteView text) noexcept {
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    const std::uint8_t b0 = text[i];
    if (b0 < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint8_t lo = 0x80;  // allowed range of the second byte
    std::uint8_t hi = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      len = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      len = 3;
      if (b0 == 0xE0) lo = 0xA0;  // no overlongs
      if (b0 == 0xED) hi = 0x9F;  // no surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      len = 4;
      if (b0 == 0xF0) lo = 0x90;  // no overlongs
      if (b0 == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
    } else {
      return false;  // continuation byte, C0/C1 overlong lead, or F5..FF
    }
    if (n - i < len) return false;
    if (text[i + 1] < lo || text[i + 1] > hi) return false;
    for (std::size_t k = 2; k < len; ++k) {
      if ((text[i + k] & 0xC0) != 0x80) return false;
    }
    i += len;
  }
  return true;
}

}  // namespace anonfs::crypto::detail
