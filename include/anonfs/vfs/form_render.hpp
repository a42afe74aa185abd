// What the forms/ folder shows, computed without I/O: a sealed submission opened with the form's
// private key and rendered as a self-describing JSON document (answers keyed by field id with the
// field's label and type beside the value), or as an error document saying why it could not be;
// the form.json summary; and the file names of submissions.
#pragma once

#include <cstdint>
#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "anonfs/crypto/bytes.hpp"
#include "anonfs/crypto/p256.hpp"
#include "anonfs/wire/form.hpp"

namespace anonfs::vfs {

// One attachment named in a decrypted payload (§10.3 `attachments.files[]`), already sanitised
// for the tree: `field` and `name` are safe path segments.
struct FormAttachment {
  std::string field;    // sanitised field id (folder name)
  std::string file_id;  // drop file id (checked with is_safe_id)
  std::string name;     // sanitised original file name (may still collide; the tree numbers)
  std::uint64_t size = 0;
  std::string mime_type;
};

// The attachment drop of a submission: its id, key string and files.
struct FormAttachments {
  std::string drop_id;
  crypto::SecretBytes key;  // the 43-char drop key string
  std::vector<FormAttachment> files;
};

struct OpenedSubmission {
  // Pretty-printed JSON, newline-terminated: the decrypted submission or its error document.
  crypto::SecretBytes text;
  bool ok = false;  // false: `text` is an error document ({"error": ...})
  std::optional<FormAttachments> attachments;
};

// Opens and renders one submission. `form_key` null: the error document carries `key_problem`.
// `schema` (may be null) supplies labels and types. Never throws on bad server data: undecryptable
// ciphertext and payloads that violate §10.3 become error documents (with id and times).
OpenedSubmission open_submission(const crypto::P256PrivateKey* form_key,
                                 std::string_view key_problem, const nlohmann::json& schema,
                                 std::string_view form_id, const wire::SubmissionListItem& item);

// "<created>_<sid>" with <created> in ISO 8601 basic UTC form ("20261123T150405Z"), so names sort
// by time; "unknown_<sid>" when the time does not parse.
std::string submission_stem(std::string_view created_at, std::string_view submission_id);

// form.json: id, title, description, public URL, state, counts, caps and dates.
std::string render_form_info(const wire::FormListItem& form, const wire::FormPlanMeta& plan,
                             std::string_view public_url, std::optional<bool> password_protected,
                             std::time_t now);

// "open" | "closed" | "full" | "disabled" | "inactive" | "taken_down".
std::string form_state(const wire::FormListItem& form, std::time_t now);

}  // namespace anonfs::vfs
