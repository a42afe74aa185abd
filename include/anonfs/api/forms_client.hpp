// FormsClient: the typed client of the anon.li Form API (protocol §9, §11, §12; seed Form
// document) and of the reference server's GET /api/v1/vault/form-keys extension, over HttpClient.
// One instance per server; thread-safe (immutable configuration and the thread-safe HttpClient).
// Every call throws ApiError on failure; responses that do not match the wire types are
// ErrorKind::kProtocol, ids that would not be safe in a URL path are refused before sending
// (kInvalidRequest). Envelope vs bare per route as the protocol says (§1.2); the public form GET
// accepts both shapes (the real service answers bare, the seed document and the reference server
// an envelope). Knows nothing about FUSE.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "anonfs/api/http_client.hpp"
#include "anonfs/crypto/bytes.hpp"
#include "anonfs/wire/drop.hpp"
#include "anonfs/wire/form.hpp"

namespace anonfs::api {

// POST /api/v1/form body (§9.3). Optional members are omitted when unset.
struct NewForm {
  std::string title;
  std::optional<std::string> description;
  nlohmann::json schema;            // §9.1 FormSchemaDoc
  std::string public_key;           // 87 base64url chars (raw uncompressed P-256 point)
  std::string wrapped_private_key;  // §10.4
  std::string vault_id;
  std::int64_t vault_generation = 1;
  std::optional<std::int64_t> max_submissions;
  std::optional<std::string> closes_at;  // ISO 8601 UTC with Z
  std::optional<bool> notify_on_submission;
  // §12 password protection: all four or none.
  struct Password {
    std::string salt, custom_key_data, custom_key_iv, custom_key_verifier;
  };
  std::optional<Password> password;
};

void to_json(nlohmann::json& j, const NewForm& form);

// One page-walked owner listing: the forms and meta.plan of the last page.
struct FormListing {
  std::vector<wire::FormListItem> forms;
  wire::FormPlanMeta plan;
};

class FormsClient {
 public:
  // base_url: "https://anon.li" or "http://127.0.0.1:PORT"; api_key "ak_..." (may be empty for
  // the public routes: form GET, unlock, submit, upload token, attachment upload).
  FormsClient(HttpClient& http, std::string base_url, crypto::SecretBytes api_key);

  const std::string& base_url() const noexcept { return base_url_; }
  // The public URL of a form: <base>/f/<id> (seed Form document).
  std::string public_url(std::string_view form_id) const;

  // ---- Owner routes (§9.2, §9.3, §9.5, §9.6) ----
  // GET /api/v1/form, every page (limit 100) until a short page; kProtocol beyond max_items.
  FormListing list_forms(std::size_t max_items = 10000, std::stop_token cancel = {});
  wire::CreateFormResponse create_form(const NewForm& form, std::stop_token cancel = {});
  // PATCH /api/v1/form/:id with a strict subset of the update fields (§9.5).
  wire::UpdateFormResponse update_form(std::string_view form_id, const nlohmann::json& changes,
                                       std::stop_token cancel = {});
  // PATCH /api/v1/form/:id?action=toggle: flips disabledByUser; returns the new state.
  wire::ToggleFormResponse toggle_form(std::string_view form_id, std::stop_token cancel = {});
  void delete_form(std::string_view form_id, std::stop_token cancel = {});

  // ---- Public routes (§9.4, §9.7, §9.8, §11) ----
  wire::PublicForm public_form(std::string_view form_id, std::stop_token cancel = {});
  // POST /api/v1/form/:id/unlock: the schema of a password form (403 for a wrong proof).
  nlohmann::json unlock_form(std::string_view form_id, const crypto::SecretBytes& proof,
                             std::stop_token cancel = {});
  wire::SubmitResponse submit(std::string_view form_id, const wire::SubmitRequest& request,
                              std::stop_token cancel = {});
  wire::UploadTokenResponse upload_token(std::string_view form_id,
                                         const wire::UploadTokenRequest& request,
                                         std::stop_token cancel = {});
  // POST /api/v1/drop/:dropId/file with X-Upload-Token (the add-file body plus formFieldId).
  wire::AddFileResponse add_attachment_file(std::string_view drop_id,
                                            const crypto::SecretBytes& upload_token,
                                            const wire::AddFileRequest& request,
                                            std::stop_token cancel = {});
  // PATCH /api/v1/drop/:dropId?action=finish with X-Upload-Token.
  void finish_attachment_drop(std::string_view drop_id, const crypto::SecretBytes& upload_token,
                              const wire::FinishRequest& request, std::stop_token cancel = {});

  // ---- Submissions (§9.9) ----
  // GET /api/v1/form/:id/submission, newest first, every page until a short page (bounded by
  // max_items, kProtocol beyond). Never marks anything read.
  std::vector<wire::SubmissionListItem> list_submissions(std::string_view form_id,
                                                         bool include_payload,
                                                         bool unread_only = false,
                                                         std::size_t max_items = 100000,
                                                         std::stop_token cancel = {});
  wire::Submission submission(std::string_view submission_id, std::stop_token cancel = {});
  wire::MarkReadResponse mark_read(std::string_view submission_id, std::stop_token cancel = {});
  void delete_submission(std::string_view submission_id, std::stop_token cancel = {});

  // ---- Vault extension: GET /api/v1/vault/form-keys[?formId=] ----
  std::vector<wire::FormKey> form_keys(std::stop_token cancel = {});
  // nullopt on 404 (no key stored for this form, or the route does not exist: the real service).
  std::optional<wire::FormKey> form_key(std::string_view form_id, std::stop_token cancel = {});

 private:
  HttpClient& http_;
  std::string base_url_;
  crypto::SecretBytes api_key_;
};

}  // namespace anonfs::api
