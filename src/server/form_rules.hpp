// Rules of the Form API independent of HTTP: form plans and limiters (§1.4, §1.5, seed Form
// document), identifier formats (§1.6), the FormSchemaDoc validator (§9.1) and the request bodies
// of §9.3, §9.5, §9.7, §9.8 and §11.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "anonfs/server/server.hpp"
#include "anonfs/wire/form.hpp"
#include "clock.hpp"
#include "limits.hpp"
#include "validation.hpp"

namespace anonfs::server {

// ---- plans -------------------------------------------------------------------------------------

struct FormPlan {
  std::int64_t forms_limit;  // active forms
  std::int64_t submissions_per_month;
  std::int64_t retention_days;
  std::int64_t attachment_cap;  // bytes (plaintext) per file and per submission
  bool custom_key;
  bool hide_branding;
};
const FormPlan& form_plan(Plan plan) noexcept;

// ---- limiters (§1.5) ---------------------------------------------------------------------------

namespace limiter {
inline constexpr LimiterSpec kFormCreate{"formCreate", 30, kHourMs};
inline constexpr LimiterSpec kFormOps{"formOps", 100, kHourMs};
inline constexpr LimiterSpec kFormList{"formList", 60, kMinuteMs};
inline constexpr LimiterSpec kFormSubmissionRead{"formSubmissionRead", 300, kHourMs};
inline constexpr LimiterSpec kFormSubmit{"formSubmit", 20, kHourMs};
inline constexpr LimiterSpec kFormSubmitAuth{"formSubmitAuth", 200, kHourMs};
inline constexpr LimiterSpec kFormUploadTarget{"formUploadTarget", 60, kHourMs};
inline constexpr LimiterSpec kFormUnlock{"formUnlock", 60, kHourMs};
inline constexpr LimiterSpec kFormPublic{"formList", 60, kMinuteMs};
inline constexpr LimiterSpec kFormPublicPerForm{"formListPerForm", 60, kMinuteMs};
// Extra limiter of add-file for callers without a user (X-Upload-Token), per IP.
inline constexpr LimiterSpec kFileUpload{"fileUpload", 50, kHourMs};
}  // namespace limiter

// ---- identifiers (§1.6) ------------------------------------------------------------------------

std::string new_form_id();        // 12 chars [0-9a-z]
std::string new_submission_id();  // 14 chars [0-9a-z]
std::string new_upload_token();   // 32 random bytes, base64url (43 chars)
bool is_form_id(std::string_view s) noexcept;
bool is_submission_id(std::string_view s) noexcept;
// SHA-256 hex of an upload token (only the hash is stored).
std::string hash_upload_token(std::string_view token);

inline constexpr std::int64_t kUploadTokenTtlMs = 6 * kHourMs;
inline constexpr std::int64_t kMaxLiveUploadTokens = 10;
inline constexpr std::int64_t kMaxAttachmentFiles = 20;

// "YYYY-MM" of the UTC calendar month containing `ms`.
std::string utc_month(std::int64_t ms);
// "YYYY-MM-DDTHH:MM:SS[.fraction]" followed by 'Z' (zod .datetime(), §15.13) or, as the seed Form
// document only says "ISO-8601", a numeric offset +HH:MM / +HHMM / +HH. Milliseconds since the
// epoch (UTC).
std::optional<std::int64_t> parse_iso_utc(std::string_view s);

// ---- FormSchemaDoc (§9.1) ----------------------------------------------------------------------

struct FileFieldRule {
  std::int64_t max_files = 1;
  std::optional<std::int64_t> max_file_size;
  std::vector<std::string> accepted_mime_types;  // exact or "type/*"; empty = any
};

struct SchemaInfo {
  std::int64_t field_count = 0;
  std::map<std::string, FileFieldRule> file_fields;  // by field id
};

// Validates a FormSchemaDoc and returns the parsed document (unknown keys stripped, defaults
// filled in, as zod outputs it). Issues use dotted paths under `path`.
std::optional<nlohmann::json> parse_form_schema(const nlohmann::json& doc, Issues& issues,
                                                const std::string& path = "schema");
// Summary of an already validated (stored) schema.
SchemaInfo schema_info(const nlohmann::json& doc);
// Whether `mime` is allowed by a file field's acceptedMimeTypes.
bool mime_accepted(const FileFieldRule& rule, std::string_view mime);

// ---- form bodies (§9.3 create: keys stripped; §9.5 update: strict, but accepting every create
// field as the seed Form document says) ---------------------------------------------------------

// A field that may be set to null (update) or left out.
template <typename T>
using Nullable = std::optional<std::optional<T>>;

struct FormInput {
  std::optional<std::string> title;
  Nullable<std::string> description;
  std::optional<nlohmann::json> schema;  // parsed
  std::optional<std::string> public_key, wrapped_private_key, vault_id;
  std::optional<std::int64_t> vault_generation;
  std::optional<bool> active, disabled_by_user, allow_file_uploads;
  Nullable<std::int64_t> max_file_size_override, max_submissions, closes_at;
  std::optional<bool> hide_branding, notify_on_submission, custom_key;
  std::optional<std::string> salt, custom_key_data, custom_key_iv, custom_key_verifier;
};

FormInput parse_create_form(const nlohmann::json& body, Issues& issues);
FormInput parse_update_form(const nlohmann::json& body, Issues& issues);

// §9.7 {customKeyProof}; nullopt (with issues) when invalid.
std::optional<std::string> parse_unlock(const nlohmann::json& body, Issues& issues);
// §9.8 (strict).
wire::SubmitRequest parse_submit(const nlohmann::json& body, Issues& issues);
// §11 step 2 (strict).
wire::UploadTokenRequest parse_upload_token(const nlohmann::json& body, Issues& issues);

}  // namespace anonfs::server
