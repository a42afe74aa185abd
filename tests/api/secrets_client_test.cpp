// Integration tests of EnigmaCryptClient and PasswordLinkClient (and vfs::send_* on top of them)
// against the real reference server started in-process on a free port with a fresh data
// directory: create, fetch/view with real crypto, one-time semantics, lists, deletes, requests,
// and the errors a user sees.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "anonfs/api/api_error.hpp"
#include "anonfs/api/enigmacrypt_client.hpp"
#include "anonfs/api/http_client.hpp"
#include "anonfs/api/passwordlink_client.hpp"
#include "anonfs/crypto/enigmacrypt.hpp"
#include "anonfs/crypto/passwordlink.hpp"
#include "anonfs/crypto/share_url.hpp"
#include "anonfs/server/server.hpp"
#include "anonfs/vfs/secret_sharing.hpp"
#include "anonfs/vfs/vfs_error.hpp"
#include "support/temp_dir.hpp"

namespace anonfs::api {
namespace {

using namespace std::chrono_literals;

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

crypto::SecretBytes secret(const std::string& s) {
  return crypto::SecretBytes::from_string(s);
}

class SecretsClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    user_ = server::add_user(dir_.path(), "alice@example.com", server::Plan::kPro);
    server::ServerOptions options;
    options.data_dir = dir_.path();
    options.worker_threads = 4;
    server_ = std::make_unique<server::Server>(std::move(options));
    server_->start();
    http_ = std::make_unique<HttpClient>(test_options());
    enigma_ =
        std::make_unique<EnigmaCryptClient>(*http_, server_->url(), secret(user_.enigma_token));
    pl_ = std::make_unique<PasswordLinkClient>(*http_, server_->url(),
                                               secret(user_.passwordlink_public_key),
                                               secret(user_.passwordlink_private_key));
  }

  test_support::TempDir dir_;
  server::CreatedUser user_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<EnigmaCryptClient> enigma_;
  std::unique_ptr<PasswordLinkClient> pl_;
};

TEST_F(SecretsClientTest, EnigmaSendFetchDecryptOnce) {
  const auto sent =
      vfs::send_enigmacrypt(*enigma_, crypto::as_bytes("wörld secret"), vfs::SecretOptions{});
  const auto link = crypto::parse_enigmacrypt_url(sent.url.str());
  EXPECT_EQ(link.message_id, sent.id);
  EXPECT_EQ(link.base, server_->url());
  EXPECT_FALSE(sent.delete_token);  // created with a token

  const auto listed = enigma_->list();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].accessCount, 0);
  EXPECT_TRUE(listed[0].available);

  const auto fetched = enigma_->fetch(sent.id);
  EXPECT_EQ(fetched.accessCount, 1);
  const auto msg = crypto::enigma_decrypt(fetched.encryptedContent, sent.password.view());
  EXPECT_EQ(msg.content.str(), "wörld secret");

  const auto again = expect_api_error([&] { enigma_->fetch(sent.id); });
  EXPECT_EQ(again.status(), 410);
  EXPECT_EQ(again.message(), "This message has already been viewed");
  EXPECT_FALSE(enigma_->list()[0].available);

  const auto text = vfs::share_text(sent);
  EXPECT_TRUE(text.str().starts_with("# EnigmaCrypt:"));
  EXPECT_NE(text.str().find(std::string(sent.password.str())), std::string::npos);
}

TEST_F(SecretsClientTest, EnigmaAnonymousDeleteToken) {
  EnigmaCryptClient anonymous(*http_, server_->url(), crypto::SecretBytes());
  vfs::SecretOptions options;
  options.max_views = 3;
  options.expiry_hours = 2;
  const auto sent = vfs::send_enigmacrypt(anonymous, crypto::as_bytes("x"), options);
  ASSERT_TRUE(sent.delete_token);
  const auto fetched = anonymous.fetch(sent.id);
  EXPECT_EQ(fetched.maxAccess, 3);
  EXPECT_TRUE(fetched.expiresAt);
  EXPECT_EQ(expect_api_error([&] { anonymous.remove(sent.id, std::string_view("bad")); }).status(),
            403);
  anonymous.remove(sent.id, *sent.delete_token);
  EXPECT_EQ(expect_api_error([&] { anonymous.fetch(sent.id); }).status(), 404);
  EXPECT_EQ(expect_api_error([&] { anonymous.list(); }).kind(), ErrorKind::kInvalidRequest);
}

TEST_F(SecretsClientTest, PasswordLinkSendViewOnceListDelete) {
  const auto sent = vfs::send_passwordlink(*pl_, crypto::as_bytes("pl secret ✓"), {});
  const auto link = crypto::parse_passwordlink_url(sent.url.str());
  EXPECT_EQ(link.secret_id, sent.id);
  EXPECT_TRUE(sent.password.empty());
  EXPECT_EQ(vfs::share_text(sent).str(), std::string(sent.url.str()) + "\n");

  auto page = pl_->list_secrets();
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].view_times, 0);
  EXPECT_EQ(page.metadata.secrets_total, 1);

  const auto view = pl_->view_secret(sent.id);
  EXPECT_EQ(crypto::passwordlink_open(view.ciphertext, view.password_part_private,
                                      link.public_part_b64.str())
                .str(),
            "pl secret ✓");
  const auto again = expect_api_error([&] { pl_->view_secret(sent.id); });
  EXPECT_EQ(again.status(), 404);
  EXPECT_EQ(again.message(), "The secret has already been viewed");

  page = pl_->list_secrets();
  EXPECT_EQ(page.items[0].view_times, 1);
  ASSERT_EQ(page.items[0].views.size(), 1u);
  const auto meta = pl_->delete_secret(sent.id);
  EXPECT_EQ(meta.secrets_total, 0);
  EXPECT_TRUE(pl_->list_secrets().items.empty());
}

TEST_F(SecretsClientTest, PasswordLinkListsEveryPage) {
  for (int i = 0; i < 51; ++i)
    vfs::send_passwordlink(*pl_, crypto::as_bytes("s"), {});
  const auto page = pl_->list_secrets();
  EXPECT_EQ(page.items.size(), 51u);
  for (const auto& item : page.items)
    EXPECT_EQ(item.view_times, 0);
}

TEST_F(SecretsClientTest, SecretRequests) {
  wire::PlCreateRequest r;
  r.description = "tax forms";
  r.limit = 2;
  r.secret_max_views = 3;
  const auto created = pl_->create_request(r);
  EXPECT_EQ(created.id.size(), 36u);
  EXPECT_EQ(created.metadata.secret_requests_total, 1);
  const auto page = pl_->list_requests();
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].description, "tax forms");
  EXPECT_EQ(page.items[0].limit, 2);
  EXPECT_EQ(page.items[0].secret_max_views, 3);
  pl_->delete_request(created.id);
  EXPECT_TRUE(pl_->list_requests().items.empty());
  EXPECT_EQ(expect_api_error([&] { pl_->delete_request(created.id); }).status(), 404);
}

TEST_F(SecretsClientTest, ErrorsAreClear) {
  PasswordLinkClient public_only(*http_, server_->url(), secret(user_.passwordlink_public_key),
                                 crypto::SecretBytes());
  EXPECT_EQ(expect_api_error([&] { public_only.list_secrets(); }).kind(),
            ErrorKind::kInvalidRequest);
  PasswordLinkClient wrong(*http_, server_->url(), crypto::SecretBytes(),
                           secret(user_.passwordlink_public_key));
  const auto e = expect_api_error([&] { wrong.list_secrets(); });
  EXPECT_EQ(e.status(), 403);
  EXPECT_EQ(e.message(), "This action requires a private API key");
  EXPECT_EQ(expect_api_error([&] { pl_->view_secret("../x"); }).kind(), ErrorKind::kInvalidRequest);

  try {
    vfs::send_passwordlink(*pl_, crypto::as_bytes(std::string("bin\0ary", 7)), {});
    ADD_FAILURE() << "binary accepted";
  } catch (const vfs::VfsError& v) {
    EXPECT_EQ(v.code(), vfs::VfsErrc::kInvalidArgument);
  }
  try {
    vfs::send_enigmacrypt(*enigma_, crypto::as_bytes(std::string(vfs::kMaxSecretTextSize + 1, 'a')),
                          {});
    ADD_FAILURE() << "oversized accepted";
  } catch (const vfs::VfsError& v) {
    EXPECT_EQ(v.code(), vfs::VfsErrc::kFileTooLarge);
  }
  vfs::SecretOptions bad;
  bad.max_views = 101;
  EXPECT_THROW(vfs::send_passwordlink(*pl_, crypto::as_bytes("x"), bad), vfs::VfsError);
  // The largest accepted text fits the servers' payload bounds.
  const std::string big(vfs::kMaxSecretTextSize, 'a');
  EXPECT_NO_THROW(vfs::send_enigmacrypt(*enigma_, crypto::as_bytes(big), {}));
  EXPECT_NO_THROW(vfs::send_passwordlink(*pl_, crypto::as_bytes(big), {}));
}

}  // namespace
}  // namespace anonfs::api
