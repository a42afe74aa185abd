#include "form_uploads.hpp"

#include <algorithm>

#include "clock.hpp"
#include "form_rules.hpp"
#include "store_forms.hpp"

namespace anonfs::server {

UploadGrant authorize_upload_token(App& app, const std::string& token, const std::string& drop_id) {
  const auto invalid = [] { return unauthorized("Invalid upload token"); };
  if (token.size() != 43) throw invalid();
  UploadGrant grant;
  grant.token_hash = hash_upload_token(token);
  auto lock = app.db->lock();
  auto row = store::find_upload_token(*app.db, grant.token_hash);
  if (!row || row->drop_id != drop_id || row->used_at || row->expires_at <= now_ms()) {
    throw invalid();
  }
  auto info = store::form_drop_info(*app.db, drop_id);
  auto form = store::find_form(*app.db, row->form_id);
  if (!info || !info->staging || !form) throw invalid();
  auto owner = store::find_user(*app.db, form->user_id);
  if (!owner) throw invalid();
  grant.form_id = row->form_id;
  grant.drop_id = drop_id;
  grant.owner_id = owner->id;
  grant.owner_plan = owner->plan;
  auto files = nlohmann::json::parse(row->files_json, nullptr, /*allow_exceptions=*/false);
  if (files.is_array()) grant.files = files.get<std::vector<wire::PlannedAttachment>>();
  return grant;
}

void check_attachment_file(const UploadGrant& grant, const wire::AddFileRequest& req,
                           const std::vector<store::File>& existing) {
  const auto invalid = [] { return validation_error("File upload target is invalid"); };
  if (!req.formFieldId) throw invalid();
  const auto& field = *req.formFieldId;
  std::int64_t planned = 0, largest = 0;
  for (const auto& p : grant.files) {
    if (p.fieldId != field) continue;
    ++planned;
    largest = std::max(largest, p.size);
  }
  auto used = std::count_if(existing.begin(), existing.end(),
                            [&](const store::File& f) { return f.form_field_id == field; });
  const std::int64_t plaintext = req.size - 16 * req.chunkCount;
  if (planned == 0 || used >= planned || plaintext > largest) throw invalid();
}

}  // namespace anonfs::server
