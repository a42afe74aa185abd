// The anon.li drop codec (protocol spec §5): the drop key type, base IV parsing, whole-chunk
// AES-256-GCM encryption/decryption (ciphertext || 16-byte tag, no AAD) and the encrypted
// metadata strings (filename, title, message; base64url).
//
// Encryption always uses nonce scheme L. Decryption tries scheme X, then L (or the caller's hint
// first), per item, and reports which scheme opened it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "anonfs/crypto/bytes.hpp"
#include "anonfs/crypto/drop_nonce.hpp"

namespace anonfs::crypto {

inline constexpr std::size_t kDropKeySize = 32;
inline constexpr std::size_t kDropKeyStringSize = 43;  // base64url of 32 bytes, unpadded
inline constexpr std::size_t kDropIvStringSize = 16;   // base64url of 12 bytes
inline constexpr std::size_t kDropTagSize = 16;        // GCM tag appended to every item

// Largest plaintexts whose encryption still fits the server's field limits
// (encryptedName <= 2048, encryptedTitle <= 1024, encryptedMessage <= 4096 chars).
inline constexpr std::size_t kMaxNameBytes = 1520;
inline constexpr std::size_t kMaxTitleBytes = 752;
inline constexpr std::size_t kMaxMessageBytes = 3056;
// Decoders refuse encrypted metadata strings longer than this (bounds work on untrusted input).
inline constexpr std::size_t kMaxEncryptedTextChars = 65536;

// The 32-byte AES-256-GCM key of one drop. Move-only; the bytes live in wiped storage.
class DropKey {
 public:
  // 32 fresh random bytes.
  static DropKey generate();
  // Raw key bytes; kInvalidLength unless exactly 32 bytes.
  static DropKey from_bytes(ByteView raw);
  // The key string of a share URL: 43-char base64url (padding tolerated), or the legacy
  // `derived:<salt>:<key>` form whose third component is the key. kInvalidFormat on a bad
  // structure, kInvalidEncoding on bad base64url, kInvalidLength unless 32 bytes decode.
  static DropKey parse(std::string_view key_string);

  DropKey(DropKey&&) noexcept = default;
  DropKey& operator=(DropKey&&) noexcept = default;
  DropKey clone() const { return DropKey(key_.clone()); }

  // The 43-char base64url key string (secret: it is the key).
  SecretBytes to_string() const;
  ByteView bytes() const noexcept { return key_.view(); }

 private:
  explicit DropKey(SecretBytes key) : key_(std::move(key)) {}
  SecretBytes key_;
};

// Parses a 16-char base64url base IV (padding tolerated); kInvalidEncoding / kInvalidLength.
DropIv parse_drop_iv(std::string_view text);
// 16-char base64url.
std::string format_drop_iv(const DropIv& iv);
// 12 fresh random bytes (one per drop and one per file; never reuse under one key).
DropIv generate_drop_iv();

// ---- Chunks -------------------------------------------------------------------------------
// Chunk indexes must be below kMessageDomain (reserved counters) else kInvalidArgument.

// Encrypts chunk `index` of a file with scheme L. `out` must hold exactly plaintext.size() + 16
// bytes and may start at plaintext.data() (in place); any other overlap is kInvalidArgument.
void encrypt_chunk(const DropKey& key, const DropIv& file_iv, std::uint32_t index,
                   ByteView plaintext, MutableByteView out);

// In-place form: `buffer` holds the plaintext in its first plaintext_size bytes and has room
// for the tag; returns buffer's first plaintext_size + 16 bytes (the PUT body of the part).
MutableByteView encrypt_chunk_in_place(const DropKey& key, const DropIv& file_iv,
                                       std::uint32_t index, MutableByteView buffer,
                                       std::size_t plaintext_size);

// Decrypts chunk `index` (ciphertext || tag, at least 16 bytes) into `out`, which must hold
// exactly ciphertext.size() - 16 bytes and may be the same memory as the ciphertext (then the
// ciphertext is kept intact between attempts). Tries `hint` first, then the other scheme
// (default order X, L). Returns the scheme that verified. Throws
// CryptoError(kAuthenticationFailed) naming the chunk index when no scheme verifies.
NonceScheme decrypt_chunk(const DropKey& key, const DropIv& file_iv, std::uint32_t index,
                          ByteView ciphertext, MutableByteView out,
                          std::optional<NonceScheme> hint = std::nullopt);

// In-place form: on success buffer's first buffer.size() - 16 bytes are the plaintext; on
// failure the buffer still holds the ciphertext.
NonceScheme decrypt_chunk_in_place(const DropKey& key, const DropIv& file_iv, std::uint32_t index,
                                   MutableByteView buffer,
                                   std::optional<NonceScheme> hint = std::nullopt);

// ---- Metadata strings ---------------------------------------------------------------------

// A decrypted metadata string and how it was opened.
struct DecryptedText {
  std::string text;      // valid UTF-8
  NonceScheme scheme;    // scheme whose nonce verified
  std::uint32_t domain;  // kNameDomain or kMessageDomain
};

// Filename (the relative path, '/'-separated) under the file IV, domain 0xFFFFFFFF, scheme L.
// The name must be valid UTF-8 of at most kMaxNameBytes (kInvalidArgument). Returns base64url.
std::string encrypt_name(const DropKey& key, const DropIv& file_iv, std::string_view name);
// Decrypts an encryptedName: kInvalidEncoding/kInvalidLength on malformed input,
// kAuthenticationFailed when neither scheme verifies (= wrong key), kInvalidFormat if the
// plaintext is not UTF-8.
DecryptedText decrypt_name(const DropKey& key, const DropIv& file_iv, std::string_view encrypted,
                           std::optional<NonceScheme> hint = std::nullopt);

// Drop title under the drop IV, domain 0xFFFFFFFF (at most kMaxTitleBytes).
std::string encrypt_title(const DropKey& key, const DropIv& drop_iv, std::string_view title);
DecryptedText decrypt_title(const DropKey& key, const DropIv& drop_iv, std::string_view encrypted,
                            std::optional<NonceScheme> hint = std::nullopt);

// Drop message under the drop IV, domain 0xFFFFFFFE (at most kMaxMessageBytes). Decryption tries
// 0xFFFFFFFE then 0xFFFFFFFF (old clients), each with both schemes.
std::string encrypt_message(const DropKey& key, const DropIv& drop_iv, std::string_view message);
DecryptedText decrypt_message(const DropKey& key, const DropIv& drop_iv, std::string_view encrypted,
                              std::optional<NonceScheme> hint = std::nullopt);

// Strict UTF-8 check (no overlong forms, no surrogates, nothing above U+10FFFF).
bool is_valid_utf8(std::string_view text) noexcept;

}  // namespace anonfs::crypto
