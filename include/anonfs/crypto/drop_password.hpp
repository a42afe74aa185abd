// Password-protected drops (`customKey`, protocol spec §7): the drop's key string is encrypted
// with AES-256-GCM under Argon2id(password, salt), giving the salt / customKeyData /
// customKeyIv fields of a drop. Only the password holder can recover the key string.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "anonfs/crypto/bytes.hpp"
#include "anonfs/crypto/drop_codec.hpp"

namespace anonfs::crypto {

inline constexpr std::size_t kDropPasswordSaltSize = 32;    // -> 43 base64url chars
inline constexpr std::size_t kDropPasswordIvSize = 12;      // -> 16 base64url chars
inline constexpr std::size_t kCustomKeyDataMaxChars = 512;  // server limit (70..512)
inline constexpr std::size_t kMinDropPasswordLength = 12;   // web UI rule; not enforced here

// The public fields stored with a password-protected drop, all base64url without padding.
struct DropPasswordFields {
  std::string salt;             // 32 bytes, 43 chars
  std::string custom_key_data;  // GCM(key string) || tag: 59 bytes, 79 chars for a 43-char key
  std::string custom_key_iv;    // 12 bytes, 16 chars

  bool operator==(const DropPasswordFields&) const = default;
};

// Protects `key` (its 43-char key string) with `password` (UTF-8 bytes) using a fresh random
// salt and IV. One Argon2id derivation (~64 MiB, ~0.3 s). kInvalidArgument for an empty password.
DropPasswordFields protect_drop_key(const DropKey& key, ByteView password);

// Deterministic form for tests: salt must be 32 bytes, iv 12 bytes (kInvalidLength otherwise).
DropPasswordFields protect_drop_key(const DropKey& key, ByteView password, ByteView salt,
                                    ByteView iv);

// Recovers the key string from the drop's fields. The fields are validated before any key
// derivation: kInvalidEncoding / kInvalidLength on malformed fields; kWrongPassword when the
// GCM tag does not verify (wrong password or tampered data).
SecretBytes unlock_drop_key_string(ByteView password, std::string_view salt,
                                   std::string_view custom_key_data,
                                   std::string_view custom_key_iv);

// unlock_drop_key_string followed by DropKey::parse (which also accepts the legacy form).
DropKey unlock_drop_key(ByteView password, const DropPasswordFields& fields);

}  // namespace anonfs::crypto
