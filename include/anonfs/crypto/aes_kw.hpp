// AES-256 key wrap (RFC 3394, default IV A6A6A6A6A6A6A6A6), as WebCrypto's "AES-KW": used by the
// anon.li vault to wrap the vault key under the password KEK and drop keys under the vault key.
#pragma once

#include <cstddef>

#include "anonfs/crypto/bytes.hpp"

namespace anonfs::crypto {

inline constexpr std::size_t kAesKwBlockSize = 8;  // wrap works on 64-bit blocks
inline constexpr std::size_t kAesKwOverhead = 8;   // wrapped = key data + 8 bytes

// Wraps key_data (a multiple of 8 bytes, at least 16) under a 32-byte KEK.
// kInvalidLength for a KEK that is not 32 bytes or key data of a bad length.
Bytes aes_kw_wrap(ByteView kek, ByteView key_data);

// Unwraps (wrapped: a multiple of 8 bytes, at least 24). kInvalidLength on bad lengths,
// kAuthenticationFailed when the integrity check fails (wrong KEK or corrupted data).
SecretBytes aes_kw_unwrap(ByteView kek, ByteView wrapped);

}  // namespace anonfs::crypto
