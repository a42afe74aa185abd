// CSPRNG access through OpenSSL RAND_bytes.
#include "anonfs/crypto/random.hpp"

#include <openssl/rand.h>

#include <climits>

#include "anonfs/crypto/error.hpp"
#include "ossl.hpp"

namespace anonfs::crypto {

void random_fill(MutableByteView out) {
  std::size_t done = 0;
  while (done < out.size()) {
    const std::size_t n = std::min<std::size_t>(out.size() - done, INT_MAX);
    ossl::check(RAND_bytes(out.data() + done, static_cast<int>(n)), "RAND_bytes");
    done += n;
  }
}

Bytes random_bytes(std::size_t n) {
  Bytes out(n);
  random_fill(out);
  return out;
}

SecretBytes random_secret(std::size_t n) {
  SecretBytes out(n);
  random_fill(out.mutable_view());
  return out;
}

std::uint32_t random_uniform(std::uint32_t bound) {
  if (bound == 0) throw CryptoError(CryptoErrc::kInvalidArgument, "random_uniform: bound is 0");
  // Reject the top partial bucket of the 2^32 range so that every residue is equally likely.
  const std::uint32_t limit = UINT32_MAX - (UINT32_MAX % bound + 1) % bound;
  for (;;) {
    std::uint32_t v = 0;
    random_fill(MutableByteView(reinterpret_cast<std::uint8_t*>(&v), sizeof v));
    if (v <= limit) return v % bound;
  }
}

}  // namespace anonfs::crypto
