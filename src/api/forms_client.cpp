// FormsClient: request building and strict decoding of the anon.li Form routes (protocol §9,
// §11, §12) and the form-keys extension, on the shared Call plumbing of api_call.hpp.
#include "anonfs/api/forms_client.hpp"

#include <set>
#include <utility>

#include "api_call.hpp"

namespace anonfs::api {

namespace {

constexpr std::size_t kPageSize = 100;  // the server's maximum `limit` (§9.2, §9.9)
constexpr std::int64_t kMaxChunkCount = 10'000;

constexpr Route kListForms{Method::kGet, "GET /api/v1/form", true, true};
constexpr Route kCreateForm{Method::kPost, "POST /api/v1/form", true, false};
// An update sets fields to given values: repeatable. A toggle flips a flag: not repeatable.
constexpr Route kUpdateForm{Method::kPatch, "PATCH /api/v1/form/:id", true, true};
constexpr Route kToggleForm{Method::kPatch, "PATCH /api/v1/form/:id?action=toggle", true, false};
constexpr Route kDeleteForm{Method::kDelete, "DELETE /api/v1/form/:id", true, true};
constexpr Route kPublicForm{Method::kGet, "GET /api/v1/form/:id", false, true};
constexpr Route kUnlockForm{Method::kPost, "POST /api/v1/form/:id/unlock", false, true};
constexpr Route kSubmit{Method::kPost, "POST /api/v1/form/:id/submit", false, false};
constexpr Route kUploadToken{Method::kPost, "POST /api/v1/form/:id/upload-token", false, false};
constexpr Route kAddAttachment{Method::kPost, "POST /api/v1/drop/:id/file (X-Upload-Token)", false,
                               false};
constexpr Route kFinishAttachment{
    Method::kPatch, "PATCH /api/v1/drop/:id?action=finish (X-Upload-Token)", false, true};
constexpr Route kListSubmissions{Method::kGet, "GET /api/v1/form/:id/submission", true, true};
constexpr Route kSubmission{Method::kGet, "GET /api/v1/form/submission/:sid", true, true};
// Marking read twice leaves it read: repeatable.
constexpr Route kMarkRead{Method::kPatch, "PATCH /api/v1/form/submission/:sid", true, true};
constexpr Route kDeleteSubmission{Method::kDelete, "DELETE /api/v1/form/submission/:sid", true,
                                  true};
constexpr Route kFormKeys{Method::kGet, "GET /api/v1/vault/form-keys", true, true};
constexpr Route kFormKey{Method::kGet, "GET /api/v1/vault/form-keys?formId=", true, true};

std::string form_path(std::string_view form_id) {
  return "/api/v1/form/" + std::string(form_id);
}
std::string submission_path(std::string_view submission_id) {
  return "/api/v1/form/submission/" + std::string(submission_id);
}

Headers upload_token_header(const crypto::SecretBytes& token) {
  Headers headers;
  headers.set("X-Upload-Token", std::string(token.str()));
  return headers;
}

// Wipes the X-Upload-Token copy in `headers` when the call is over.
class HeaderWiper {
 public:
  explicit HeaderWiper(Headers& headers) : headers_(headers) {}
  ~HeaderWiper() {
    for (const auto& entry : headers_.entries()) {
      auto& value = const_cast<std::string&>(entry.second);
      crypto::secure_wipe(value.data(), value.size());
    }
  }
  HeaderWiper(const HeaderWiper&) = delete;
  HeaderWiper& operator=(const HeaderWiper&) = delete;

 private:
  Headers& headers_;
};

// Walks a list envelope page by page (limit 100, offset += 100) until a short page or
// has_more=false, de-duplicating by id (an item created while paging shifts the newest-first list)
// and bounded so that a hostile server cannot make it loop forever.
template <typename Item, typename Path, typename OnMeta>
std::vector<Item> walk_pages(HttpClient& http, const std::string& base_url,
                             const crypto::SecretBytes& api_key, const Route& route,
                             std::size_t max_items, const Path& path_for_offset,
                             const OnMeta& on_meta, const std::stop_token& cancel) {
  std::vector<Item> items;
  std::set<std::string> seen;
  const std::size_t max_pages = max_items / kPageSize + 2;
  for (std::size_t page = 0, offset = 0;; ++page, offset += kPageSize) {
    Call call(http, base_url, api_key, route);
    json document = call.send(path_for_offset(offset), nullptr, cancel);
    const wire::Meta meta = call.envelope_meta(document);
    on_meta(call, document);
    const json data = call.envelope_data(std::move(document));
    if (!data.is_array()) call.fail("envelope data is not an array");
    if (data.size() > kPageSize) call.fail("page longer than the requested limit");
    for (const auto& element : data) {
      auto item = call.convert<Item>(element);
      if (!is_safe_id(item.id)) call.fail("malformed id in the list");
      if (!seen.insert(item.id).second) continue;
      if (items.size() >= max_items) {
        call.fail("more than " + std::to_string(max_items) + " items listed");
      }
      items.push_back(std::move(item));
    }
    if (data.size() < kPageSize) break;
    if (meta.has_more && !*meta.has_more) break;
    if (page + 1 >= max_pages) call.fail("more than " + std::to_string(max_pages) + " full pages");
  }
  return items;
}

}  // namespace

void to_json(nlohmann::json& j, const NewForm& form) {
  j = {{"title", form.title},          {"schema", form.schema},
       {"publicKey", form.public_key}, {"wrappedPrivateKey", form.wrapped_private_key},
       {"vaultId", form.vault_id},     {"vaultGeneration", form.vault_generation}};
  // The service derives it from the schema (§9.3); the reference server follows the seed, where
  // it must be sent: true exactly when the schema has a `file` field.
  bool has_file_field = false;
  if (const auto fields = form.schema.find("fields");
      fields != form.schema.end() && fields->is_array()) {
    for (const auto& field : *fields) {
      if (field.is_object() && field.value("type", "") == "file") has_file_field = true;
    }
  }
  j["allowFileUploads"] = has_file_field;
  if (form.description) j["description"] = *form.description;
  if (form.max_submissions) j["maxSubmissions"] = *form.max_submissions;
  if (form.closes_at) j["closesAt"] = *form.closes_at;
  if (form.notify_on_submission) j["notifyOnSubmission"] = *form.notify_on_submission;
  if (form.password) {
    j["customKey"] = true;
    j["salt"] = form.password->salt;
    j["customKeyData"] = form.password->custom_key_data;
    j["customKeyIv"] = form.password->custom_key_iv;
    j["customKeyVerifier"] = form.password->custom_key_verifier;
  }
}

FormsClient::FormsClient(HttpClient& http, std::string base_url, crypto::SecretBytes api_key)
    : http_(http), base_url_(std::move(base_url)), api_key_(std::move(api_key)) {
  while (!base_url_.empty() && base_url_.back() == '/')
    base_url_.pop_back();
  check_url(base_url_);
  const auto invalid = [this](std::string why) {
    ErrorInfo info;
    info.kind = ErrorKind::kInvalidRequest;
    info.url = redact_url(base_url_);
    info.detail = std::move(why);
    info.request_not_sent = true;
    throw ApiError(std::move(info));
  };
  if (base_url_.find('?') != std::string::npos)
    invalid("the base URL must not have a query string");
  if (!is_valid_api_key(api_key_.str())) {
    invalid("the API key contains spaces or control characters");
  }
}

std::string FormsClient::public_url(std::string_view form_id) const {
  return base_url_ + "/f/" + std::string(form_id);
}

// ---- Owner routes ----------------------------------------------------------------------------

FormListing FormsClient::list_forms(std::size_t max_items, std::stop_token cancel) {
  FormListing out;
  out.forms = walk_pages<wire::FormListItem>(
      http_, base_url_, api_key_, kListForms, max_items,
      [](std::size_t offset) {
        return "/api/v1/form?limit=" + std::to_string(kPageSize) +
               "&offset=" + std::to_string(offset);
      },
      [&out](Call& call, const json& document) {
        const auto meta = document.find("meta");
        if (meta == document.end() || !meta->is_object()) return;
        const auto plan = meta->find("plan");
        if (plan != meta->end() && plan->is_object()) {
          out.plan = call.convert<wire::FormPlanMeta>(*plan);
        }
      },
      cancel);
  return out;
}

wire::CreateFormResponse FormsClient::create_form(const NewForm& form, std::stop_token cancel) {
  Call call(http_, base_url_, api_key_, kCreateForm);
  const json body = form;
  auto out = call.convert<wire::CreateFormResponse>(
      call.envelope_data(call.send("/api/v1/form", &body, std::move(cancel))));
  if (!is_safe_id(out.id)) call.fail("malformed form id");
  if (out.public_key != form.public_key) call.fail("the server stored another public key");
  return out;
}

wire::UpdateFormResponse FormsClient::update_form(std::string_view form_id,
                                                  const nlohmann::json& changes,
                                                  std::stop_token cancel) {
  Call call(http_, base_url_, api_key_, kUpdateForm);
  require_id(kUpdateForm, base_url_, form_id, "form id");
  if (!changes.is_object()) refuse(kUpdateForm, base_url_, "the changes must be a JSON object");
  auto out = call.convert<wire::UpdateFormResponse>(
      call.envelope_data(call.send(form_path(form_id), &changes, std::move(cancel))));
  if (out.id != form_id) call.fail("update of another form");
  return out;
}

wire::ToggleFormResponse FormsClient::toggle_form(std::string_view form_id,
                                                  std::stop_token cancel) {
  Call call(http_, base_url_, api_key_, kToggleForm);
  require_id(kToggleForm, base_url_, form_id, "form id");
  const json body = json::object();
  return call.convert<wire::ToggleFormResponse>(call.envelope_data(
      call.send(form_path(form_id) + "?action=toggle", &body, std::move(cancel))));
}

void FormsClient::delete_form(std::string_view form_id, std::stop_token cancel) {
  Call call(http_, base_url_, api_key_, kDeleteForm);
  require_id(kDeleteForm, base_url_, form_id, "form id");
  const auto out = call.convert<wire::DeletedResponse>(
      call.envelope_data(call.send(form_path(form_id), nullptr, std::move(cancel))));
  if (!out.deleted || out.id != form_id) call.fail("the server did not confirm the deletion");
}

// ---- Public routes ---------------------------------------------------------------------------

wire::PublicForm FormsClient::public_form(std::string_view form_id, std::stop_token cancel) {
  Call call(http_, base_url_, api_key_, kPublicForm);
  require_id(kPublicForm, base_url_, form_id, "form id");
  // Both shapes (bare snake_case and the seed envelope) are read by wire::PublicForm.
  auto out = call.convert<wire::PublicForm>(call.send(form_path(form_id), nullptr, cancel));
  if (out.id != form_id) call.fail("metadata of another form");
  if (!out.schema.is_null() && !out.schema.is_object()) call.fail("schema is not an object");
  return out;
}

nlohmann::json FormsClient::unlock_form(std::string_view form_id, const crypto::SecretBytes& proof,
                                        std::stop_token cancel) {
  Call call(http_, base_url_, api_key_, kUnlockForm);
  require_id(kUnlockForm, base_url_, form_id, "form id");
  json body = {{"customKeyProof", std::string(proof.str())}};
  JsonWiper wiper(body, "customKeyProof");
  json data = call.envelope_data(call.send(form_path(form_id) + "/unlock", &body, cancel));
  if (!data.is_object()) call.fail("envelope data is not an object");
  auto schema = data.find("schema");
  if (schema == data.end() || !schema->is_object()) call.fail("no schema in the answer");
  return std::move(*schema);
}

wire::SubmitResponse FormsClient::submit(std::string_view form_id,
                                         const wire::SubmitRequest& request,
                                         std::stop_token cancel) {
  Call call(http_, base_url_, api_key_, kSubmit);
  require_id(kSubmit, base_url_, form_id, "form id");
  json body = request;
  JsonWiper proof_wiper(body, "customKeyProof");
  JsonWiper token_wiper(body, "attachmentUploadToken");
  auto out = call.convert<wire::SubmitResponse>(
      call.envelope_data(call.send(form_path(form_id) + "/submit", &body, std::move(cancel))));
  if (!is_safe_id(out.id)) call.fail("malformed submission id");
  return out;
}

wire::UploadTokenResponse FormsClient::upload_token(std::string_view form_id,
                                                    const wire::UploadTokenRequest& request,
                                                    std::stop_token cancel) {
  Call call(http_, base_url_, api_key_, kUploadToken);
  require_id(kUploadToken, base_url_, form_id, "form id");
  json body = request;
  JsonWiper proof_wiper(body, "customKeyProof");
  auto out = call.convert<wire::UploadTokenResponse>(call.envelope_data(
      call.send(form_path(form_id) + "/upload-token", &body, std::move(cancel))));
  if (!is_safe_id(out.drop_id)) call.fail("malformed drop_id");
  if (out.upload_token.empty() || !is_valid_api_key(out.upload_token)) {
    call.fail("malformed upload_token");
  }
  return out;
}

wire::AddFileResponse FormsClient::add_attachment_file(std::string_view drop_id,
                                                       const crypto::SecretBytes& upload_token,
                                                       const wire::AddFileRequest& request,
                                                       std::stop_token cancel) {
  Call call(http_, base_url_, api_key_, kAddAttachment);
  require_id(kAddAttachment, base_url_, drop_id, "drop id");
  if (!is_valid_api_key(upload_token.str()) || upload_token.empty()) {
    refuse(kAddAttachment, base_url_, "malformed upload token");
  }
  if (request.chunkCount < 1 || request.chunkCount > kMaxChunkCount) {
    refuse(kAddAttachment, base_url_, "chunkCount out of range");
  }
  Headers headers = upload_token_header(upload_token);
  HeaderWiper wiper(headers);
  const json body = request;
  auto out = call.convert<wire::AddFileResponse>(call.bare(call.send(
      "/api/v1/drop/" + std::string(drop_id) + "/file", &body, std::move(cancel), &headers)));
  if (!is_safe_id(out.fileId)) call.fail("malformed fileId");
  if (out.uploadUrls.size() != static_cast<std::size_t>(request.chunkCount)) {
    call.fail("uploadUrls has " + std::to_string(out.uploadUrls.size()) + " entries, expected " +
              std::to_string(request.chunkCount));
  }
  for (std::int64_t part = 1; part <= request.chunkCount; ++part) {
    if (!out.uploadUrls.contains(std::to_string(part))) {
      call.fail("uploadUrls lacks part " + std::to_string(part));
    }
  }
  return out;
}

void FormsClient::finish_attachment_drop(std::string_view drop_id,
                                         const crypto::SecretBytes& upload_token,
                                         const wire::FinishRequest& request,
                                         std::stop_token cancel) {
  Call call(http_, base_url_, api_key_, kFinishAttachment);
  require_id(kFinishAttachment, base_url_, drop_id, "drop id");
  if (!is_valid_api_key(upload_token.str()) || upload_token.empty()) {
    refuse(kFinishAttachment, base_url_, "malformed upload token");
  }
  Headers headers = upload_token_header(upload_token);
  HeaderWiper wiper(headers);
  const json body = request;
  call.expect_success(call.send("/api/v1/drop/" + std::string(drop_id) + "?action=finish", &body,
                                std::move(cancel), &headers));
}

// ---- Submissions -----------------------------------------------------------------------------

std::vector<wire::SubmissionListItem> FormsClient::list_submissions(std::string_view form_id,
                                                                    bool include_payload,
                                                                    bool unread_only,
                                                                    std::size_t max_items,
                                                                    std::stop_token cancel) {
  require_id(kListSubmissions, base_url_, form_id, "form id");
  const std::string base = form_path(form_id) + "/submission?limit=" + std::to_string(kPageSize) +
                           (include_payload ? "&include=payload" : "") +
                           (unread_only ? "&unreadOnly=true" : "") + "&offset=";
  return walk_pages<wire::SubmissionListItem>(
      http_, base_url_, api_key_, kListSubmissions, max_items,
      [&base](std::size_t offset) { return base + std::to_string(offset); },
      [](Call&, const json&) {}, cancel);
}

wire::Submission FormsClient::submission(std::string_view submission_id, std::stop_token cancel) {
  Call call(http_, base_url_, api_key_, kSubmission);
  require_id(kSubmission, base_url_, submission_id, "submission id");
  auto out = call.convert<wire::Submission>(
      call.envelope_data(call.send(submission_path(submission_id), nullptr, std::move(cancel))));
  if (out.id != submission_id) call.fail("another submission");
  if (out.attached_drop_id && !is_safe_id(*out.attached_drop_id)) {
    call.fail("malformed attached_drop_id");
  }
  return out;
}

wire::MarkReadResponse FormsClient::mark_read(std::string_view submission_id,
                                              std::stop_token cancel) {
  Call call(http_, base_url_, api_key_, kMarkRead);
  require_id(kMarkRead, base_url_, submission_id, "submission id");
  auto out = call.convert<wire::MarkReadResponse>(
      call.envelope_data(call.send(submission_path(submission_id), nullptr, std::move(cancel))));
  if (out.id != submission_id) call.fail("another submission");
  return out;
}

void FormsClient::delete_submission(std::string_view submission_id, std::stop_token cancel) {
  Call call(http_, base_url_, api_key_, kDeleteSubmission);
  require_id(kDeleteSubmission, base_url_, submission_id, "submission id");
  const auto out = call.convert<wire::DeletedResponse>(
      call.envelope_data(call.send(submission_path(submission_id), nullptr, std::move(cancel))));
  if (!out.deleted || out.id != submission_id) {
    call.fail("the server did not confirm the deletion");
  }
}

// ---- Vault extension -------------------------------------------------------------------------

std::vector<wire::FormKey> FormsClient::form_keys(std::stop_token cancel) {
  Call call(http_, base_url_, api_key_, kFormKeys);
  const json data =
      call.envelope_data(call.send("/api/v1/vault/form-keys", nullptr, std::move(cancel)));
  if (!data.is_array()) call.fail("envelope data is not an array");
  return call.convert<std::vector<wire::FormKey>>(data);
}

std::optional<wire::FormKey> FormsClient::form_key(std::string_view form_id,
                                                   std::stop_token cancel) {
  Call call(http_, base_url_, api_key_, kFormKey);
  require_id(kFormKey, base_url_, form_id, "form id");
  json document;
  try {
    document = call.send("/api/v1/vault/form-keys?formId=" + std::string(form_id), nullptr,
                         std::move(cancel));
  } catch (const ApiError& e) {
    if (e.kind() == ErrorKind::kHttpStatus && e.status() == 404) return std::nullopt;
    throw;
  }
  auto key = call.convert<wire::FormKey>(call.envelope_data(std::move(document)));
  if (key.form_id != form_id) call.fail("key of another form");
  return key;
}

}  // namespace anonfs::api
