// AES-256-GCM, the one primitive under drops, forms, vault payloads and SJCL.
//
// Layout is WebCrypto's: ciphertext || tag. IVs of any length >= 1 byte are accepted (12 is the
// norm; SJCL uses 16, for which GCM derives J0 by GHASH). Tag length 4..16 bytes (16 default).
// `out` may be exactly the same memory as the input (in-place); partial overlap is not allowed.
#pragma once

#include <cstddef>

#include "anonfs/crypto/bytes.hpp"

namespace anonfs::crypto {

inline constexpr std::size_t kAesKeySize = 32;
inline constexpr std::size_t kGcmIvSize = 12;
inline constexpr std::size_t kGcmTagSize = 16;

// Encrypts plaintext into out[0, plaintext.size() + tag_size). Throws kInvalidArgument on bad
// sizes, kInvalidLength on a key that is not 32 bytes.
void gcm_encrypt(ByteView key, ByteView iv, ByteView aad, ByteView plaintext, MutableByteView out,
                 std::size_t tag_size = kGcmTagSize);

// Decrypts ciphertext||tag into out[0, input.size() - tag_size). Returns false if the tag does not
// verify; then the contents of out are unspecified (when decrypting in place, the input is lost;
// see gcm_decrypt_in_place_or_restore). Throws on bad sizes.
[[nodiscard]] bool gcm_decrypt(ByteView key, ByteView iv, ByteView aad, ByteView input,
                               MutableByteView out, std::size_t tag_size = kGcmTagSize);

// In-place decryption that restores the ciphertext when the tag fails, so a caller can try
// another nonce on the same buffer. `buffer` holds ciphertext||tag; on success its first
// size - tag_size bytes are the plaintext.
[[nodiscard]] bool gcm_decrypt_in_place_or_restore(ByteView key, ByteView iv, ByteView aad,
                                                   MutableByteView buffer,
                                                   std::size_t tag_size = kGcmTagSize);

// Convenience forms returning new buffers.
Bytes gcm_seal(ByteView key, ByteView iv, ByteView aad, ByteView plaintext,
               std::size_t tag_size = kGcmTagSize);
// Throws CryptoError(kAuthenticationFailed) when the tag does not verify.
SecretBytes gcm_open(ByteView key, ByteView iv, ByteView aad, ByteView input,
                     std::size_t tag_size = kGcmTagSize);

}  // namespace anonfs::crypto
