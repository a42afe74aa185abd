// Form attachment uploads (protocol §11): the X-Upload-Token a respondent presents on the drop
// routes (add-file, finish, abort) of the staging drop minted by POST
// /api/v1/form/:id/upload-token.
#pragma once

#include <string>
#include <vector>

#include "anonfs/server/server.hpp"
#include "anonfs/wire/drop.hpp"
#include "anonfs/wire/form.hpp"
#include "app.hpp"
#include "store.hpp"

namespace anonfs::server {

struct UploadGrant {
  std::string token_hash;
  std::string form_id;
  std::string drop_id;
  std::string owner_id;  // the form owner: the staging drop is theirs and charged to them
  Plan owner_plan = Plan::kFree;
  std::vector<wire::PlannedAttachment> files;
};

// Validates `token` for `drop_id`: it must exist, be bound to that drop, unused and unexpired, and
// the drop must still be staging. Throws 401 "Invalid upload token" otherwise. Takes the db lock.
UploadGrant authorize_upload_token(App& app, const std::string& token, const std::string& drop_id);

// add-file with a grant: `formFieldId` must name a planned field that still has room and the
// plaintext size must fit what was planned for it; 400 "File upload target is invalid" otherwise.
void check_attachment_file(const UploadGrant& grant, const wire::AddFileRequest& req,
                           const std::vector<store::File>& existing);

}  // namespace anonfs::server
