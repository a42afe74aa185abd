// Form owner keys and form passwords: wrapping the form's PKCS#8 private key under the vault key
// (§10.4) and the password gate of protected forms (§12: salt, customKeyData, customKeyIv,
// customKeyVerifier, and the witness that serves as customKeyProof).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "anonfs/crypto/bytes.hpp"
#include "anonfs/crypto/p256.hpp"

namespace anonfs::crypto {

// ---------------------------------------------------------------------------------------------
// §10.4 wrappedPrivateKey = base64url(iv(12) || AES-256-GCM(vaultKey, iv, PKCS#8, AAD) || tag)

inline constexpr std::string_view kFormOwnerKeyAad = "anon.li:form-owner-key:v1";

// Wraps `pkcs8_der` under the 32-byte vault key with a random IV (kInvalidLength for a key that is
// not 32 bytes). For the 138-byte PKCS#8 the result is 222 characters.
std::string wrap_form_private_key(ByteView vault_key, ByteView pkcs8_der);
// Deterministic variant for test vectors: `iv` must be 12 bytes (kInvalidLength otherwise).
std::string wrap_form_private_key(ByteView vault_key, ByteView pkcs8_der, ByteView iv);
// Convenience: wraps key.to_pkcs8().
std::string wrap_form_private_key(ByteView vault_key, const P256PrivateKey& key);

// Returns the PKCS#8 DER. Throws kInvalidEncoding (bad base64url), kInvalidLength (blob of at most
// 12 bytes, no room for the tag, or a vault key that is not 32 bytes), kAuthenticationFailed
// (wrong vault key or tampered blob).
SecretBytes unwrap_form_private_key_der(ByteView vault_key, std::string_view wrapped);
// unwrap_form_private_key_der followed by P256PrivateKey::from_pkcs8.
P256PrivateKey unwrap_form_private_key(ByteView vault_key, std::string_view wrapped);

// ---------------------------------------------------------------------------------------------
// §12 password-protected forms

inline constexpr std::size_t kFormPasswordSaltSize = 32;        // -> 43 base64url chars
inline constexpr std::size_t kFormPasswordIvSize = 12;          // -> 16 base64url chars
inline constexpr std::size_t kFormWitnessSize = 32;             // raw bytes of the witness
inline constexpr std::size_t kFormWitnessChars = 43;            // its base64url string (= proof)
inline constexpr std::size_t kFormCustomKeyDataMaxChars = 512;  // server limit (70..512)
inline constexpr std::size_t kMinFormPasswordLength = 6;  // web owner UI rule; not enforced here

// What the owner sends with `customKey: true` (public fields, base64url without padding), plus the
// witness, which equals the customKeyProof a respondent derives with the password.
struct FormPasswordSetup {
  std::string salt;                 // 43 chars
  std::string custom_key_data;      // GCM(witness string) || tag: 59 bytes, 79 chars
  std::string custom_key_iv;        // 16 chars
  std::string custom_key_verifier;  // base64url(SHA-256(witness string)), 43 chars
  SecretBytes witness;              // the 43-char base64url witness string (UTF-8 bytes)
};

// Creates the fields for `password` (UTF-8 bytes) with a random salt, IV and witness. One Argon2id
// derivation (64 MiB). kInvalidArgument for an empty password.
FormPasswordSetup create_form_password(ByteView password);
// Deterministic variant for test vectors: salt 32 bytes, iv 12 bytes, witness_raw 32 bytes (the
// witness string is its base64url encoding); kInvalidLength otherwise.
FormPasswordSetup create_form_password(ByteView password, ByteView salt, ByteView iv,
                                       ByteView witness_raw);

// Respondent side: derives the customKeyProof (the witness string) from the password and the public
// form's `salt`, `custom_key_data`, `custom_key_iv`. The fields are validated before the key
// derivation: kInvalidEncoding / kInvalidLength on malformed fields; kWrongPassword when the GCM
// tag does not verify; kInvalidFormat if the decrypted witness is not a base64url string of
// 1..512 characters (what the server accepts as a proof).
SecretBytes derive_form_proof(ByteView password, std::string_view salt,
                              std::string_view custom_key_data, std::string_view custom_key_iv);

// customKeyVerifier for a proof: base64url(SHA-256(proof bytes)).
std::string form_proof_verifier(ByteView proof);

// Server side: true iff base64url(SHA-256(proof)) equals `verifier`, compared in constant time.
// A verifier of the wrong length simply does not match.
bool verify_form_proof(ByteView proof, std::string_view verifier);

}  // namespace anonfs::crypto
