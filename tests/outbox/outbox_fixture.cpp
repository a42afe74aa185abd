#include "outbox_fixture.hpp"

#include <random>

#include "anonfs/crypto/share_url.hpp"
#include "anonfs/crypto/vault.hpp"
#include "anonfs/vfs/drop_fetch.hpp"

namespace anonfs::outbox_test {

std::string random_content(std::size_t n, unsigned seed) {
  return server::test::pattern_bytes(n, seed);
}

void OutboxServerTest::SetUp() {
  dir_ = std::make_unique<server::test::TempDir>();
  server_ = std::make_unique<server::test::ServerProcess>(dir_->path() / "server");
  api_key_ = server::test::add_user(dir_->path() / "server", "outbox@example.com", "pro").api_key;
  http_ = std::make_unique<api::HttpClient>();
  client_ = std::make_unique<api::AnonliClient>(*http_, server_->url(),
                                                crypto::SecretBytes::from_string(api_key_));
  vault_key_ = crypto::VaultKey::generate();
  const auto creds =
      crypto::make_vault_credentials(crypto::as_bytes("pw for the vault"), *vault_key_);
  wire::VaultSetupRequest setup;
  setup.authSalt = creds.auth_salt;
  setup.auth_secret = std::string(creds.auth_secret.str());
  setup.vault_salt = creds.vault_salt;
  setup.password_wrapped_vault_key = creds.password_wrapped_vault_key;
  setup.kdf_version = 1;
  const auto done = client_->vault_setup(setup);
  vault_id_ = done.vault_id;
  vault_generation_ = done.vault_generation;
}

void OutboxServerTest::TearDown() {
  client_.reset();
  http_.reset();
  server_.reset();
  dir_.reset();
}

vfs::VaultOwner OutboxServerTest::vault_owner() const {
  return vfs::VaultOwner{crypto::VaultKey::from_bytes(vault_key_->bytes()), vault_id_,
                         vault_generation_};
}

std::map<std::string, std::string> OutboxServerTest::download(const std::string& url) {
  const crypto::AnonLiDropLink link = crypto::parse_anonli_drop_url(url);
  EXPECT_EQ(link.base, server_->url());
  const crypto::DropKey key = crypto::DropKey::from_bytes(link.key.value().view());
  std::map<std::string, std::string> files;
  vfs::FetchSink sink;
  sink.data = [&](const vfs::DropFile& f, crypto::ByteView data) {
    files[f.decrypted_name].append(crypto::as_chars(data));
  };
  sink.begin_file = [&](const vfs::DropFile& f) { files[f.decrypted_name]; };
  vfs::fetch_drop(*http_, *client_, link.drop_id, key, sink);
  return files;
}

std::vector<wire::DropListItem> OutboxServerTest::own_drops() {
  return client_->list_drops();
}

}  // namespace anonfs::outbox_test
