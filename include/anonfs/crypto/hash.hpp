// Hashes, MACs and key derivation (OpenSSL 3 EVP).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "anonfs/crypto/bytes.hpp"

namespace anonfs::crypto {

using Digest256 = std::array<std::uint8_t, 32>;

enum class HashAlg { kSha1, kSha256 };

Digest256 sha256(ByteView data);
Digest256 hmac_sha256(ByteView key, ByteView data);

// PBKDF2-HMAC-<alg>. iterations >= 1.
SecretBytes pbkdf2(HashAlg alg, ByteView password, ByteView salt, unsigned iterations,
                   std::size_t out_size);

// HKDF-SHA256 (RFC 5869); an empty salt means HashLen zero bytes.
SecretBytes hkdf_sha256(ByteView ikm, ByteView salt, ByteView info, std::size_t out_size);

}  // namespace anonfs::crypto
