// Argon2id via libargon2 (reference implementation).
#include "anonfs/crypto/argon2id.hpp"

#include <argon2.h>

#include <string>

#include "anonfs/crypto/error.hpp"

namespace anonfs::crypto {

static_assert(ARGON2_VERSION_NUMBER == 0x13, "anon.li uses Argon2 version 0x13");

SecretBytes argon2id(ByteView password, ByteView salt, const Argon2idParams& params) {
  SecretBytes out(params.output_size);
  const int rc =
      argon2id_hash_raw(params.iterations, params.memory_kib, params.parallelism, password.data(),
                        password.size(), salt.data(), salt.size(), out.data(), out.size());
  if (rc == ARGON2_OK) return out;
  const std::string message = std::string("argon2id: ") + argon2_error_message(rc);
  switch (rc) {
    case ARGON2_MEMORY_ALLOCATION_ERROR:
    case ARGON2_THREAD_FAIL:
      throw CryptoError(CryptoErrc::kInternal, message);
    default:
      throw CryptoError(CryptoErrc::kInvalidArgument, message);
  }
}

}  // namespace anonfs::crypto
