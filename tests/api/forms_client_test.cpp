// Integration tests of FormsClient against the real reference server started in-process on a free
// port with a fresh data directory: owner routes, the public form, password unlock, sealed
// submissions read back and opened, paging, mark-read, deletion, attachment upload through an
// upload token, form-keys, and id validation before sending.
#include "anonfs/api/forms_client.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>
#include <string>
#include <thread>

#include "anonfs/api/anonli_client.hpp"
#include "anonfs/api/api_error.hpp"
#include "anonfs/api/http_client.hpp"
#include "anonfs/crypto/base64.hpp"
#include "anonfs/crypto/drop_codec.hpp"
#include "anonfs/crypto/drop_size.hpp"
#include "anonfs/crypto/form_keys.hpp"
#include "anonfs/crypto/form_seal.hpp"
#include "anonfs/crypto/vault.hpp"
#include "anonfs/server/server.hpp"
#include "support/temp_dir.hpp"

namespace anonfs::api {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

ClientOptions test_options() {
  ClientOptions o;
  o.connect_timeout = 5s;
  o.retry.max_attempts = 2;
  o.retry.base_delay = 1ms;
  o.retry.max_delay = 5ms;
  return o;
}

template <typename F>
ApiError expect_api_error(F&& f) {
  try {
    f();
  } catch (const ApiError& e) {
    return e;
  }
  ADD_FAILURE() << "no ApiError thrown";
  return ApiError(ErrorInfo{});
}

json schema() {
  return {{"version", 1},
          {"title", "Intake"},
          {"fields",
           {{{"id", "name"}, {"type", "short_text"}, {"label", "Name"}, {"required", true}},
            {{"id", "photos"}, {"type", "file"}, {"label", "Photos"}, {"maxFiles", 2}}}}};
}

class FormsClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    user_ = server::add_user(dir_.path(), "owner@example.com", server::Plan::kPro);
    server::ServerOptions options;
    options.data_dir = dir_.path();
    options.worker_threads = 8;
    options.sweep_interval = std::chrono::milliseconds(100);
    server_ = std::make_unique<server::Server>(std::move(options));
    server_->start();
    http_ = std::make_unique<HttpClient>(test_options());
    drops_ = std::make_unique<AnonliClient>(*http_, server_->url(),
                                            crypto::SecretBytes::from_string(user_.api_key));
    forms_ = std::make_unique<FormsClient>(*http_, server_->url(),
                                           crypto::SecretBytes::from_string(user_.api_key));
    anonymous_ = std::make_unique<FormsClient>(*http_, server_->url(), crypto::SecretBytes{});
    const auto credentials =
        crypto::make_vault_credentials(crypto::as_bytes(std::string("vault pw")), vault_key_);
    wire::VaultSetupRequest setup;
    setup.authSalt = credentials.auth_salt;
    setup.auth_secret = std::string(credentials.auth_secret.str());
    setup.vault_salt = credentials.vault_salt;
    setup.password_wrapped_vault_key = credentials.password_wrapped_vault_key;
    setup.kdf_version = crypto::kVaultKdfVersion;
    vault_id_ = drops_->vault_setup(setup).vault_id;
  }
  void TearDown() override {
    anonymous_.reset();
    forms_.reset();
    drops_.reset();
    http_.reset();
    if (server_) server_->stop();
  }

  NewForm new_form(std::string title = "Intake") {
    NewForm f;
    f.title = std::move(title);
    f.description = "Tell us";
    f.schema = schema();
    f.public_key = form_key_.public_key().to_base64url();
    f.wrapped_private_key = crypto::wrap_form_private_key(vault_key_.bytes(), form_key_);
    f.vault_id = vault_id_;
    f.vault_generation = 1;
    return f;
  }

  wire::SubmitResponse submit(const std::string& form_id, const std::string& plaintext) {
    const auto sealed = crypto::form_seal(form_key_.public_key(), crypto::as_bytes(plaintext));
    wire::SubmitRequest r;
    r.ephemeralPubKey = sealed.ephemeral_pub_key;
    r.iv = sealed.iv;
    r.encryptedPayload = sealed.encrypted_payload;
    return anonymous_->submit(form_id, r);
  }

  test_support::TempDir dir_;
  server::CreatedUser user_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<AnonliClient> drops_;
  std::unique_ptr<FormsClient> forms_;
  std::unique_ptr<FormsClient> anonymous_;
  crypto::VaultKey vault_key_ = crypto::VaultKey::generate();
  crypto::P256PrivateKey form_key_ = crypto::P256PrivateKey::generate();
  std::string vault_id_;
};

TEST_F(FormsClientTest, OwnerLifecycleAndPublicForm) {
  const auto created = forms_->create_form(new_form());
  ASSERT_EQ(created.id.size(), 12u);
  EXPECT_EQ(created.title, "Intake");
  EXPECT_EQ(forms_->public_url(created.id), server_->url() + "/f/" + created.id);

  const FormListing listing = forms_->list_forms();
  ASSERT_EQ(listing.forms.size(), 1u);
  EXPECT_EQ(listing.forms[0].id, created.id);
  EXPECT_TRUE(listing.forms[0].allow_file_uploads);
  EXPECT_GT(listing.plan.forms_limit, 0);
  EXPECT_GT(listing.plan.retention_days, 0);

  const wire::PublicForm pub = anonymous_->public_form(created.id);
  EXPECT_EQ(pub.public_key, form_key_.public_key().to_base64url());
  EXPECT_EQ(pub.schema.at("fields").size(), 2u);
  EXPECT_FALSE(pub.custom_key);

  EXPECT_EQ(forms_->update_form(created.id, {{"title", "Renamed"}}).id, created.id);
  EXPECT_EQ(forms_->list_forms().forms.at(0).title, "Renamed");

  EXPECT_TRUE(forms_->toggle_form(created.id).disabled);
  // A disabled form is gone for the public (410).
  EXPECT_EQ(expect_api_error([&] { anonymous_->public_form(created.id); }).status(), 410);
  EXPECT_FALSE(forms_->toggle_form(created.id).disabled);

  forms_->delete_form(created.id);
  EXPECT_TRUE(forms_->list_forms().forms.empty());
  EXPECT_EQ(expect_api_error([&] { anonymous_->public_form(created.id); }).status(), 404);
}

TEST_F(FormsClientTest, FormKeyRoundTripsThroughTheVault) {
  const auto created = forms_->create_form(new_form());
  const auto key = forms_->form_key(created.id);
  ASSERT_TRUE(key.has_value());
  const auto unwrapped = crypto::unwrap_form_private_key(vault_key_.bytes(), key->wrapped);
  EXPECT_EQ(unwrapped.public_key(), form_key_.public_key());
  ASSERT_EQ(forms_->form_keys().size(), 1u);
  EXPECT_FALSE(forms_->form_key("aaaaaaaaaaaa").has_value());
}

TEST_F(FormsClientTest, SubmissionsListReadMarkDelete) {
  const auto form = forms_->create_form(new_form());
  const std::string plaintext = R"({"version":1,"answers":{"name":"Alice"},"attachments":null})";
  const auto first = submit(form.id, plaintext);
  ASSERT_EQ(first.id.size(), 14u);
  submit(form.id, R"({"version":1,"answers":{"name":"Bob"},"attachments":null})");

  const auto bare = forms_->list_submissions(form.id, false);
  ASSERT_EQ(bare.size(), 2u);
  EXPECT_FALSE(bare[0].encrypted_payload.has_value());

  const auto items = forms_->list_submissions(form.id, true);
  ASSERT_EQ(items.size(), 2u);
  for (const auto& item : items) {
    ASSERT_TRUE(item.encrypted_payload.has_value());
    EXPECT_FALSE(item.read_at.has_value());  // listing never marks read
  }

  const wire::Submission one = forms_->submission(first.id);
  const auto opened =
      crypto::form_open(form_key_, one.ephemeral_pub_key, one.iv, one.encrypted_payload);
  EXPECT_EQ(std::string(opened.str()), plaintext);
  EXPECT_FALSE(one.read_at.has_value());  // reading does not either

  const auto marked = forms_->mark_read(first.id);
  EXPECT_FALSE(marked.read_at.empty());
  EXPECT_TRUE(forms_->submission(first.id).read_at.has_value());
  EXPECT_EQ(forms_->list_submissions(form.id, false, /*unread_only=*/true).size(), 1u);

  forms_->delete_submission(first.id);
  EXPECT_EQ(forms_->list_submissions(form.id, false).size(), 1u);
  EXPECT_EQ(expect_api_error([&] { forms_->submission(first.id); }).status(), 404);
}

TEST_F(FormsClientTest, ListingWalksEveryPage) {
  const auto form = forms_->create_form(new_form());
  for (int i = 0; i < 105; ++i) {
    submit(form.id, R"({"version":1,"answers":{"name":"n)" + std::to_string(i) + R"("}})");
  }
  EXPECT_EQ(forms_->list_submissions(form.id, true).size(), 105u);
  // A bound below the count is a protocol error, not a silent truncation.
  EXPECT_EQ(expect_api_error([&] { forms_->list_submissions(form.id, false, false, 50); }).kind(),
            ErrorKind::kProtocol);
}

TEST_F(FormsClientTest, PasswordFormUnlocksOnlyWithTheRightProof) {
  NewForm f = new_form();
  const auto setup = crypto::create_form_password(crypto::as_bytes(std::string("letmein!")));
  f.password = NewForm::Password{setup.salt, setup.custom_key_data, setup.custom_key_iv,
                                 setup.custom_key_verifier};
  const auto form = forms_->create_form(f);
  const auto pub = anonymous_->public_form(form.id);
  ASSERT_TRUE(pub.custom_key);
  EXPECT_TRUE(pub.schema.is_null());
  ASSERT_TRUE(pub.salt && pub.custom_key_data && pub.custom_key_iv);

  const auto proof = crypto::derive_form_proof(crypto::as_bytes(std::string("letmein!")), *pub.salt,
                                               *pub.custom_key_data, *pub.custom_key_iv);
  EXPECT_EQ(anonymous_->unlock_form(form.id, proof).at("fields").size(), 2u);
  const auto wrong =
      crypto::SecretBytes::from_string("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  EXPECT_EQ(expect_api_error([&] { anonymous_->unlock_form(form.id, wrong); }).status(), 403);

  // Submitting needs the proof too.
  const auto sealed =
      crypto::form_seal(form_key_.public_key(), crypto::as_bytes(std::string(R"({"answers":{}})")));
  wire::SubmitRequest r{
      sealed.ephemeral_pub_key, sealed.iv, sealed.encrypted_payload, {}, {}, {}, {}, {}};
  EXPECT_EQ(expect_api_error([&] { anonymous_->submit(form.id, r); }).status(), 403);
  r.customKeyProof = std::string(proof.str());
  EXPECT_EQ(anonymous_->submit(form.id, r).id.size(), 14u);
}

TEST_F(FormsClientTest, AttachmentUploadThroughAnUploadToken) {
  const auto form = forms_->create_form(new_form());
  const auto drop_key = crypto::DropKey::generate();
  const auto drop_iv = crypto::generate_drop_iv();
  const std::string content = "attachment bytes";
  wire::UploadTokenRequest token_request;
  token_request.iv = crypto::format_drop_iv(drop_iv);
  token_request.files = {{"photos", static_cast<std::int64_t>(content.size()), "image/png"}};
  const auto token = anonymous_->upload_token(form.id, token_request);
  const auto upload_token = crypto::SecretBytes::from_string(token.upload_token);

  const auto layout = crypto::plan_chunks(content.size());
  const auto file_iv = crypto::generate_drop_iv();
  wire::AddFileRequest add;
  add.size = static_cast<std::int64_t>(layout.ciphertext_size);
  add.encryptedName = crypto::encrypt_name(drop_key, file_iv, "cat.png");
  add.iv = crypto::format_drop_iv(file_iv);
  add.mimeType = "image/png";
  add.chunkCount = 1;
  add.chunkSize = static_cast<std::int64_t>(layout.chunk_size);
  add.formFieldId = "photos";
  const auto added = anonymous_->add_attachment_file(token.drop_id, upload_token, add);
  crypto::Bytes part(content.size() + crypto::kDropTagSize);
  crypto::encrypt_chunk(drop_key, file_iv, 0, crypto::as_bytes(content), part);
  const std::string etag = drops_->upload_part(added.uploadUrls.at("1"), part);
  wire::FinishRequest finish;
  finish.files = {{added.fileId, {{0, etag}}}};
  anonymous_->finish_attachment_drop(token.drop_id, upload_token, finish);

  // Without the token the drop cannot be filled.
  EXPECT_EQ(expect_api_error([&] {
              anonymous_->add_attachment_file(token.drop_id,
                                              crypto::SecretBytes::from_string("nope"), add);
            }).kind(),
            ErrorKind::kHttpStatus);

  const std::string plaintext = R"({"version":1,"answers":{"name":"A","photos":[")" + added.fileId +
                                R"("]},"attachments":{"dropId":")" + token.drop_id +
                                R"(","key":")" + std::string(drop_key.to_string().str()) +
                                R"(","files":[]}})";
  const auto sealed = crypto::form_seal(form_key_.public_key(), crypto::as_bytes(plaintext));
  wire::SubmitRequest r;
  r.ephemeralPubKey = sealed.ephemeral_pub_key;
  r.iv = sealed.iv;
  r.encryptedPayload = sealed.encrypted_payload;
  r.attachedDropId = token.drop_id;
  r.attachmentUploadToken = token.upload_token;
  r.attachmentManifest =
      std::vector<wire::AttachmentManifestEntry>{{"photos", added.fileId, add.size, "image/png"}};
  const auto submitted = anonymous_->submit(form.id, r);
  EXPECT_EQ(forms_->submission(submitted.id).attached_drop_id, token.drop_id);
  // The owner reads the attachment as a normal drop.
  const auto metadata = drops_->drop_metadata(token.drop_id);
  ASSERT_EQ(metadata.files.size(), 1u);
}

// The server purges submissions older than the owner's retention (pro: 365 days), attachments too.
TEST_F(FormsClientTest, SubmissionsPastRetentionArePurged) {
  const auto form = forms_->create_form(new_form());
  const auto old = submit(form.id, R"({"answers":{"name":"old"}})");
  const auto fresh = submit(form.id, R"({"answers":{"name":"new"}})");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_.path() / "anonfs.db").c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  const std::string backdate =
      "UPDATE form_submissions SET created_at = created_at - 366 * 86400000 WHERE id = '" + old.id +
      "'";
  EXPECT_EQ(sqlite3_exec(db, backdate.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  // The sweeper runs every 100 ms here; wait for it (bounded), then check what it left.
  std::vector<wire::SubmissionListItem> left;
  for (int i = 0; i < 200; ++i) {
    left = forms_->list_submissions(form.id, false);
    if (left.size() == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].id, fresh.id);
}

TEST_F(FormsClientTest, UnsafeIdsAreRefusedBeforeSending) {
  for (const std::string& bad :
       std::vector<std::string>{"", "../x", "a/b", "a?b", "a#b", std::string(65, 'a')}) {
    const auto e = expect_api_error([&] { forms_->submission(bad); });
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidRequest) << bad;
    EXPECT_TRUE(e.request_not_sent());
    EXPECT_EQ(expect_api_error([&] { anonymous_->public_form(bad); }).kind(),
              ErrorKind::kInvalidRequest);
  }
  EXPECT_EQ(http_->stats().calls, 1u);  // the vault setup of SetUp only
}

TEST_F(FormsClientTest, OwnerRoutesNeedTheKey) {
  const auto e = expect_api_error([&] { anonymous_->list_forms(); });
  EXPECT_EQ(e.kind(), ErrorKind::kInvalidRequest);
  const auto form = forms_->create_form(new_form());
  FormsClient stranger(
      *http_, server_->url(),
      crypto::SecretBytes::from_string(
          server::add_user(dir_.path(), "eve@example.com", server::Plan::kPro).api_key));
  EXPECT_EQ(expect_api_error([&] { stranger.list_submissions(form.id, true); }).status(), 403);
}

}  // namespace
}  // namespace anonfs::api
