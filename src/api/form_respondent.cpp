// The respondent flow of a form submission: attachment drop through an upload token (§11), the
// §10.3 payload, the sealed box (§10.2), submit (§9.8).
#include "anonfs/api/form_respondent.hpp"

#include <stdexcept>
#include <utility>

#include "anonfs/crypto/drop_codec.hpp"
#include "anonfs/crypto/drop_size.hpp"
#include "anonfs/crypto/form_seal.hpp"

namespace anonfs::api {
namespace {

using ordered = nlohmann::ordered_json;

struct UploadedAttachments {
  std::string drop_id;
  crypto::SecretBytes upload_token;
  ordered payload_files = ordered::array();
  std::vector<wire::AttachmentManifestEntry> manifest;
};

UploadedAttachments upload_attachments(FormsClient& forms, AnonliClient& drops,
                                       const RespondentSubmission& s,
                                       const crypto::DropKey& drop_key, std::stop_token cancel) {
  const crypto::DropIv drop_iv = crypto::generate_drop_iv();
  wire::UploadTokenRequest request;
  request.iv = crypto::format_drop_iv(drop_iv);
  for (const auto& f : s.files) {
    if (f.content.empty()) {
      throw std::invalid_argument("attachment " + f.name + " is empty (drops cannot hold it)");
    }
    request.files.push_back({f.field_id, static_cast<std::int64_t>(f.content.size()), f.mime_type});
  }
  request.fileCount = static_cast<std::int64_t>(s.files.size());
  if (s.proof) request.customKeyProof = std::string(s.proof->str());
  const wire::UploadTokenResponse token = forms.upload_token(s.form_id, request, cancel);

  UploadedAttachments out;
  out.drop_id = token.drop_id;
  out.upload_token = crypto::SecretBytes::from_string(token.upload_token);
  wire::FinishRequest finish;
  for (const auto& f : s.files) {
    const crypto::ChunkLayout layout = crypto::plan_chunks(f.content.size());
    const crypto::DropIv file_iv = crypto::generate_drop_iv();
    wire::AddFileRequest add;
    add.size = static_cast<std::int64_t>(layout.ciphertext_size);
    add.encryptedName = crypto::encrypt_name(drop_key, file_iv, f.name);
    add.iv = crypto::format_drop_iv(file_iv);
    add.mimeType = f.mime_type;
    add.chunkCount = layout.chunk_count;
    add.chunkSize = static_cast<std::int64_t>(layout.chunk_size);
    add.formFieldId = f.field_id;
    const wire::AddFileResponse added =
        forms.add_attachment_file(out.drop_id, out.upload_token, add, cancel);
    wire::FinishFile entry{added.fileId, {}};
    for (std::uint32_t i = 0; i < layout.chunk_count; ++i) {
      const auto range = crypto::chunk_plaintext_range(layout, i);
      crypto::Bytes part(range.length + crypto::kDropTagSize);
      crypto::encrypt_chunk(drop_key, file_iv, i,
                            f.content.view().subspan(range.offset, range.length), part);
      const std::string etag =
          drops.upload_part(added.uploadUrls.at(std::to_string(i + 1)), part, cancel);
      entry.chunks.push_back({static_cast<std::int64_t>(i), etag});
    }
    finish.files.push_back(std::move(entry));
    out.payload_files.push_back({{"fieldId", f.field_id},
                                 {"fileId", added.fileId},
                                 {"name", f.name},
                                 {"size", f.content.size()},
                                 {"mimeType", f.mime_type}});
    out.manifest.push_back({f.field_id, added.fileId, add.size, f.mime_type});
  }
  forms.finish_attachment_drop(out.drop_id, out.upload_token, finish, cancel);
  return out;
}

}  // namespace

RespondentResult submit_response(FormsClient& forms, AnonliClient& drops,
                                 const RespondentSubmission& s, std::stop_token cancel) {
  if (!s.answers.is_object()) throw std::invalid_argument("answers must be a JSON object");
  ordered answers = ordered::parse(s.answers.dump());
  ordered payload;
  payload["version"] = 1;
  std::optional<UploadedAttachments> uploaded;
  if (!s.files.empty()) {
    const crypto::DropKey drop_key = crypto::DropKey::generate();
    uploaded = upload_attachments(forms, drops, s, drop_key, cancel);
    for (const auto& f : uploaded->payload_files) {
      auto& ids = answers[f.at("fieldId").get<std::string>()];
      if (!ids.is_array()) ids = ordered::array();
      ids.push_back(f.at("fileId"));
    }
    payload["answers"] = std::move(answers);
    const crypto::SecretBytes key = drop_key.to_string();
    payload["attachments"] = {{"dropId", uploaded->drop_id},
                              {"key", std::string(key.str())},
                              {"files", uploaded->payload_files}};
  } else {
    payload["answers"] = std::move(answers);
    payload["attachments"] = nullptr;
  }
  std::string text = payload.dump();
  const crypto::SecretBytes plaintext = crypto::SecretBytes::from_string(text);
  crypto::secure_wipe(text.data(), text.size());
  if (payload.contains("attachments") && payload["attachments"].is_object()) {
    auto& key = payload["attachments"]["key"].get_ref<std::string&>();
    crypto::secure_wipe(key.data(), key.size());
  }
  const crypto::SealedSubmission sealed = crypto::form_seal(s.public_key, plaintext.view());

  wire::SubmitRequest request;
  request.ephemeralPubKey = sealed.ephemeral_pub_key;
  request.iv = sealed.iv;
  request.encryptedPayload = sealed.encrypted_payload;
  if (uploaded) {
    request.attachedDropId = uploaded->drop_id;
    request.attachmentUploadToken = std::string(uploaded->upload_token.str());
    request.attachmentManifest = uploaded->manifest;
  }
  if (s.proof) request.customKeyProof = std::string(s.proof->str());
  RespondentResult result;
  result.submitted = forms.submit(s.form_id, request, std::move(cancel));
  if (uploaded) result.attachment_drop_id = uploaded->drop_id;
  return result;
}

}  // namespace anonfs::api
