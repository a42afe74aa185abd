// SJCL (Stanford JavaScript Crypto Library) password-based AES-GCM JSON, the ciphertext format of
// password.link and of old PrivateBin (secrets-protocols.md §2.5).
//
// {"iv":…,"v":1,"iter":10000,"ks":256,"ts":64,"mode":"gcm","adata":"","cipher":"aes",
//  "salt":…,"ct":…}
// key = PBKDF2-HMAC-SHA256(password UTF-8, salt, iter) truncated to ks bits; ct = base64 of
// AES-GCM ciphertext || tag (tag = last ts/8 bytes); adata = base64 of the AAD ("" = none).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "anonfs/crypto/bytes.hpp"

namespace anonfs::crypto {

inline constexpr unsigned kSjclDefaultIterations = 10000;
// Decryption refuses iteration counts above this (an attacker-chosen count is a DoS lever).
inline constexpr unsigned kSjclMaxIterations = 10'000'000;
// SJCL refuses iter <= 100 for passwords; so do we.
inline constexpr unsigned kSjclMinIterations = 101;
// Upper bound on the JSON text this client will parse.
inline constexpr std::size_t kSjclMaxJsonSize = 16u << 20;

// Encryption parameters. The defaults are SJCL's own defaults with password.link's required
// settings (mode gcm, ks 256, iter 10000): 64-bit tag, 8-byte salt, 16-byte IV.
struct SjclParams {
  unsigned iterations = kSjclDefaultIterations;  // kSjclMinIterations..kSjclMaxIterations
  unsigned key_bits = 256;                       // 128, 192 or 256
  unsigned tag_bits = 64;                        // 64, 96 or 128
  std::size_t salt_size = 8;                     // 8 or 16 bytes
};

// A parsed SJCL document (all binary fields decoded). Only GCM/AES/v1 documents parse.
struct SjclBlob {
  unsigned iterations = kSjclDefaultIterations;
  unsigned key_bits = 128;  // SJCL's defaults apply to absent fields
  unsigned tag_bits = 64;
  Bytes iv;          // 8..16 bytes
  Bytes salt;        // 1..64 bytes
  Bytes adata;       // GCM associated data, empty = none
  Bytes ciphertext;  // ciphertext || tag
};

// Encrypts with a fresh random 16-byte IV and params.salt_size random salt bytes. Returns the
// JSON text in SJCL's key order with padded base64. `adata` (may be empty) is authenticated, not
// encrypted. Throws kInvalidArgument on parameters outside the ranges above.
std::string sjcl_encrypt(ByteView password, ByteView plaintext, const SjclParams& params = {},
                         ByteView adata = {});

// Same with a caller-chosen salt (8 or 16 bytes) and IV (8..16 bytes); params.salt_size is ignored.
// For tests and known-answer vectors only: never reuse a salt/IV pair with one password.
std::string sjcl_encrypt(ByteView password, ByteView plaintext, ByteView salt, ByteView iv,
                         const SjclParams& params = {}, ByteView adata = {});

// Parses and validates an SJCL JSON document. Tolerant of key order, unknown keys, absent fields
// that SJCL defaults (v, iter, ks, ts, adata, cipher) and unpadded base64; strict otherwise.
// Throws:
//   kInvalidFormat    not a JSON object, a field of the wrong JSON type, iv/salt/ct missing;
//   kInvalidEncoding  a binary field that is not canonical base64;
//   kUnsupported      v != 1, cipher != "aes", mode != "gcm" (absent mode is SJCL's "ccm"),
//                     ks not 128/192/256, ts not 64/96/128, iter outside 101..10,000,000;
//   kInvalidLength    iv not 8..16 bytes, salt not 1..64 bytes, ct shorter than the tag,
//                     JSON text longer than kSjclMaxJsonSize.
SjclBlob sjcl_parse(std::string_view json);

// Derives the key and opens the GCM ciphertext. Throws kWrongPassword when the tag does not
// verify (wrong password or tampered data). Returns the plaintext bytes as SJCL would with
// `raw`: this layer does not require them to be UTF-8.
SecretBytes sjcl_decrypt(const SjclBlob& blob, ByteView password);

// sjcl_parse + sjcl_decrypt.
SecretBytes sjcl_decrypt(std::string_view json, ByteView password);

}  // namespace anonfs::crypto
