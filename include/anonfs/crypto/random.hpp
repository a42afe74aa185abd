// Cryptographically secure randomness (OpenSSL RAND_bytes). Throws CryptoError(kInternal) if the
// generator fails; never falls back to a weaker source.
#pragma once

#include <cstdint>

#include "anonfs/crypto/bytes.hpp"

namespace anonfs::crypto {

void random_fill(MutableByteView out);
Bytes random_bytes(std::size_t n);
SecretBytes random_secret(std::size_t n);
// Uniform integer in [0, bound) without modulo bias (rejection sampling). bound must be > 0.
std::uint32_t random_uniform(std::uint32_t bound);

}  // namespace anonfs::crypto
