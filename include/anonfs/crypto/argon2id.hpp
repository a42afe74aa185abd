// Argon2id (RFC 9106, version 0x13) as used by anon.li for drop passwords (§7) and the vault
// (§8.2): m = 65 536 KiB, t = 3, p = 1, 32-byte output, no secret, no associated data.
#pragma once

#include <cstddef>
#include <cstdint>

#include "anonfs/crypto/bytes.hpp"

namespace anonfs::crypto {

// Cost parameters; the defaults are anon.li's.
struct Argon2idParams {
  std::uint32_t memory_kib = 65'536;
  std::uint32_t iterations = 3;
  std::uint32_t parallelism = 1;
  std::size_t output_size = 32;
};

// Derives output_size bytes from the password bytes (UTF-8, no normalisation) and the salt.
// Throws kInvalidArgument for parameters or a salt libargon2 refuses (salt < 8 bytes, cost
// out of range) and kInternal if it fails otherwise (e.g. out of memory).
SecretBytes argon2id(ByteView password, ByteView salt, const Argon2idParams& params = {});

}  // namespace anonfs::crypto
