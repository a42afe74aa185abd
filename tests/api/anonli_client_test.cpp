// Integration tests of AnonliClient against the real reference server (anonfs::server::Server)
// started in-process on a free port with a fresh data directory: the drop lifecycle with real
// drop encryption, the vault flow with real vault crypto, /me, and server errors.
#include "anonfs/api/anonli_client.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "anonfs/api/api_error.hpp"
#include "anonfs/api/http_client.hpp"
#include "anonfs/crypto/drop_codec.hpp"
#include "anonfs/crypto/drop_size.hpp"
#include "anonfs/crypto/vault.hpp"
#include "anonfs/server/server.hpp"
#include "support/temp_dir.hpp"

namespace anonfs::api {
namespace {

using namespace std::chrono_literals;

ClientOptions test_options() {
  ClientOptions o;
  o.connect_timeout = 5s;
  o.request_timeout = 60s;
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

crypto::Bytes pattern(std::size_t size, std::uint32_t seed) {
  std::mt19937 rng(seed);
  crypto::Bytes out(size);
  for (auto& b : out)
    b = static_cast<std::uint8_t>(rng());
  return out;
}

// One plaintext file encrypted and uploaded through the client.
struct PlainFile {
  std::string name;
  crypto::Bytes plaintext;
  crypto::ChunkLayout layout;
  crypto::DropIv iv;
  std::string file_id;
  std::string upload_id;
};

class AnonliClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    user_ = server::add_user(dir_.path(), "alice@example.com", server::Plan::kPro);
    server::ServerOptions options;
    options.data_dir = dir_.path();
    options.port = 0;
    options.worker_threads = 8;
    server_ = std::make_unique<server::Server>(std::move(options));
    server_->start();
    http_ = std::make_unique<HttpClient>(test_options());
    client_ = std::make_unique<AnonliClient>(*http_, server_->url(),
                                             crypto::SecretBytes::from_string(user_.api_key));
  }
  void TearDown() override {
    // Close the pooled keep-alive connections first: the server's stop() waits for them.
    client_.reset();
    http_.reset();
    if (server_) server_->stop();
  }

  // Registers `file` in `drop_id`, encrypts every chunk with `key` and uploads it; returns the
  // finish manifest entry.
  wire::FinishFile upload(const std::string& drop_id, const crypto::DropKey& key, PlainFile& file) {
    file.iv = crypto::generate_drop_iv();
    wire::AddFileRequest add;
    add.size = static_cast<std::int64_t>(file.layout.ciphertext_size);
    add.encryptedName = crypto::encrypt_name(key, file.iv, file.name);
    add.iv = crypto::format_drop_iv(file.iv);
    add.mimeType = "application/octet-stream";
    add.chunkCount = file.layout.chunk_count;
    add.chunkSize = static_cast<std::int64_t>(file.layout.chunk_size);
    const wire::AddFileResponse added = client_->add_file(drop_id, add);
    EXPECT_EQ(added.uploadUrls.size(), file.layout.chunk_count);
    file.file_id = added.fileId;
    file.upload_id = added.s3UploadId;

    wire::FinishFile manifest{added.fileId, {}};
    // Upload in reverse order: parts may arrive in any order.
    for (std::uint32_t i = file.layout.chunk_count; i-- > 0;) {
      const auto range = crypto::chunk_plaintext_range(file.layout, i);
      crypto::Bytes part(range.length + crypto::kDropTagSize);
      crypto::encrypt_chunk(key, file.iv, i,
                            crypto::ByteView(file.plaintext).subspan(range.offset, range.length),
                            part);
      EXPECT_EQ(part.size(), crypto::upload_part_sizes(file.layout)[i]);
      const std::string etag =
          client_->upload_part(added.uploadUrls.at(std::to_string(i + 1)), part);
      EXPECT_GE(etag.size(), 2u);
      EXPECT_EQ(etag.front(), '"');  // verbatim, quotes kept
      EXPECT_EQ(etag.back(), '"');
      manifest.chunks.push_back({static_cast<std::int64_t>(i), etag});
    }
    return manifest;
  }

  test_support::TempDir dir_;
  server::CreatedUser user_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<AnonliClient> client_;
};

TEST_F(AnonliClientTest, DropLifecycle) {
  const auto key = crypto::DropKey::generate();
  const auto drop_iv = crypto::generate_drop_iv();

  wire::CreateDropRequest create;
  create.iv = crypto::format_drop_iv(drop_iv);
  create.encryptedTitle = crypto::encrypt_title(key, drop_iv, "holiday photos");
  create.fileCount = 2;
  const wire::CreateDropResponse created = client_->create_drop(create);
  ASSERT_EQ(created.drop_id.size(), 16u);
  EXPECT_FALSE(created.owner_key_stored);
  EXPECT_FALSE(created.upload_token);
  EXPECT_TRUE(created.expires_at);
  const std::string& drop_id = created.drop_id;

  // A single-chunk file planned like the web client, and a three-part file (5 MiB chunks, the
  // smallest the server allows for multipart) validated against the server's rules.
  PlainFile small{"docs/readme.txt", pattern(1000, 1), crypto::plan_chunks(1000), {}, {}, {}};
  ASSERT_EQ(small.layout.chunk_count, 1u);
  const std::uint64_t big_plain = 2 * crypto::kMinMultipartChunkSize + 12345;
  PlainFile big{"big.bin",
                pattern(big_plain, 2),
                crypto::validate_chunk_layout(big_plain + 3 * crypto::kChunkTagSize,
                                              crypto::kMinMultipartChunkSize, 3),
                {},
                {},
                {}};
  ASSERT_EQ(big.layout.chunk_count, 3u);

  wire::FinishRequest finish;
  finish.files.push_back(upload(drop_id, key, small));
  finish.files.push_back(upload(drop_id, key, big));

  // Unfinished drops are listed but not public yet.
  auto listed = client_->list_drops();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_FALSE(listed[0].uploadComplete);
  EXPECT_EQ(expect_api_error([&] { client_->drop_metadata(drop_id); }).status(), 403);

  client_->finish_drop(drop_id, finish);
  client_->finish_drop(drop_id, finish);  // finishing again is a no-op

  listed = client_->list_drops();
  ASSERT_EQ(listed.size(), 1u);
  const wire::DropListItem& item = listed[0];
  EXPECT_EQ(item.id, drop_id);
  EXPECT_TRUE(item.uploadComplete);
  EXPECT_FALSE(item.disabled);
  EXPECT_EQ(item.fileCount, 2);
  EXPECT_EQ(item.iv, create.iv);
  EXPECT_EQ(item.encryptedTitle, create.encryptedTitle);
  EXPECT_EQ(item.totalSize,
            std::to_string(small.layout.ciphertext_size + big.layout.ciphertext_size));
  EXPECT_EQ(crypto::decrypt_title(key, drop_iv, *item.encryptedTitle).text, "holiday photos");

  const wire::DropMetadata meta = client_->drop_metadata(drop_id);
  EXPECT_EQ(meta.id, drop_id);
  EXPECT_EQ(meta.downloads, 0);
  EXPECT_FALSE(meta.customKey);
  ASSERT_EQ(meta.files.size(), 2u);
  for (const PlainFile* file : {&small, &big}) {
    auto it = std::find_if(meta.files.begin(), meta.files.end(),
                           [&](const auto& f) { return f.id == file->file_id; });
    ASSERT_NE(it, meta.files.end());
    EXPECT_EQ(it->size, std::to_string(file->layout.ciphertext_size));
    EXPECT_EQ(it->chunkSize, static_cast<std::int64_t>(file->layout.chunk_size));
    EXPECT_EQ(it->chunkCount, static_cast<std::int64_t>(file->layout.chunk_count));
    EXPECT_EQ(crypto::decrypt_name(key, crypto::parse_drop_iv(it->iv), it->encryptedName).text,
              file->name);
  }
  EXPECT_EQ(client_->drop_metadata(drop_id).downloads, 0);  // metadata never counts

  // One consumed download for the whole drop; the URLs serve ciphertext that decrypts.
  const wire::DownloadResponse download = client_->consume_download(drop_id);
  EXPECT_TRUE(download.success);
  ASSERT_EQ(download.downloadUrls.size(), 2u);
  EXPECT_EQ(client_->drop_metadata(drop_id).downloads, 1);
  for (const PlainFile* file : {&small, &big}) {
    Request get;
    get.url = download.downloadUrls.at(file->file_id);
    get.idempotent = true;
    const Response object = http_->send(get);
    ASSERT_EQ(object.body.size(), file->layout.ciphertext_size);
    EXPECT_FALSE(object.header("Authorization"));
    crypto::Bytes plain;
    for (std::uint32_t i = 0; i < file->layout.chunk_count; ++i) {
      const auto range = crypto::chunk_ciphertext_range(file->layout, i);
      crypto::Bytes chunk(object.body.begin() + static_cast<std::ptrdiff_t>(range.offset),
                          object.body.begin() + static_cast<std::ptrdiff_t>(range.end()));
      crypto::Bytes out(chunk.size() - crypto::kDropTagSize);
      crypto::decrypt_chunk(key, file->iv, i, chunk, out);
      plain.insert(plain.end(), out.begin(), out.end());
    }
    EXPECT_TRUE(plain == file->plaintext) << file->name;
  }
  EXPECT_EQ(client_->drop_metadata(drop_id).downloads, 1);  // fetching the URLs does not count

  // Toggle: disabled drops are hidden from recipients but still listed.
  EXPECT_TRUE(client_->toggle_drop(drop_id).disabled);
  const ApiError disabled = expect_api_error([&] { client_->drop_metadata(drop_id); });
  EXPECT_EQ(disabled.kind(), ErrorKind::kHttpStatus);
  EXPECT_EQ(disabled.status(), 403);
  EXPECT_EQ(disabled.message(), "This link has been disabled by the owner.");
  const ApiError not_available = expect_api_error([&] { client_->consume_download(drop_id); });
  EXPECT_EQ(not_available.status(), 404);
  EXPECT_EQ(not_available.message(), "This drop is not available.");
  EXPECT_TRUE(client_->list_drops().at(0).disabled);
  EXPECT_FALSE(client_->toggle_drop(drop_id).disabled);
  EXPECT_EQ(client_->drop_metadata(drop_id).downloads, 1);

  client_->delete_drop(drop_id);
  const ApiError gone = expect_api_error([&] { client_->drop_metadata(drop_id); });
  EXPECT_EQ(gone.kind(), ErrorKind::kHttpStatus);
  EXPECT_EQ(gone.status(), 404);
  EXPECT_EQ(gone.message(), "Drop not found");
  EXPECT_TRUE(client_->list_drops().empty());
  EXPECT_EQ(expect_api_error([&] { client_->delete_drop(drop_id); }).status(), 404);
}

TEST_F(AnonliClientTest, AbortUnfinishedFile) {
  const auto key = crypto::DropKey::generate();
  wire::CreateDropRequest create;
  create.iv = crypto::format_drop_iv(crypto::generate_drop_iv());
  create.fileCount = 3;
  const std::string drop_id = client_->create_drop(create).drop_id;

  PlainFile file{"a.txt", pattern(64, 3), crypto::plan_chunks(64), {}, {}, {}};
  const wire::FinishFile manifest = upload(drop_id, key, file);
  ASSERT_EQ(client_->list_drops().at(0).fileCount, 1);

  const ApiError wrong_upload =
      expect_api_error([&] { client_->abort_file(drop_id, file.file_id, {"not-the-upload-id"}); });
  EXPECT_EQ(wrong_upload.status(), 401);
  EXPECT_EQ(wrong_upload.message(), "Unauthorized upload ID");

  client_->abort_file(drop_id, file.file_id, {file.upload_id});
  client_->abort_file(drop_id, file.file_id, {file.upload_id});  // unknown file: no-op
  EXPECT_EQ(client_->list_drops().at(0).fileCount, 0);

  // The aborted file's manifest no longer matches the drop.
  wire::FinishRequest finish;
  finish.files.push_back(manifest);
  const ApiError mismatch = expect_api_error([&] { client_->finish_drop(drop_id, finish); });
  EXPECT_EQ(mismatch.status(), 400);
}

TEST_F(AnonliClientTest, MeReportsTheAccount) {
  const wire::Me me = client_->me();
  EXPECT_EQ(me.id, user_.user_id);
  EXPECT_EQ(me.email, "alice@example.com");
  EXPECT_EQ(me.tier, "pro");
  EXPECT_EQ(me.drops_count, 0);
  EXPECT_FALSE(me.vault_configured);
  EXPECT_TRUE(me.features.customKey);

  wire::CreateDropRequest create;
  create.iv = crypto::format_drop_iv(crypto::generate_drop_iv());
  create.fileCount = 1;
  client_->create_drop(create);
  EXPECT_EQ(client_->me().drops_count, 1);
}

TEST_F(AnonliClientTest, VaultFlow) {
  const auto password = crypto::as_bytes("correct horse battery staple");
  const std::string email = client_->me().email;

  // Setup (server extension): credentials made client-side under a fresh vault key.
  const auto vault_key = crypto::VaultKey::generate();
  const crypto::VaultCredentials credentials = crypto::make_vault_credentials(password, vault_key);
  wire::VaultSetupRequest setup;
  setup.authSalt = credentials.auth_salt;
  setup.auth_secret = std::string(credentials.auth_secret.str());
  setup.vault_salt = credentials.vault_salt;
  setup.password_wrapped_vault_key = credentials.password_wrapped_vault_key;
  const wire::VaultSetupResponse configured = client_->vault_setup(setup);
  EXPECT_EQ(configured.vault_generation, 1);
  EXPECT_EQ(configured.kdf_version, 1);
  EXPECT_EQ(expect_api_error([&] { client_->vault_setup(setup); }).status(), 409);
  EXPECT_TRUE(client_->me().vault_configured);

  // Unlock like a fresh client: bootstrap -> auth_secret -> unlock -> KEK -> unwrap.
  const wire::VaultBootstrapResponse boot = client_->vault_bootstrap(email);
  EXPECT_EQ(boot.authSalt, credentials.auth_salt);
  EXPECT_EQ(boot.kdfVersion, 1);
  const crypto::SecretBytes auth_secret =
      crypto::derive_vault_auth_secret(password, boot.authSalt, boot.kdfVersion);
  const wire::VaultUnlockResponse unlocked = client_->vault_unlock(auth_secret.str());
  EXPECT_EQ(unlocked.vault_id, configured.vault_id);
  EXPECT_EQ(unlocked.vault_generation, 1);
  EXPECT_EQ(unlocked.vault_salt, credentials.vault_salt);
  const crypto::VaultKey opened = crypto::unlock_vault_key(
      password, unlocked.vault_salt, unlocked.password_wrapped_vault_key, unlocked.kdf_version);
  EXPECT_TRUE(crypto::constant_time_equal(opened.bytes(), vault_key.bytes()));

  const ApiError wrong = expect_api_error(
      [&] { client_->vault_unlock("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"); });
  EXPECT_EQ(wrong.kind(), ErrorKind::kHttpStatus);
  EXPECT_EQ(wrong.status(), 401);
  EXPECT_EQ(wrong.code(), "UNAUTHORIZED");
  EXPECT_EQ(wrong.message(), "Incorrect vault password");

  // A drop created with its owner key, and one whose key is stored afterwards.
  const auto key_a = crypto::DropKey::generate();
  wire::CreateDropRequest create;
  create.iv = crypto::format_drop_iv(crypto::generate_drop_iv());
  create.fileCount = 1;
  create.ownerKey = wire::OwnerKey{crypto::wrap_drop_owner_key(opened, key_a), unlocked.vault_id,
                                   unlocked.vault_generation};
  const wire::CreateDropResponse a = client_->create_drop(create);
  EXPECT_TRUE(a.owner_key_stored);

  const auto key_b = crypto::DropKey::generate();
  create.ownerKey.reset();
  const wire::CreateDropResponse b = client_->create_drop(create);
  EXPECT_FALSE(b.owner_key_stored);
  EXPECT_FALSE(client_->drop_key(b.drop_id));
  const wire::PutDropKeyResponse stored = client_->put_drop_key(
      {b.drop_id, crypto::wrap_drop_owner_key(opened, key_b), unlocked.vault_id, 1});
  EXPECT_EQ(stored.drop_id, b.drop_id);
  EXPECT_EQ(stored.vault_generation, 1);
  const ApiError stale = expect_api_error([&] {
    client_->put_drop_key(
        {b.drop_id, crypto::wrap_drop_owner_key(opened, key_b), unlocked.vault_id, 2});
  });
  EXPECT_EQ(stale.status(), 409);
  EXPECT_EQ(stale.message(), "Vault generation mismatch");

  const std::vector<wire::DropKey> keys = client_->drop_keys();
  ASSERT_EQ(keys.size(), 2u);
  for (const auto& [id, key] :
       {std::pair<const std::string&, const crypto::DropKey&>{a.drop_id, key_a},
        std::pair<const std::string&, const crypto::DropKey&>{b.drop_id, key_b}}) {
    auto it =
        std::find_if(keys.begin(), keys.end(), [&](const auto& k) { return k.drop_id == id; });
    ASSERT_NE(it, keys.end());
    EXPECT_EQ(it->vault_generation, 1);
    const auto one = client_->drop_key(id);
    ASSERT_TRUE(one);
    EXPECT_EQ(one->wrapped_key, it->wrapped_key);
    const crypto::DropKey recovered = crypto::unwrap_drop_owner_key(opened, one->wrapped_key);
    EXPECT_TRUE(crypto::constant_time_equal(recovered.bytes(), key.bytes()));
  }
  EXPECT_FALSE(client_->drop_key("zzzzzzzzzzzzzzzz"));  // unknown drop
  // Another user cannot see alice's keys.
  const auto bob = server::add_user(dir_.path(), "bob@example.com", server::Plan::kPro);
  AnonliClient bob_client(*http_, server_->url(), crypto::SecretBytes::from_string(bob.api_key));
  EXPECT_FALSE(bob_client.drop_key(a.drop_id));
  EXPECT_TRUE(bob_client.drop_keys().empty());
}

TEST_F(AnonliClientTest, VaultUnlockWithoutVault) {
  const ApiError none = expect_api_error(
      [&] { client_->vault_unlock("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"); });
  EXPECT_EQ(none.status(), 404);
  EXPECT_EQ(none.message(), "Vault security is not configured");
  // Bootstrap of an unknown account still answers (a deterministic fake salt).
  EXPECT_EQ(client_->vault_bootstrap("nobody@example.com").authSalt.size(), 43u);
  const ApiError bad_email = expect_api_error([&] { client_->vault_bootstrap("not-an-email"); });
  EXPECT_EQ(bad_email.status(), 400);
  EXPECT_EQ(bad_email.code(), "VALIDATION_ERROR");
}

TEST_F(AnonliClientTest, BadApiKeyIs401WithTheServerMessage) {
  const std::string bad_key = "ak_00000000000000000000000000000000";
  AnonliClient bad(*http_, server_->url(), crypto::SecretBytes::from_string(bad_key));
  for (const auto& call : std::vector<std::function<void()>>{
           [&] { bad.me(); }, [&] { bad.list_drops(); }, [&] { bad.drop_keys(); }}) {
    const ApiError e = expect_api_error(call);
    EXPECT_EQ(e.kind(), ErrorKind::kHttpStatus);
    EXPECT_EQ(e.status(), 401);
    EXPECT_EQ(e.code(), "UNAUTHORIZED");
    EXPECT_EQ(e.message(), "Invalid API key");
    EXPECT_EQ(std::string(e.what()).find(bad_key), std::string::npos);
  }
  // Public routes work without any key.
  AnonliClient anonymous(*http_, server_->url() + "/", crypto::SecretBytes());
  EXPECT_EQ(anonymous.base_url(), server_->url());
  EXPECT_EQ(expect_api_error([&] { anonymous.drop_metadata("zzzzzzzzzzzzzzzz"); }).status(), 404);
  EXPECT_EQ(anonymous.vault_bootstrap("alice@example.com").authSalt.size(), 43u);
  // ...and authenticated ones are refused before sending.
  const auto calls = http_->stats().calls;
  const ApiError no_key = expect_api_error([&] { anonymous.me(); });
  EXPECT_EQ(no_key.kind(), ErrorKind::kInvalidRequest);
  EXPECT_EQ(http_->stats().calls, calls);
}

TEST_F(AnonliClientTest, HostileIdsAreRefusedBeforeSending) {
  const auto calls = http_->stats().calls;
  const std::vector<std::string> hostile = {"",
                                            "../me",
                                            "..",
                                            "a/b",
                                            "abc?x=1",
                                            "abc#frag",
                                            "a b",
                                            "%2e%2e",
                                            "abc\r\nX: y",
                                            std::string(65, 'a'),
                                            std::string("ab\0cd", 5),
                                            "caf\xc3\xa9"};
  for (const std::string& id : hostile) {
    SCOPED_TRACE(id);
    for (const auto& call : std::vector<std::function<void()>>{
             [&] { client_->drop_metadata(id); },
             [&] { client_->consume_download(id); },
             [&] { client_->delete_drop(id); },
             [&] {
               client_->add_file(id, {1, "n", "AAECAwQFBgcICQoL", "a/b", 1, 1, {}});
             },
             [&] { client_->finish_drop(id, {}); },
             [&] { client_->toggle_drop(id); },
             [&] { client_->abort_file(id, "abcdefghij", {"u"}); },
             [&] { client_->abort_file("abcdefghijklmnop", id, {"u"}); },
             [&] { client_->drop_key(id); },
         }) {
      const ApiError e = expect_api_error(call);
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidRequest);
      EXPECT_TRUE(e.request_not_sent());
    }
  }
  EXPECT_EQ(http_->stats().calls, calls);  // nothing reached the network
}

}  // namespace
}  // namespace anonfs::api
