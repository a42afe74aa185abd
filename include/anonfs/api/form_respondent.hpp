// The respondent side of a form submission (protocol §10.2, §10.3, §11): attachments encrypted
// as one fresh drop and uploaded through an upload token, the §10.3 payload built with their file
// ids and drop key, sealed to the form's public key and submitted. Used by `anonfs form submit`
// and by tests. The answers are taken as given: validating them against the schema is the
// caller's job (cli/form_answers).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "anonfs/api/anonli_client.hpp"
#include "anonfs/api/forms_client.hpp"
#include "anonfs/crypto/bytes.hpp"
#include "anonfs/crypto/p256.hpp"

namespace anonfs::api {

struct RespondentFile {
  std::string field_id;   // a `file` field of the schema
  std::string name;       // original file name (encrypted in the drop, plain in the payload)
  std::string mime_type;  // e.g. "application/pdf"
  crypto::SecretBytes content;
};

struct RespondentSubmission {
  std::string form_id;
  crypto::P256PublicKey public_key;                   // the form's `public_key`
  nlohmann::json answers = nlohmann::json::object();  // field id -> value (§10.3)
  std::vector<RespondentFile> files;         // attachments; their file ids are appended to answers
  std::optional<crypto::SecretBytes> proof;  // customKeyProof of a password form (§12)
};

struct RespondentResult {
  wire::SubmitResponse submitted;
  std::optional<std::string> attachment_drop_id;
};

// Uploads the attachments (if any) through an upload token (§11), seals the payload and submits
// it. `drops` is used for the part uploads to the presigned URLs only. Throws ApiError, or
// std::invalid_argument for an empty attachment (drops cannot hold zero-byte files, §13.2).
RespondentResult submit_response(FormsClient& forms, AnonliClient& drops,
                                 const RespondentSubmission& submission,
                                 std::stop_token cancel = {});

}  // namespace anonfs::api
