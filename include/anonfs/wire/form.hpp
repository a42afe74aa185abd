// JSON wire types of the anon.li Form API (protocol §9, §11, §12; seed Form document) and of the
// reference server's GET /api/v1/vault/form-keys extension. Field names are exactly the wire
// names: owner routes answer snake_case, request bodies are camelCase, and the public form GET
// mixes both as the seed document shows (see PublicForm).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "anonfs/wire/json_util.hpp"

namespace anonfs::wire {

// ---- GET /api/v1/form (list envelope items) --------------------------------------------------

struct FormListItem {
  std::string id;
  std::string title;
  std::optional<std::string> description;
  bool active = true;
  bool disabled_by_user = false;
  bool taken_down = false;
  bool allow_file_uploads = false;
  std::int64_t submissions_count = 0;
  std::optional<std::int64_t> max_submissions;
  std::optional<std::string> closes_at;  // ISO 8601
  bool hide_branding = false;
  bool notify_on_submission = true;
  std::string created_at;
  std::string updated_at;
};

inline void to_json(nlohmann::json& j, const FormListItem& f) {
  j = {{"id", f.id},
       {"title", f.title},
       {"description", nullable(f.description)},
       {"active", f.active},
       {"disabled_by_user", f.disabled_by_user},
       {"taken_down", f.taken_down},
       {"allow_file_uploads", f.allow_file_uploads},
       {"submissions_count", f.submissions_count},
       {"max_submissions", nullable(f.max_submissions)},
       {"closes_at", nullable(f.closes_at)},
       {"hide_branding", f.hide_branding},
       {"notify_on_submission", f.notify_on_submission},
       {"created_at", f.created_at},
       {"updated_at", f.updated_at}};
}
inline void from_json(const nlohmann::json& j, FormListItem& f) {
  f.id = j.at("id").get<std::string>();
  get_or_default(j, "title", f.title);
  get_optional(j, "description", f.description);
  get_or_default(j, "active", f.active);
  get_or_default(j, "disabled_by_user", f.disabled_by_user);
  get_or_default(j, "taken_down", f.taken_down);
  get_or_default(j, "allow_file_uploads", f.allow_file_uploads);
  get_or_default(j, "submissions_count", f.submissions_count);
  get_optional(j, "max_submissions", f.max_submissions);
  get_optional(j, "closes_at", f.closes_at);
  get_or_default(j, "hide_branding", f.hide_branding);
  get_or_default(j, "notify_on_submission", f.notify_on_submission);
  get_or_default(j, "created_at", f.created_at);
  get_or_default(j, "updated_at", f.updated_at);
}

// meta.plan of the form list.
struct FormPlanMeta {
  std::int64_t forms_limit = 0;
  std::int64_t submissions_per_month = 0;
  std::int64_t submissions_used_current_month = 0;
  std::int64_t retention_days = 0;
};

inline void to_json(nlohmann::json& j, const FormPlanMeta& p) {
  j = {{"forms_limit", p.forms_limit},
       {"submissions_per_month", p.submissions_per_month},
       {"submissions_used_current_month", p.submissions_used_current_month},
       {"retention_days", p.retention_days}};
}
inline void from_json(const nlohmann::json& j, FormPlanMeta& p) {
  get_or_default(j, "forms_limit", p.forms_limit);
  get_or_default(j, "submissions_per_month", p.submissions_per_month);
  get_or_default(j, "submissions_used_current_month", p.submissions_used_current_month);
  get_or_default(j, "retention_days", p.retention_days);
}

// ---- POST /api/v1/form -------------------------------------------------------------------------

struct CreateFormResponse {  // envelope data
  std::string id;
  std::string title;
  std::string public_key;
  std::string created_at;
};

inline void to_json(nlohmann::json& j, const CreateFormResponse& r) {
  j = {
      {"id", r.id}, {"title", r.title}, {"public_key", r.public_key}, {"created_at", r.created_at}};
}
inline void from_json(const nlohmann::json& j, CreateFormResponse& r) {
  r.id = j.at("id").get<std::string>();
  get_or_default(j, "title", r.title);
  r.public_key = j.at("public_key").get<std::string>();
  get_or_default(j, "created_at", r.created_at);
}

// ---- GET /api/v1/form/:id (public) ------------------------------------------------------------
//
// Two shapes exist (specs/README.md: clients accept both):
//  * the seed Form document: envelope `{data: {id, title, description, schema, public_key,
//    allowFileUploads, hideBranding, customKey}, meta}` — what the reference server sends;
//  * the real service (protocol §9.4, §15.4): bare snake_case `{id, title, …, public_key,
//    custom_key, salt, custom_key_data, custom_key_iv, active, hide_branding, closes_at,
//    allow_file_uploads, max_file_size_override, field_count}`.
// The reference server's `data` carries the seed keys, the snake_case aliases of the three seed
// flags, and the §9.4 fields the seed does not name. from_json reads either shape (with or without
// the `data` wrapper, camelCase or snake_case flags).

struct PublicForm {
  std::string id;
  std::string title;
  std::optional<std::string> description;
  nlohmann::json schema = nullptr;  // null for password-protected forms
  std::int64_t field_count = 0;
  std::string public_key;
  bool custom_key = false;
  std::optional<std::string> salt, custom_key_data, custom_key_iv;
  bool active = false;
  bool hide_branding = false;
  std::optional<std::string> closes_at;
  bool allow_file_uploads = false;
  std::optional<std::int64_t> max_file_size_override;
};

inline void to_json(nlohmann::json& j, const PublicForm& f) {
  j = {// seed Form document
       {"id", f.id},
       {"title", f.title},
       {"description", nullable(f.description)},
       {"schema", f.schema},
       {"public_key", f.public_key},
       {"allowFileUploads", f.allow_file_uploads},
       {"hideBranding", f.hide_branding},
       {"customKey", f.custom_key},
       // protocol §9.4 (snake_case aliases and the fields the seed does not show)
       {"allow_file_uploads", f.allow_file_uploads},
       {"hide_branding", f.hide_branding},
       {"custom_key", f.custom_key},
       {"field_count", f.field_count},
       {"salt", nullable(f.salt)},
       {"custom_key_data", nullable(f.custom_key_data)},
       {"custom_key_iv", nullable(f.custom_key_iv)},
       {"active", f.active},
       {"closes_at", nullable(f.closes_at)},
       {"max_file_size_override", nullable(f.max_file_size_override)}};
}
inline void from_json(const nlohmann::json& in, PublicForm& f) {
  const auto data = in.find("data");
  const nlohmann::json& j = data != in.end() && data->is_object() ? *data : in;
  const auto either = [&j](const char* snake, const char* camel) {
    return j.contains(snake) ? snake : camel;
  };
  f.id = j.at("id").get<std::string>();
  get_or_default(j, "title", f.title);
  get_optional(j, "description", f.description);
  auto it = j.find("schema");
  f.schema = it == j.end() ? nlohmann::json(nullptr) : *it;
  get_or_default(j, either("field_count", "fieldCount"), f.field_count);
  f.public_key = j.at(either("public_key", "publicKey")).get<std::string>();
  get_or_default(j, either("custom_key", "customKey"), f.custom_key);
  get_optional(j, "salt", f.salt);
  get_optional(j, either("custom_key_data", "customKeyData"), f.custom_key_data);
  get_optional(j, either("custom_key_iv", "customKeyIv"), f.custom_key_iv);
  // The seed shape has no `active`; a form it returns at all is open (closed/disabled are 410).
  f.active = true;
  get_or_default(j, "active", f.active);
  get_or_default(j, either("hide_branding", "hideBranding"), f.hide_branding);
  get_optional(j, either("closes_at", "closesAt"), f.closes_at);
  get_or_default(j, either("allow_file_uploads", "allowFileUploads"), f.allow_file_uploads);
  get_optional(j, either("max_file_size_override", "maxFileSizeOverride"),
               f.max_file_size_override);
}

// ---- PATCH /api/v1/form/:id, DELETE, unlock ----------------------------------------------------

struct UpdateFormResponse {  // envelope data (action=update)
  std::string id;
  std::string updated_at;
};

inline void to_json(nlohmann::json& j, const UpdateFormResponse& r) {
  j = {{"id", r.id}, {"updated_at", r.updated_at}};
}
inline void from_json(const nlohmann::json& j, UpdateFormResponse& r) {
  r.id = j.at("id").get<std::string>();
  get_or_default(j, "updated_at", r.updated_at);
}

struct ToggleFormResponse {  // envelope data (action=toggle)
  bool disabled = false;
};

inline void to_json(nlohmann::json& j, const ToggleFormResponse& r) {
  j = {{"disabled", r.disabled}};
}
inline void from_json(const nlohmann::json& j, ToggleFormResponse& r) {
  r.disabled = j.at("disabled").get<bool>();
}

struct DeletedResponse {  // envelope data of form and submission DELETE
  bool deleted = true;
  std::string id;
};

inline void to_json(nlohmann::json& j, const DeletedResponse& r) {
  j = {{"deleted", r.deleted}, {"id", r.id}};
}
inline void from_json(const nlohmann::json& j, DeletedResponse& r) {
  r.deleted = j.at("deleted").get<bool>();
  r.id = j.at("id").get<std::string>();
}

// ---- POST /api/v1/form/:id/submit ---------------------------------------------------------------

struct AttachmentManifestEntry {
  std::string fieldId;
  std::string fileId;
  std::int64_t size = 0;  // ciphertext bytes (= the stored drop file size)
  std::string mimeType;
};

inline void to_json(nlohmann::json& j, const AttachmentManifestEntry& e) {
  j = {{"fieldId", e.fieldId}, {"fileId", e.fileId}, {"size", e.size}, {"mimeType", e.mimeType}};
}
inline void from_json(const nlohmann::json& j, AttachmentManifestEntry& e) {
  e.fieldId = j.at("fieldId").get<std::string>();
  e.fileId = j.at("fileId").get<std::string>();
  e.size = j.at("size").get<std::int64_t>();
  e.mimeType = j.at("mimeType").get<std::string>();
}

struct SubmitRequest {  // strict
  std::string ephemeralPubKey;
  std::string iv;
  std::string encryptedPayload;
  std::optional<std::string> attachedDropId;
  std::optional<std::string> attachmentUploadToken;
  std::optional<std::vector<AttachmentManifestEntry>> attachmentManifest;
  std::optional<std::string> turnstileToken;
  std::optional<std::string> customKeyProof;
};

inline void to_json(nlohmann::json& j, const SubmitRequest& r) {
  j = {{"ephemeralPubKey", r.ephemeralPubKey},
       {"iv", r.iv},
       {"encryptedPayload", r.encryptedPayload}};
  if (r.attachedDropId) j["attachedDropId"] = *r.attachedDropId;
  if (r.attachmentUploadToken) j["attachmentUploadToken"] = *r.attachmentUploadToken;
  if (r.attachmentManifest) j["attachmentManifest"] = *r.attachmentManifest;
  if (r.turnstileToken) j["turnstileToken"] = *r.turnstileToken;
  if (r.customKeyProof) j["customKeyProof"] = *r.customKeyProof;
}
inline void from_json(const nlohmann::json& j, SubmitRequest& r) {
  r.ephemeralPubKey = j.at("ephemeralPubKey").get<std::string>();
  r.iv = j.at("iv").get<std::string>();
  r.encryptedPayload = j.at("encryptedPayload").get<std::string>();
  get_optional(j, "attachedDropId", r.attachedDropId);
  get_optional(j, "attachmentUploadToken", r.attachmentUploadToken);
  get_optional(j, "attachmentManifest", r.attachmentManifest);
  get_optional(j, "turnstileToken", r.turnstileToken);
  get_optional(j, "customKeyProof", r.customKeyProof);
}

struct SubmitResponse {  // envelope data
  std::string id;
  std::string created_at;
};

inline void to_json(nlohmann::json& j, const SubmitResponse& r) {
  j = {{"id", r.id}, {"created_at", r.created_at}};
}
inline void from_json(const nlohmann::json& j, SubmitResponse& r) {
  r.id = j.at("id").get<std::string>();
  get_or_default(j, "created_at", r.created_at);
}

// ---- POST /api/v1/form/:id/upload-token (§11) -------------------------------------------------

struct PlannedAttachment {
  std::string fieldId;
  std::int64_t size = 0;  // plaintext bytes
  std::string mimeType;
};

inline void to_json(nlohmann::json& j, const PlannedAttachment& p) {
  j = {{"fieldId", p.fieldId}, {"size", p.size}, {"mimeType", p.mimeType}};
}
inline void from_json(const nlohmann::json& j, PlannedAttachment& p) {
  p.fieldId = j.at("fieldId").get<std::string>();
  p.size = j.at("size").get<std::int64_t>();
  p.mimeType = j.at("mimeType").get<std::string>();
}

struct UploadTokenRequest {  // strict
  std::string iv;
  std::vector<PlannedAttachment> files;
  std::optional<std::int64_t> fileCount;
  std::optional<std::int64_t> expiry;  // days, default 1
  std::optional<std::string> turnstileToken;
  std::optional<std::string> customKeyProof;
};

inline void to_json(nlohmann::json& j, const UploadTokenRequest& r) {
  j = {{"iv", r.iv}, {"files", r.files}};
  if (r.fileCount) j["fileCount"] = *r.fileCount;
  if (r.expiry) j["expiry"] = *r.expiry;
  if (r.turnstileToken) j["turnstileToken"] = *r.turnstileToken;
  if (r.customKeyProof) j["customKeyProof"] = *r.customKeyProof;
}
inline void from_json(const nlohmann::json& j, UploadTokenRequest& r) {
  r.iv = j.at("iv").get<std::string>();
  r.files = j.at("files").get<std::vector<PlannedAttachment>>();
  get_optional(j, "fileCount", r.fileCount);
  get_optional(j, "expiry", r.expiry);
  get_optional(j, "turnstileToken", r.turnstileToken);
  get_optional(j, "customKeyProof", r.customKeyProof);
}

struct UploadTokenResponse {  // envelope data
  std::string drop_id;
  std::string upload_token;  // 43 chars; send as X-Upload-Token
  std::string expires_at;    // when the token stops working (6 h)
};

inline void to_json(nlohmann::json& j, const UploadTokenResponse& r) {
  j = {{"drop_id", r.drop_id}, {"upload_token", r.upload_token}, {"expires_at", r.expires_at}};
}
inline void from_json(const nlohmann::json& j, UploadTokenResponse& r) {
  r.drop_id = j.at("drop_id").get<std::string>();
  r.upload_token = j.at("upload_token").get<std::string>();
  get_or_default(j, "expires_at", r.expires_at);
}

// ---- Submissions (owner) ------------------------------------------------------------------------

// GET /api/v1/form/:id/submission items; the payload fields only with include=payload.
struct SubmissionListItem {
  std::string id;
  std::string created_at;
  std::optional<std::string> read_at;
  bool has_attached_drop = false;
  std::optional<std::string> ephemeral_pub_key, iv, encrypted_payload;
};

inline void to_json(nlohmann::json& j, const SubmissionListItem& s) {
  j = {{"id", s.id},
       {"created_at", s.created_at},
       {"read_at", nullable(s.read_at)},
       {"has_attached_drop", s.has_attached_drop}};
  if (s.encrypted_payload) {
    j["ephemeral_pub_key"] = nullable(s.ephemeral_pub_key);
    j["iv"] = nullable(s.iv);
    j["encrypted_payload"] = *s.encrypted_payload;
  }
}
inline void from_json(const nlohmann::json& j, SubmissionListItem& s) {
  s.id = j.at("id").get<std::string>();
  get_or_default(j, "created_at", s.created_at);
  get_optional(j, "read_at", s.read_at);
  get_or_default(j, "has_attached_drop", s.has_attached_drop);
  get_optional(j, "ephemeral_pub_key", s.ephemeral_pub_key);
  get_optional(j, "iv", s.iv);
  get_optional(j, "encrypted_payload", s.encrypted_payload);
}

// GET /api/v1/form/submission/:sid
struct Submission {
  std::string id;
  std::string ephemeral_pub_key;
  std::string iv;
  std::string encrypted_payload;
  std::optional<std::string> attached_drop_id;
  std::string created_at;
  std::optional<std::string> read_at;
};

inline void to_json(nlohmann::json& j, const Submission& s) {
  j = {{"id", s.id},
       {"ephemeral_pub_key", s.ephemeral_pub_key},
       {"iv", s.iv},
       {"encrypted_payload", s.encrypted_payload},
       {"attached_drop_id", nullable(s.attached_drop_id)},
       {"created_at", s.created_at},
       {"read_at", nullable(s.read_at)}};
}
inline void from_json(const nlohmann::json& j, Submission& s) {
  s.id = j.at("id").get<std::string>();
  s.ephemeral_pub_key = j.at("ephemeral_pub_key").get<std::string>();
  s.iv = j.at("iv").get<std::string>();
  s.encrypted_payload = j.at("encrypted_payload").get<std::string>();
  get_optional(j, "attached_drop_id", s.attached_drop_id);
  get_or_default(j, "created_at", s.created_at);
  get_optional(j, "read_at", s.read_at);
}

// PATCH /api/v1/form/submission/:sid
struct MarkReadResponse {
  std::string id;
  std::string read_at;
};

inline void to_json(nlohmann::json& j, const MarkReadResponse& r) {
  j = {{"id", r.id}, {"read_at", r.read_at}};
}
inline void from_json(const nlohmann::json& j, MarkReadResponse& r) {
  r.id = j.at("id").get<std::string>();
  get_or_default(j, "read_at", r.read_at);
}

// ---- Extension: GET /api/v1/vault/form-keys[?formId=]
// --------------------------------------------

// `wrapped` and `wrapped_key` carry the same §10.4 blob (`wrapped` is the name the seed Form
// document's decrypt example reads).
struct FormKey {
  std::string form_id;
  std::string wrapped;
  std::int64_t vault_generation = 0;
};

inline void to_json(nlohmann::json& j, const FormKey& k) {
  j = {{"form_id", k.form_id},
       {"wrapped", k.wrapped},
       {"wrapped_key", k.wrapped},
       {"vault_generation", k.vault_generation}};
}
inline void from_json(const nlohmann::json& j, FormKey& k) {
  k.form_id = j.at("form_id").get<std::string>();
  if (j.contains("wrapped")) {
    k.wrapped = j.at("wrapped").get<std::string>();
  } else {
    k.wrapped = j.at("wrapped_key").get<std::string>();
  }
  get_or_default(j, "vault_generation", k.vault_generation);
}

}  // namespace anonfs::wire
