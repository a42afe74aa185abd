// The anon.li form-submission "sealed box" (§10.2: ephemeral P-256 ECDH → HKDF-SHA256 →
// AES-256-GCM) and the owner dashboard's strict validator for decrypted payloads (§10.3).
#pragma once

#include <cstddef>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "anonfs/crypto/bytes.hpp"
#include "anonfs/crypto/p256.hpp"

namespace anonfs::crypto {

// HKDF info string of the submission key (salt is empty, i.e. 32 zero bytes).
inline constexpr std::string_view kFormSubmissionInfo = "anon.li/form-submission/v1";
// The server accepts `encryptedPayload` of 1..5 242 880 base64url characters (§9.8).
inline constexpr std::size_t kMaxEncryptedPayloadChars = 5'242'880;

// The three base64url (unpadded) fields of a submission, as sent to and returned by the server
// (`ephemeralPubKey`/`ephemeral_pub_key`, `iv`, `encryptedPayload`/`encrypted_payload`).
struct SealedSubmission {
  std::string ephemeral_pub_key;  // 65-byte uncompressed point → 87 characters
  std::string iv;                 // 12 bytes → 16 characters
  std::string encrypted_payload;  // ciphertext || 16-byte tag
};

// K = HKDF-SHA256(IKM = shared X coordinate, salt = empty, info = kFormSubmissionInfo, L = 32).
// Throws kInvalidLength unless `shared_x` is 32 bytes.
SecretBytes form_submission_key(ByteView shared_x);

// Respondent side: seals `plaintext` (the UTF-8 JSON of §10.3) to the form's public key with a
// fresh ephemeral key and a random IV. Throws kInvalidArgument if the result would exceed
// kMaxEncryptedPayloadChars.
SealedSubmission form_seal(const P256PublicKey& form_public_key, ByteView plaintext);

// Deterministic variant for test vectors: the caller supplies the ephemeral key and the 12-byte
// IV (kInvalidLength otherwise). Never reuse an (ephemeral key, IV) pair.
SealedSubmission form_seal(const P256PublicKey& form_public_key, ByteView plaintext,
                           const P256PrivateKey& ephemeral_key, ByteView iv);

// Owner side: opens a submission and returns the plaintext JSON bytes. Padded base64url is
// tolerated. Throws CryptoError with
//   kInvalidEncoding       a field is not canonical base64url,
//   kInvalidLength         ephemeral key ≠ 65 bytes, IV ≠ 12 bytes, payload shorter than the
//                          16-byte tag or longer than kMaxEncryptedPayloadChars,
//   kInvalidFormat         the ephemeral key is not an uncompressed point on P-256,
//   kAuthenticationFailed  the GCM tag does not verify (wrong form key or tampered data).
SecretBytes form_open(const P256PrivateKey& form_private_key, std::string_view ephemeral_pub_key,
                      std::string_view iv, std::string_view encrypted_payload);
inline SecretBytes form_open(const P256PrivateKey& form_private_key,
                             const SealedSubmission& sealed) {
  return form_open(form_private_key, sealed.ephemeral_pub_key, sealed.iv, sealed.encrypted_payload);
}

// ---------------------------------------------------------------------------------------------
// Decrypted payload validation (§10.3): the owner dashboard's strict schema. A payload that
// violates it is shown as "Invalid submission payload".

enum class PayloadIssue {
  kNotJson,            // not parseable as JSON (after WHATWG UTF-8 decoding, as the browser does)
  kNotObject,          // top level is not a JSON object
  kBadVersion,         // `version` present but not the number 1
  kBadAnswers,         // `answers` present but not an object
  kTooManyAnswers,     // more than 50 answers
  kBadAnswerKey,       // answer key not ^[a-zA-Z0-9_-]{1,64}$
  kBadAnswerValue,     // answer value of a disallowed type or over a length cap
  kBadAttachments,     // `attachments` not null/object, missing/extra/invalid keys
  kBadAttachmentFile,  // an entry of attachments.files is invalid
};

const char* to_string(PayloadIssue issue) noexcept;

// The first violation found. `path` locates it (e.g. `answers.name`, `attachments.files[2].size`)
// and `message` describes the rule; neither ever contains answer values. Keys that fail the key
// rule are identified by position, not by their text.
struct PayloadViolation {
  PayloadIssue issue;
  std::string path;
  std::string message;
};

// Validates decrypted plaintext bytes. Invalid UTF-8 is replaced with U+FFFD and a leading BOM is
// dropped before parsing, as the web client's TextDecoder does. Extra top-level keys are ignored.
std::optional<PayloadViolation> validate_submission_payload(ByteView plaintext);
std::optional<PayloadViolation> validate_submission_payload(std::string_view plaintext);
// Validates an already parsed document. (A separate name: nlohmann::json converts implicitly from
// strings, which would make an overload silently validate a JSON string value.)
std::optional<PayloadViolation> validate_submission_document(const nlohmann::json& doc);

}  // namespace anonfs::crypto
