// Vault routes (protocol §8.1) and the setup / form-keys extensions.
#include <gtest/gtest.h>

#include "server_fixture.hpp"

namespace anonfs::server::test {
namespace {

using nlohmann::json;

// §14.3 vectors.
const std::string kAuthSalt = "EBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8";
const std::string kAuthSecret = "OV_u_dLVvYX8BS8ziKOyyOImoJGhaGvbH97Ipo6Vmas";
const std::string kVaultSalt = "MDEyMzQ1Njc4OTo7PD0-P0BBQkNERUZHSElKS0xNTk8";
const std::string kWrappedVaultKey = "hi5_AtdDrf7pHkD-IIqvo-AVRAHQIxK6RkzQed2Z0DsksQYqK9hBog";
const std::string kOwnerKey = "iNDAtKXHFfQo8VRl7igNYXRsOw5HU4GpSaF19o02DY-r4ZENHDforg";

class VaultTest : public ServerTest {
 protected:
  Response setup_vault() {
    return http_json("POST", api("/api/v1/vault/setup"),
                     {{"authSalt", kAuthSalt},
                      {"auth_secret", kAuthSecret},
                      {"vault_salt", kVaultSalt},
                      {"password_wrapped_vault_key", kWrappedVaultKey}},
                     user_.api_key);
  }
  Response bootstrap(const std::string& email) {
    return http_json("POST", api("/api/vault/bootstrap"), {{"email", email}});
  }
};

TEST_F(VaultTest, BootstrapGivesDeterministicFakeSalts) {
  auto a = bootstrap("nobody@example.com");
  ASSERT_EQ(a.status, 200) << a.body;
  auto salt = a.json()["data"]["authSalt"].get<std::string>();
  EXPECT_EQ(salt.size(), 43u);
  EXPECT_EQ(a.json()["data"]["kdfVersion"], 1);
  EXPECT_EQ(bootstrap("  NOBODY@example.com ").json()["data"]["authSalt"], salt);
  EXPECT_NE(bootstrap("other@example.com").json()["data"]["authSalt"], salt);
  // A known account without a vault is indistinguishable.
  EXPECT_EQ(bootstrap("alice@example.com").json()["data"]["authSalt"].get<std::string>().size(),
            43u);
  auto bad = bootstrap("not-an-email");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.json()["error"]["code"], "VALIDATION_ERROR");
  EXPECT_EQ(http_json("POST", api("/api/vault/bootstrap"), {{"email", 5}}).status, 400);
}

TEST_F(VaultTest, SetupUnlockAndDropKeys) {
  auto unlock = [&](const json& body) {
    return http_json("POST", api("/api/v1/vault/unlock"), body, user_.api_key);
  };
  auto none = unlock({{"auth_secret", kAuthSecret}});
  EXPECT_EQ(none.status, 404);
  EXPECT_EQ(none.json()["error"]["message"], "Vault security is not configured");

  auto s = setup_vault();
  ASSERT_EQ(s.status, 200) << s.body;
  auto vault_id = s.json()["data"]["vault_id"].get<std::string>();
  EXPECT_EQ(vault_id[0], 'c');
  EXPECT_EQ(vault_id.size(), 25u);
  EXPECT_EQ(s.json()["data"]["vault_generation"], 1);
  EXPECT_EQ(setup_vault().status, 409);
  EXPECT_EQ(http_json("POST", api("/api/v1/vault/setup"), {{"authSalt", kAuthSalt}}, user_.api_key)
                .status,
            400);
  EXPECT_EQ(http_json("POST", api("/api/v1/vault/setup"),
                      {{"authSalt", kAuthSalt},
                       {"auth_secret", kAuthSecret},
                       {"vault_salt", kVaultSalt},
                       {"password_wrapped_vault_key", kWrappedVaultKey}})
                .status,
            401);

  EXPECT_EQ(bootstrap("alice@example.com").json()["data"]["authSalt"], kAuthSalt);

  auto ok = unlock({{"auth_secret", kAuthSecret}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  auto d = ok.json()["data"];
  EXPECT_EQ(d["vault_id"], vault_id);
  EXPECT_EQ(d["vault_generation"], 1);
  EXPECT_EQ(d["vault_salt"], kVaultSalt);
  EXPECT_EQ(d["password_wrapped_vault_key"], kWrappedVaultKey);
  EXPECT_EQ(d["kdf_version"], 1);
  auto wrong = unlock({{"auth_secret", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.json()["error"]["code"], "UNAUTHORIZED");
  EXPECT_EQ(wrong.json()["error"]["message"], "Incorrect vault password");
  EXPECT_EQ(unlock({{"auth_secret", kAuthSecret}, {"extra", 1}}).status, 400);  // strict
  EXPECT_EQ(unlock({{"auth_secret", "short"}}).status, 400);
  EXPECT_EQ(http_json("POST", api("/api/v1/vault/unlock"), {{"auth_secret", kAuthSecret}}).status,
            401);

  // Owner keys through drop creation.
  auto create = [&](const json& owner_key) {
    return http_json("POST", api("/api/v1/drop"),
                     {{"iv", "AAECAwQFBgcICQoL"}, {"fileCount", 1}, {"ownerKey", owner_key}},
                     user_.api_key);
  };
  auto c = create({{"wrappedKey", kOwnerKey}, {"vaultId", vault_id}, {"vaultGeneration", 1}});
  ASSERT_EQ(c.status, 200) << c.body;
  EXPECT_EQ(c.json()["data"]["owner_key_stored"], true);
  auto drop_id = c.json()["data"]["drop_id"].get<std::string>();
  auto mismatch = create({{"wrappedKey", kOwnerKey},
                          {"vaultId", "cwrongvaultid000000000000"},
                          {"vaultGeneration", 1}});
  EXPECT_EQ(mismatch.status, 409);
  EXPECT_EQ(mismatch.json()["error"]["message"], "Vault identity mismatch");
  auto gen = create({{"wrappedKey", kOwnerKey}, {"vaultId", vault_id}, {"vaultGeneration", 2}});
  EXPECT_EQ(gen.status, 409);
  EXPECT_EQ(gen.json()["error"]["message"], "Vault generation mismatch");

  auto list = http_get(api("/api/v1/vault/drop-keys"), {bearer(user_.api_key)});
  ASSERT_EQ(list.status, 200) << list.body;
  ASSERT_EQ(list.json()["data"].size(), 1u);
  EXPECT_EQ(list.json()["data"][0]["drop_id"], drop_id);
  EXPECT_EQ(list.json()["data"][0]["wrapped_key"], kOwnerKey);
  EXPECT_EQ(list.json()["data"][0]["vault_generation"], 1);
  auto one = http_get(api("/api/v1/vault/drop-keys?drop_id=" + drop_id), {bearer(user_.api_key)});
  EXPECT_EQ(one.json()["data"]["drop_id"], drop_id);
  EXPECT_EQ(
      http_get(api("/api/v1/vault/drop-keys?dropId=zzzzzzzzzzzzzzzz"), {bearer(user_.api_key)})
          .status,
      404);
  EXPECT_EQ(http_get(api("/api/v1/vault/drop-keys?drop_id=" + std::string(65, 'a')),
                     {bearer(user_.api_key)})
                .status,
            400);

  // POST drop-keys stores a key for an existing own drop.
  auto plain = create_drop();
  auto put = [&](const json& body) {
    return http_json("POST", api("/api/v1/vault/drop-keys"), body, user_.api_key);
  };
  auto p = put({{"drop_id", plain},
                {"wrapped_key", kOwnerKey},
                {"vault_id", vault_id},
                {"vault_generation", 1}});
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(p.json()["data"], json({{"drop_id", plain}, {"vault_generation", 1}}));
  EXPECT_EQ(put({{"drop_id", plain},
                 {"wrapped_key", kOwnerKey},
                 {"vault_id", vault_id},
                 {"vault_generation", 3}})
                .status,
            409);
  EXPECT_EQ(put({{"drop_id", "zzzzzzzzzzzzzzzz"},
                 {"wrapped_key", kOwnerKey},
                 {"vault_id", vault_id},
                 {"vault_generation", 1}})
                .status,
            404);
  EXPECT_EQ(put({{"drop_id", plain},
                 {"wrapped_key", kOwnerKey},
                 {"vault_id", vault_id},
                 {"vault_generation", 1},
                 {"x", 1}})
                .status,
            400);
  EXPECT_EQ(http_get(api("/api/v1/vault/drop-keys"), {bearer(user_.api_key)}).json()["data"].size(),
            2u);

  auto forms = http_get(api("/api/v1/vault/form-keys"), {bearer(user_.api_key)});
  ASSERT_EQ(forms.status, 200);
  EXPECT_EQ(forms.json()["data"], json::array());
  EXPECT_EQ(http_get(api("/api/v1/me"), {bearer(user_.api_key)}).json()["data"]["vault_configured"],
            true);
}

TEST_F(VaultTest, OtherUsersCannotSeeKeys) {
  ASSERT_EQ(setup_vault().status, 200);
  auto other = add_user(data_dir(), "bob@example.com", "pro");
  auto vault_id =
      http_json("POST", api("/api/v1/vault/unlock"), {{"auth_secret", kAuthSecret}}, user_.api_key)
          .json()["data"]["vault_id"]
          .get<std::string>();
  auto c = http_json(
      "POST", api("/api/v1/drop"),
      {{"iv", "AAECAwQFBgcICQoL"},
       {"fileCount", 1},
       {"ownerKey", {{"wrappedKey", kOwnerKey}, {"vaultId", vault_id}, {"vaultGeneration", 1}}}},
      user_.api_key);
  auto drop_id = c.json()["data"]["drop_id"].get<std::string>();
  EXPECT_EQ(
      http_get(api("/api/v1/vault/drop-keys?drop_id=" + drop_id), {bearer(other.api_key)}).status,
      404);
  EXPECT_EQ(http_get(api("/api/v1/vault/drop-keys"), {bearer(other.api_key)}).json()["data"],
            json::array());
  EXPECT_EQ(
      http_json("POST", api("/api/v1/vault/unlock"), {{"auth_secret", kAuthSecret}}, other.api_key)
          .status,
      404);
}

}  // namespace
}  // namespace anonfs::server::test
