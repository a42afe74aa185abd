// Opening and rendering form submissions (protocol §10.2, §10.3) and form.json.
#include "anonfs/vfs/form_render.hpp"

#include <set>
#include <utility>

#include "anonfs/crypto/drop_codec.hpp"
#include "anonfs/crypto/error.hpp"
#include "anonfs/crypto/form_seal.hpp"
#include "anonfs/vfs/iso_time.hpp"
#include "anonfs/vfs/names.hpp"

namespace anonfs::vfs {
namespace {

using ordered = nlohmann::ordered_json;

constexpr auto kReplace = nlohmann::json::error_handler_t::replace;

crypto::SecretBytes to_secret_text(const ordered& doc) {
  std::string text = doc.dump(2, ' ', false, kReplace);
  text.push_back('\n');
  auto out = crypto::SecretBytes::from_string(text);
  crypto::secure_wipe(text.data(), text.size());
  return out;
}

ordered header(std::string_view form_id, const wire::SubmissionListItem& item) {
  ordered doc;
  doc["id"] = item.id;
  doc["form_id"] = std::string(form_id);
  doc["created_at"] = item.created_at;
  doc["read_at"] = item.read_at ? ordered(*item.read_at) : ordered(nullptr);
  return doc;
}

OpenedSubmission error_document(std::string_view form_id, const wire::SubmissionListItem& item,
                                std::string why) {
  ordered doc = header(form_id, item);
  doc["error"] = std::move(why);
  OpenedSubmission out;
  out.text = to_secret_text(doc);
  out.ok = false;
  return out;
}

// The schema's fields in order: id -> (label, type). Tolerates any shape (server data).
std::vector<std::pair<std::string, std::pair<ordered, ordered>>> schema_fields(
    const nlohmann::json& schema) {
  std::vector<std::pair<std::string, std::pair<ordered, ordered>>> out;
  if (!schema.is_object()) return out;
  const auto fields = schema.find("fields");
  if (fields == schema.end() || !fields->is_array()) return out;
  for (const auto& field : *fields) {
    if (!field.is_object()) continue;
    const auto id = field.find("id");
    if (id == field.end() || !id->is_string()) continue;
    const auto label = field.find("label");
    const auto type = field.find("type");
    out.push_back({id->get<std::string>(),
                   {label != field.end() && label->is_string() ? ordered(label->get<std::string>())
                                                               : ordered(nullptr),
                    type != field.end() && type->is_string() ? ordered(type->get<std::string>())
                                                             : ordered(nullptr)}});
  }
  return out;
}

}  // namespace

std::string submission_stem(std::string_view created_at, std::string_view submission_id) {
  const auto t = parse_iso8601(created_at);
  if (!t) return "unknown_" + std::string(submission_id);
  std::tm tm{};
  gmtime_r(&*t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return std::string(buf) + "_" + std::string(submission_id);
}

OpenedSubmission open_submission(const crypto::P256PrivateKey* form_key,
                                 std::string_view key_problem, const nlohmann::json& schema,
                                 std::string_view form_id, const wire::SubmissionListItem& item) {
  if (form_key == nullptr) return error_document(form_id, item, std::string(key_problem));
  if (!item.ephemeral_pub_key || !item.iv || !item.encrypted_payload) {
    return error_document(form_id, item, "the server sent no ciphertext for this submission");
  }
  crypto::SecretBytes plaintext;
  try {
    plaintext =
        crypto::form_open(*form_key, *item.ephemeral_pub_key, *item.iv, *item.encrypted_payload);
  } catch (const crypto::CryptoError& e) {
    return error_document(form_id, item, std::string("cannot decrypt: ") + e.what());
  }
  if (const auto violation = crypto::validate_submission_payload(plaintext.view())) {
    return error_document(
        form_id, item,
        "Invalid submission payload: " + std::string(to_string(violation->issue)) + " at " +
            violation->path + ": " + violation->message);
  }
  nlohmann::json payload = nlohmann::json::parse(plaintext.str(), nullptr, false);
  if (payload.is_discarded() || !payload.is_object()) {
    return error_document(form_id, item, "Invalid submission payload: not valid UTF-8 JSON");
  }

  OpenedSubmission out;
  ordered doc = header(form_id, item);
  ordered answers = ordered::object();
  const nlohmann::json empty = nlohmann::json::object();
  const auto found = payload.find("answers");
  const nlohmann::json& given = found != payload.end() && found->is_object() ? *found : empty;
  std::set<std::string> shown;
  for (const auto& [id, label_type] : schema_fields(schema)) {
    const auto value = given.find(id);
    if (value == given.end()) continue;
    answers[id] = {{"label", label_type.first},
                   {"type", label_type.second},
                   {"value", ordered::parse(value->dump())}};
    shown.insert(id);
  }
  for (const auto& [id, value] : given.items()) {  // answers to fields the schema lacks
    if (shown.contains(id)) continue;
    answers[id] = {{"label", nullptr}, {"type", nullptr}, {"value", ordered::parse(value.dump())}};
  }
  doc["answers"] = std::move(answers);

  const auto attachments = payload.find("attachments");
  if (attachments != payload.end() && attachments->is_object()) {
    FormAttachments set;
    set.drop_id = attachments->value("dropId", "");
    const std::string key = attachments->value("key", "");
    set.key = crypto::SecretBytes::from_string(key);
    ordered listed = ordered::array();
    const std::string stem = submission_stem(item.created_at, item.id);
    if (const auto files = attachments->find("files");
        files != attachments->end() && files->is_array()) {
      for (const auto& f : *files) {
        FormAttachment a;
        a.file_id = f.value("fileId", "");
        a.field = sanitize_segment(f.value("fieldId", ""));
        a.name = sanitize_segment(f.value("name", a.file_id));
        const auto size = f.find("size");
        if (size != f.end() && size->is_number_unsigned()) a.size = size->get<std::uint64_t>();
        a.mime_type = f.value("mimeType", "");
        listed.push_back({{"field", f.value("fieldId", "")},
                          {"name", f.value("name", "")},
                          {"size", a.size},
                          {"mime_type", a.mime_type},
                          {"path", stem + "/" + a.field + "/" + a.name}});
        if (is_safe_id(a.file_id)) set.files.push_back(std::move(a));
      }
    }
    doc["attachments"] = std::move(listed);
    if (is_safe_id(set.drop_id) && !set.files.empty()) out.attachments = std::move(set);
  }
  out.text = to_secret_text(doc);
  out.ok = true;
  return out;
}

std::string form_state(const wire::FormListItem& form, std::time_t now) {
  if (form.taken_down) return "taken_down";
  if (form.disabled_by_user) return "disabled";
  if (!form.active) return "inactive";
  if (form.closes_at) {
    if (const auto t = parse_iso8601(*form.closes_at); t && *t <= now) return "closed";
  }
  if (form.max_submissions && form.submissions_count >= *form.max_submissions) return "full";
  return "open";
}

std::string render_form_info(const wire::FormListItem& form, const wire::FormPlanMeta& plan,
                             std::string_view public_url, std::optional<bool> password_protected,
                             std::time_t now) {
  ordered doc;
  doc["id"] = form.id;
  doc["title"] = form.title;
  doc["description"] = form.description ? ordered(*form.description) : ordered(nullptr);
  doc["public_url"] = std::string(public_url);
  doc["state"] = form_state(form, now);
  doc["password_protected"] = password_protected ? ordered(*password_protected) : ordered(nullptr);
  doc["allow_file_uploads"] = form.allow_file_uploads;
  doc["submissions_count"] = form.submissions_count;
  doc["max_submissions"] = form.max_submissions ? ordered(*form.max_submissions) : ordered(nullptr);
  doc["closes_at"] = form.closes_at ? ordered(*form.closes_at) : ordered(nullptr);
  doc["created_at"] = form.created_at;
  doc["updated_at"] = form.updated_at;
  doc["plan"] = {{"forms_limit", plan.forms_limit},
                 {"submissions_per_month", plan.submissions_per_month},
                 {"submissions_used_current_month", plan.submissions_used_current_month},
                 {"retention_days", plan.retention_days}};
  return doc.dump(2, ' ', false, kReplace) + "\n";
}

}  // namespace anonfs::vfs
