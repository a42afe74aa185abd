// password.link secrets (secrets-protocols.md §2.4–§2.7): the split password (two 18-character
// halves, private half stored by the server, public half in the link fragment) and the sealing
// of a plaintext into the API's `ciphertext` (base64 of an SJCL GCM JSON document).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "anonfs/crypto/bytes.hpp"
#include "anonfs/crypto/sjcl.hpp"

namespace anonfs::crypto {

inline constexpr std::size_t kPasswordLinkHalfSize = 18;
// base64 of 18 bytes: 24 characters, never padded.
inline constexpr std::size_t kPasswordLinkHalfB64Size = 24;

// The generator's 90 symbols: ASCII letters, digits and 28 punctuation marks. These are the 25
// marks of the Raycast password.link client ($|/\!_+,.-?()[]{}<>&#^*=@, 87 symbols in all) plus
// % ~ : to reach 90. The server never looks at the halves (it stores base64), so any printable
// ASCII interoperates; 18 symbols carry 116.9 bits.
inline constexpr std::string_view kPasswordLinkAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    "$|/\\!_+,.-?()[]{}<>&#^*=@%~:";

// The two password halves. The AES password is private_part + public_part (private first).
struct PasswordLinkHalves {
  SecretBytes private_part;  // stored by the server (sent base64-encoded)
  SecretBytes public_part;   // travels only in the link fragment
};

// Two fresh halves of kPasswordLinkHalfSize symbols each, drawn uniformly from
// kPasswordLinkAlphabet with the CSPRNG (rejection sampling, no modulo bias).
PasswordLinkHalves passwordlink_generate_halves();

// What passwordlink_seal produces for the create call and the link.
struct PasswordLinkSealed {
  std::string ciphertext;             // API field `ciphertext`: base64 of the SJCL JSON text
  SecretBytes password_part_private;  // API field `password_part_private`: base64(private half)
  SecretBytes public_part_b64;        // base64(public half): the link fragment
};

// Seals UTF-8 `plaintext` (kInvalidArgument otherwise: the hosted viewer decodes it as UTF-8)
// under fresh halves. `params` defaults to the official settings (gcm, ks 256, iter 10000, SJCL's
// 64-bit tag and 8-byte salt); ts 128 / 16-byte salt also interoperate.
PasswordLinkSealed passwordlink_seal(ByteView plaintext, const SjclParams& params = {});

// Seals under given halves (each exactly 18 bytes, kInvalidLength otherwise).
PasswordLinkSealed passwordlink_seal(ByteView plaintext, const PasswordLinkHalves& halves,
                                     const SjclParams& params = {});

// Decodes one base64 half (`password_part_private` or the link fragment; standard alphabet, so
// '+' and '/' may occur and must not have been form-decoded). Throws kInvalidEncoding on bad
// base64 and kInvalidLength unless it decodes to exactly 18 bytes.
SecretBytes passwordlink_decode_half(std::string_view half_b64);

// The AES password for two decoded halves: private + public, converted the way the JavaScript
// viewer sees it (atob gives one character per byte; SJCL then UTF-8-encodes the string). For
// ASCII halves this is plain concatenation.
SecretBytes passwordlink_password(ByteView private_part, ByteView public_part);

// Opens a secret from the view call's `ciphertext` and `password_part_private` and the link's
// fragment. Throws kInvalidEncoding/kInvalidLength for bad halves or ciphertext encoding, the
// sjcl_parse errors for a bad document, and kWrongPassword when the GCM tag does not verify.
// Returns the plaintext bytes (UTF-8 from every known producer; not re-validated here).
SecretBytes passwordlink_open(std::string_view ciphertext_b64,
                              std::string_view password_part_private_b64,
                              std::string_view public_part_b64);

}  // namespace anonfs::crypto
