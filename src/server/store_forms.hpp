// Row types and SQL helpers of the Form API: forms, their vault-wrapped owner keys, submissions,
// attachment upload tokens and the monthly submission counters. As in store.hpp, callers hold
// Db::lock() (and usually a Transaction); the helpers never lock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db.hpp"

namespace anonfs::server::store {

struct Form {
  std::string id;
  std::string user_id;
  std::string title;
  std::optional<std::string> description;
  std::string schema_json;  // the reconciled FormSchemaDoc
  std::string public_key;
  bool active = true;  // owner-enabled
  bool disabled_by_user = false;
  bool taken_down = false;
  bool allow_file_uploads = false;
  std::optional<std::int64_t> max_file_size_override;
  std::optional<std::int64_t> max_submissions;
  std::int64_t submissions_count = 0;
  std::optional<std::int64_t> closes_at;  // ms
  bool hide_branding = false;
  bool notify_on_submission = true;
  bool custom_key = false;
  std::optional<std::string> salt, custom_key_data, custom_key_iv, custom_key_verifier;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

struct FormOwnerKey {
  std::string form_id;
  std::string user_id;
  std::string wrapped_key;
  std::int64_t vault_generation = 0;
  std::int64_t updated_at = 0;
};

struct Submission {
  std::string id;
  std::string form_id;
  std::string ephemeral_pub_key;
  std::string iv;
  std::string encrypted_payload;
  std::optional<std::string> attached_drop_id;
  std::optional<std::string> submitter_user_id;
  std::optional<std::int64_t> read_at;
  std::int64_t created_at = 0;
};

// An attachment upload token (§11). Only SHA-256(token) is stored.
struct UploadToken {
  std::string token_hash;
  std::string form_id;
  std::string drop_id;
  std::string files_json;  // the planned files [{fieldId, size, mimeType}]
  std::int64_t expires_at = 0;
  std::optional<std::int64_t> used_at;
  std::int64_t created_at = 0;
};

// ---- forms
void insert_form(Db& db, const Form& form);
// Writes every mutable column of `form` (looked up by id).
void update_form(Db& db, const Form& form);
std::optional<Form> find_form(Db& db, const std::string& id);
std::vector<Form> list_user_forms(Db& db, const std::string& user_id, std::int64_t limit,
                                  std::int64_t offset);
std::int64_t count_user_forms(Db& db, const std::string& user_id);
// Forms that count against the active-form cap (enabled and not disabled by the user).
std::int64_t count_active_forms(Db& db, const std::string& user_id);
void delete_form_row(Db& db, const std::string& id);

// ---- owner keys
void upsert_form_owner_key(Db& db, const FormOwnerKey& key);
std::optional<FormOwnerKey> find_form_owner_key(Db& db, const std::string& form_id);
std::vector<FormOwnerKey> form_owner_keys_of(Db& db, const std::string& user_id);

// ---- submissions
void insert_submission(Db& db, const Submission& s);
std::optional<Submission> find_submission(Db& db, const std::string& id);
// Newest first; `with_payload` also reads the ciphertext columns.
std::vector<Submission> list_submissions(Db& db, const std::string& form_id, bool unread_only,
                                         bool with_payload, std::int64_t limit,
                                         std::int64_t offset);
std::int64_t count_submissions(Db& db, const std::string& form_id, bool unread_only);
void mark_submission_read(Db& db, const std::string& id, std::int64_t when);
void delete_submission_row(Db& db, const std::string& id);
// Submissions of forms whose owner has `plan` created before `cutoff` (retention purge, §9.9):
// {id, attached_drop_id}.
std::vector<std::pair<std::string, std::optional<std::string>>> submissions_before(
    Db& db, const std::string& plan, std::int64_t cutoff);
void bump_submissions_count(Db& db, const std::string& form_id);
// Monthly counter (UTC calendar month "YYYY-MM") of recorded submissions of a user's forms.
std::int64_t submissions_in_month(Db& db, const std::string& user_id, const std::string& month);
void count_submission_in_month(Db& db, const std::string& user_id, const std::string& month);

// ---- attachment drops and upload tokens
// Marks a freshly inserted drop as the staging drop of `form_id` (hidden, not downloadable).
void mark_form_drop(Db& db, const std::string& drop_id, const std::string& form_id);
// The form a drop belongs to (staging or attached), if any, and whether it is still staging.
struct FormDropInfo {
  std::string form_id;
  bool staging = false;
};
std::optional<FormDropInfo> form_drop_info(Db& db, const std::string& drop_id);
// Un-stages an attachment drop and sets its expiry.
void attach_form_drop(Db& db, const std::string& drop_id, std::int64_t expires_at);
std::vector<std::string> drops_of_form(Db& db, const std::string& form_id);

void insert_upload_token(Db& db, const UploadToken& token);
std::optional<UploadToken> find_upload_token(Db& db, const std::string& token_hash);
// Consumes the token if it is unused; false if it was already used.
bool use_upload_token(Db& db, const std::string& token_hash, std::int64_t now);
// Unused, unexpired tokens of a form.
std::int64_t count_live_upload_tokens(Db& db, const std::string& form_id, std::int64_t now);

}  // namespace anonfs::server::store
