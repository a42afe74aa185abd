// EnigmaCrypt (enigmacrypt.app) secret blobs: the `encryptedContent` string the create API takes,
// and a password generator for secrets shared through it (secrets-protocols.md §1).
//
// Blob = lowerhex(salt[16]) || lowerhex(iv[16]) || base64(AES-256-CBC-PKCS7(key, iv, plaintext))
// with key = PBKDF2-HMAC-<SHA-256|SHA-1>(password UTF-8, salt, 100000, 32) and
// plaintext = the UTF-8 JSON {"version":"v1","content":<secret>,"created":<ISO-8601>}.
//
// CBC has no authentication tag: a wrong password or a tampered blob is detected only by the
// PKCS7 padding check plus the requirement that the plaintext is a UTF-8 JSON object with
// version "v1" and a string content. Callers must treat the decrypted content as unauthenticated
// (it came from whoever knows the password, and a modified blob is caught only probabilistically,
// though with overwhelming probability).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "anonfs/crypto/bytes.hpp"
#include "anonfs/crypto/hash.hpp"

namespace anonfs::crypto {

inline constexpr unsigned kEnigmaPbkdf2Iterations = 100000;
inline constexpr std::size_t kEnigmaSaltSize = 16;
inline constexpr std::size_t kEnigmaIvSize = 16;
inline constexpr std::size_t kEnigmaKeySize = 32;
// Upper bound on a blob this client will decode (the service documents none; secrets are text).
inline constexpr std::size_t kEnigmaMaxBlobSize = 16u << 20;

// A decrypted EnigmaCrypt message.
struct EnigmaMessage {
  SecretBytes content;  // the secret, UTF-8
  std::string created;  // the sender's `created` timestamp as written (empty if the JSON had none)
  HashAlg hash;         // the PBKDF2 hash that opened the blob (cache it per service)
};

// Current UTC time in JavaScript's Date.toISOString() form, e.g. "2026-11-23T08:16:25.188Z".
std::string enigma_created_now();

// Encrypts `content` (UTF-8 text) under `password` (UTF-8) with fresh random salt and IV.
// `created` must have the Date.toISOString() form YYYY-MM-DDTHH:MM:SS.sssZ. The plaintext JSON is
// byte-identical to what JSON.stringify writes for {version, content, created}.
// Throws kInvalidArgument on non-UTF-8 content or password, an empty password or a bad `created`.
std::string enigma_encrypt(ByteView content, ByteView password, std::string_view created,
                           HashAlg hash = HashAlg::kSha256);

// Same with a caller-chosen salt and IV (16 bytes each, kInvalidLength otherwise). For tests and
// known-answer vectors only: never reuse a salt/IV pair.
std::string enigma_encrypt(ByteView content, ByteView password, std::string_view created,
                           ByteView salt, ByteView iv, HashAlg hash = HashAlg::kSha256);

// Decrypts a blob, trying PBKDF2-HMAC-SHA256 first and then PBKDF2-HMAC-SHA1 (crypto-js 4.2.0 vs
// <= 4.1.1). Throws:
//   kUnsupported      a CryptoJS "Salted__" blob (base64 part starting with U2FsdGVkX1), or a
//                     decryption that yields a JSON object whose version is not "v1";
//   kInvalidLength    blob shorter than salt+IV+one block, longer than kEnigmaMaxBlobSize, or a
//                     ciphertext that is not a non-zero multiple of 16 bytes;
//   kInvalidEncoding  salt/IV not hex (either case accepted), ciphertext not padded standard
//   base64; kInvalidFormat    the plaintext is JSON but not an object with a string `content`;
//   kWrongPassword    no hash gives valid padding and a valid JSON object (wrong password or a
//                     corrupted/tampered blob; the two cannot be told apart).
EnigmaMessage enigma_decrypt(std::string_view blob, ByteView password);

// Decrypts with one given hash only (e.g. the one cached for this service). Same errors.
EnigmaMessage enigma_decrypt(std::string_view blob, ByteView password, HashAlg hash);

// Default length of enigma_generate_password(): 22 symbols of 57 give 128.3 bits.
inline constexpr std::size_t kEnigmaPasswordLength = 22;

// The generator's alphabet: ASCII letters and digits without the look-alikes 0 O 1 l I, because
// an EnigmaCrypt password is handed over out of band (read aloud, typed from a phone).
inline constexpr std::string_view kEnigmaPasswordAlphabet =
    "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

// A random unlock password: `length` symbols drawn uniformly (CSPRNG, rejection sampling, no
// modulo bias) from kEnigmaPasswordAlphabet. length must be 12..256 (kInvalidArgument otherwise).
SecretBytes enigma_generate_password(std::size_t length = kEnigmaPasswordLength);

}  // namespace anonfs::crypto
