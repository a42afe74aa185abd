// Contract tests of the one-time-secret routes (issue 7): EnigmaCrypt /api/messages (seed 002 and
// the documented recipient and delete routes) and password.link /api/secrets,
// /api/secret_requests (seed 004), over real HTTP against anonfs-server.
#include <gtest/gtest.h>

#include <ctime>

#include "anonfs/crypto/enigmacrypt.hpp"
#include "anonfs/crypto/passwordlink.hpp"
#include "server_fixture.hpp"

namespace anonfs::server::test {
namespace {

using nlohmann::json;

std::string enigma_blob(const std::string& text = "hello") {
  return crypto::enigma_encrypt(crypto::as_bytes(text), crypto::as_bytes("pw"),
                                "2026-11-23T08:16:25.188Z");
}

// ISO 8601 `hours` from now.
std::string iso_in_hours(int hours) {
  const std::time_t t = std::time(nullptr) + hours * 3600;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string apikey(const std::string& key) {
  return "Authorization: ApiKey " + key;
}

class SecretsApiTest : public ServerTest {
 protected:
  Response enigma_create(const json& body, const std::string& token = "") {
    return http_json("POST", api("/api/messages"), body, token);
  }
  Response enigma_get(const std::string& id) { return http_get(api("/api/messages/" + id)); }

  Response pl(const std::string& method, const std::string& path, const json& body = nullptr,
              const std::string& key = "") {
    std::vector<std::string> headers;
    if (!key.empty()) headers.push_back(apikey(key));
    if (body.is_null()) return http({method, api(path), std::nullopt, headers});
    headers.push_back("Content-Type: application/json");
    return http({method, api(path), body.dump(), headers});
  }
  json pl_secret_body(int max_views = 1) {
    auto sealed = crypto::passwordlink_seal(crypto::as_bytes("top secret"));
    return {{"ciphertext", sealed.ciphertext},
            {"password_part_private", std::string(sealed.password_part_private.str())},
            {"max_views", max_views}};
  }
  std::string priv() const { return user_.passwordlink_private_key; }
  std::string pub() const { return user_.passwordlink_public_key; }
};

TEST_F(SecretsApiTest, UserAddIssuesServiceKeys) {
  EXPECT_TRUE(user_.enigma_token.starts_with("enigma_"));
  EXPECT_EQ(user_.enigma_token.size(), 39u);
  EXPECT_TRUE(pub().starts_with("public_key_"));
  EXPECT_TRUE(priv().starts_with("private_key_"));
}

TEST_F(SecretsApiTest, EnigmaCreateWithTokenAsSeed) {
  const auto blob = enigma_blob();
  auto r = enigma_create({{"encryptedContent", blob},
                          {"name", "API Secret"},
                          {"expiresAt", nullptr},
                          {"maxAccess", 1}},
                         user_.enigma_token);
  ASSERT_EQ(r.status, 201) << r.body;
  auto j = r.json();
  EXPECT_EQ(j["success"], true);
  EXPECT_EQ(j["message"], "Message stored successfully");
  auto id = j["data"]["messageId"].get<std::string>();
  EXPECT_EQ(id.size(), 8u);
  EXPECT_FALSE(j["data"].contains("deleteToken"));  // token-authenticated: no deleteToken

  // The owner's list shows it without content and without counting an access.
  auto list = http_get(api("/api/messages"), {bearer(user_.enigma_token)});
  ASSERT_EQ(list.status, 200) << list.body;
  ASSERT_EQ(list.json()["data"].size(), 1u);
  EXPECT_EQ(list.json()["data"][0]["accessCount"], 0);
  EXPECT_EQ(list.json()["data"][0]["name"], "API Secret");
  EXPECT_EQ(list.body.find("encryptedContent"), std::string::npos);

  // HEAD probes do not count either.
  EXPECT_EQ(http({"HEAD", api("/api/messages/" + id), std::nullopt, {}}).status, 200);

  auto got = enigma_get(id);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.json()["data"]["encryptedContent"], blob);
  EXPECT_EQ(got.json()["data"]["accessCount"], 1);
  EXPECT_EQ(got.json()["data"]["maxAccess"], 1);
  // maxAccess 1: the second fetch is a clear "already viewed".
  auto again = enigma_get(id);
  EXPECT_EQ(again.status, 410);
  EXPECT_EQ(again.json()["success"], false);
  EXPECT_EQ(again.json()["error"], "This message has already been viewed");
  list = http_get(api("/api/messages"), {bearer(user_.enigma_token)});
  EXPECT_EQ(list.json()["data"][0]["available"], false);
  EXPECT_EQ(list.json()["data"][0]["accessCount"], 1);
}

TEST_F(SecretsApiTest, EnigmaBlobRoundTripsUnchanged) {
  const auto blob = enigma_blob("round trip");
  auto r = enigma_create({{"encryptedContent", blob}, {"maxAccess", 2}}, user_.enigma_token);
  ASSERT_EQ(r.status, 201);
  auto id = r.json()["data"]["messageId"].get<std::string>();
  auto a = enigma_get(id);
  ASSERT_EQ(a.status, 200);
  EXPECT_EQ(a.json()["data"]["encryptedContent"], blob);
  EXPECT_EQ(enigma_get(id).status, 200);
  EXPECT_EQ(enigma_get(id).status, 410);
}

TEST_F(SecretsApiTest, EnigmaAnonymousGetsDeleteToken) {
  auto r = enigma_create({{"encryptedContent", enigma_blob()}});
  ASSERT_EQ(r.status, 201) << r.body;
  auto id = r.json()["data"]["messageId"].get<std::string>();
  auto token = r.json()["data"]["deleteToken"].get<std::string>();
  EXPECT_FALSE(token.empty());
  // Neither a wrong token nor another account's token may delete it.
  EXPECT_EQ(
      http({"DELETE", api("/api/messages/" + id), std::nullopt, {"X-Delete-Token: nope"}}).status,
      403);
  EXPECT_EQ(http({"DELETE", api("/api/messages/" + id), std::nullopt, {bearer(user_.enigma_token)}})
                .status,
            403);
  auto del =
      http({"DELETE", api("/api/messages/" + id), std::nullopt, {"X-Delete-Token: " + token}});
  EXPECT_EQ(del.status, 200) << del.body;
  EXPECT_EQ(enigma_get(id).status, 404);
  EXPECT_EQ(enigma_get(id).json()["error"], "Message not found");
}

TEST_F(SecretsApiTest, EnigmaOwnerDeletesAndExpiry) {
  auto r = enigma_create({{"encryptedContent", enigma_blob()}}, user_.enigma_token);
  auto id = r.json()["data"]["messageId"].get<std::string>();
  EXPECT_EQ(http({"DELETE", api("/api/messages/" + id), std::nullopt, {bearer(user_.enigma_token)}})
                .status,
            200);
  EXPECT_EQ(enigma_get(id).status, 404);

  auto e = enigma_create(
      {{"encryptedContent", enigma_blob()}, {"expiresAt", "2099-01-01T00:00:00.000Z"}},
      user_.enigma_token);
  EXPECT_EQ(e.status, 400) << e.body;  // more than 365 days ahead
  auto soon = enigma_create({{"encryptedContent", enigma_blob()}, {"expiresAt", iso_in_hours(2)}},
                            user_.enigma_token);
  ASSERT_EQ(soon.status, 201) << soon.body;
  auto sid = soon.json()["data"]["messageId"].get<std::string>();
  sql("UPDATE enigma_messages SET expires_at = 1000 WHERE id = '" + sid + "'");
  auto got = enigma_get(sid);
  EXPECT_EQ(got.status, 410);
  EXPECT_EQ(got.json()["error"], "This message has expired");
}

TEST_F(SecretsApiTest, EnigmaRejectsBadInput) {
  auto err = [&](const json& body, const std::string& token = "") {
    auto r = enigma_create(body, token);
    EXPECT_EQ(r.json()["success"], false) << r.body;
    EXPECT_TRUE(r.json()["error"].is_string()) << r.body;
    return r.status;
  };
  EXPECT_EQ(err(json::object()), 400);
  EXPECT_EQ(err({{"encryptedContent", ""}}), 400);
  EXPECT_EQ(err({{"encryptedContent", "not a blob"}}), 400);
  EXPECT_EQ(err({{"encryptedContent", enigma_blob()}, {"maxAccess", 0}}), 400);
  EXPECT_EQ(err({{"encryptedContent", enigma_blob()}, {"maxAccess", "x"}}), 400);
  EXPECT_EQ(err({{"encryptedContent", enigma_blob()}, {"expiresAt", "yesterday"}}), 400);
  EXPECT_EQ(err({{"encryptedContent", enigma_blob()}, {"expiresAt", "2000-01-01T00:00:00Z"}}), 400);
  EXPECT_EQ(err({{"encryptedContent", enigma_blob()}}, "enigma_" + std::string(32, '0')), 401);
  EXPECT_EQ(err({{"encryptedContent", enigma_blob()}}, user_.api_key), 401);
  // Oversized: more than 1 MiB of blob.
  std::string big = enigma_blob();
  big = big.substr(0, 64) + std::string(1024 * 1024, 'A');
  EXPECT_EQ(err({{"encryptedContent", big}}), 413);
  EXPECT_EQ(enigma_get("../etc").status, 404);
  EXPECT_EQ(http_get(api("/api/messages")).status, 401);
}

TEST_F(SecretsApiTest, PasswordLinkCreateViewIsDestructive) {
  auto sealed = crypto::passwordlink_seal(crypto::as_bytes("top secret"));
  auto c = pl("POST", "/api/secrets",
              {{"ciphertext", sealed.ciphertext},
               {"password_part_private", std::string(sealed.password_part_private.str())}},
              priv());
  ASSERT_EQ(c.status, 201) << c.body;
  auto id = c.json()["data"]["id"].get<std::string>();
  auto meta = c.json()["metadata"];
  EXPECT_EQ(meta["secrets_total"], 1);
  EXPECT_EQ(meta["secrets_usage"], 1);
  EXPECT_GT(meta["secrets_allowance"].get<int>(), 0);

  auto v = pl("GET", "/api/secrets/" + id, nullptr, pub());
  ASSERT_EQ(v.status, 200) << v.body;
  auto d = v.json()["data"];
  EXPECT_EQ(d["id"], id);
  // The stored halves and ciphertext open the secret.
  auto plain = crypto::passwordlink_open(d["ciphertext"].get<std::string>(),
                                         d["password_part_private"].get<std::string>(),
                                         sealed.public_part_b64.str());
  EXPECT_EQ(plain.str(), "top secret");
  EXPECT_TRUE(v.json().contains("metadata"));

  auto again = pl("GET", "/api/secrets/" + id, nullptr, pub());
  EXPECT_EQ(again.status, 404);
  EXPECT_EQ(again.json()["error"]["message"], "The secret has already been viewed");
  EXPECT_EQ(again.json()["error"]["field"], "id");

  auto list = pl("GET", "/api/secrets", nullptr, priv());
  ASSERT_EQ(list.status, 200) << list.body;
  auto item = list.json()["data"][0];
  EXPECT_EQ(item["id"], id);
  EXPECT_EQ(item["view_times"], 1);
  EXPECT_EQ(item["max_views"], 1);
  EXPECT_EQ(item["views"].size(), 1u);
  EXPECT_EQ(item["views"][0]["viewed_by_ip"], "127.0.0.1");
  EXPECT_EQ(list.body.find("ciphertext"), std::string::npos);
  EXPECT_EQ(list.body.find("password_part_private"), std::string::npos);
}

TEST_F(SecretsApiTest, PasswordLinkMaxViewsAndDelete) {
  auto c = pl("POST", "/api/secrets",
              {{"ciphertext", pl_secret_body()["ciphertext"]},
               {"password_part_private", "ZmtnamJudmxha3dpZWpndXRu"},
               {"max_views", "2"},
               {"expiration", "24"},
               {"view_button", "true"},
               {"description", "d"},
               {"message", "m"},
               {"password", "x"}},
              priv());
  ASSERT_EQ(c.status, 201) << c.body;
  auto id = c.json()["data"]["id"].get<std::string>();
  EXPECT_EQ(http({"HEAD", api("/api/secrets/" + id), std::nullopt, {apikey(pub())}}).status, 200);
  EXPECT_EQ(pl("GET", "/api/secrets/" + id, nullptr, pub()).json()["data"]["message"], "m");
  auto list = pl("GET", "/api/secrets", nullptr, priv()).json()["data"][0];
  EXPECT_EQ(list["view_times"], 1);
  EXPECT_EQ(list["expiration"], 24);
  EXPECT_EQ(list["view_button"], true);
  EXPECT_EQ(list["password"], true);
  EXPECT_EQ(list["expired"], false);
  EXPECT_EQ(pl("GET", "/api/secrets/" + id, nullptr, priv()).status, 200);
  EXPECT_EQ(pl("GET", "/api/secrets/" + id, nullptr, pub()).status, 404);

  auto d = pl("POST", "/api/secrets", pl_secret_body(), priv());
  auto did = d.json()["data"]["id"].get<std::string>();
  EXPECT_EQ(pl("DELETE", "/api/secrets/" + did, nullptr, pub()).status, 403);
  auto del = pl("DELETE", "/api/secrets/" + did, nullptr, priv());
  EXPECT_EQ(del.status, 200);
  EXPECT_TRUE(del.json()["data"].is_null());
  EXPECT_TRUE(del.json()["metadata"].is_object());
  EXPECT_EQ(pl("GET", "/api/secrets/" + did, nullptr, pub()).status, 404);
  EXPECT_EQ(pl("DELETE", "/api/secrets/" + did, nullptr, priv()).status, 404);
}

TEST_F(SecretsApiTest, PasswordLinkExpiry) {
  auto c = pl("POST", "/api/secrets", pl_secret_body(), priv());
  auto id = c.json()["data"]["id"].get<std::string>();
  sql("UPDATE pl_secrets SET expires_at = 1000, expiration_hours = 1 WHERE id = '" + id + "'");
  auto v = pl("GET", "/api/secrets/" + id, nullptr, pub());
  EXPECT_EQ(v.status, 404);
  EXPECT_EQ(v.json()["error"]["message"], "The secret has expired");
  EXPECT_EQ(pl("GET", "/api/secrets", nullptr, priv()).json()["data"][0]["expired"], true);
}

TEST_F(SecretsApiTest, PasswordLinkAuthAndValidation) {
  auto e = pl("GET", "/api/secrets");
  EXPECT_EQ(e.status, 403);
  EXPECT_EQ(e.json()["error"]["field"], "api_key");
  EXPECT_EQ(pl("GET", "/api/secrets", nullptr, pub()).status, 403);
  EXPECT_EQ(pl("GET", "/api/secrets", nullptr, "private_key_" + std::string(32, 'a')).status, 403);
  EXPECT_EQ(pl("GET", "/api/secrets", nullptr, user_.enigma_token).status, 403);
  EXPECT_EQ(pl("POST", "/api/secrets", pl_secret_body(), pub()).status, 403);

  auto blank = pl("POST", "/api/secrets", {{"password_part_private", "abcd"}}, priv());
  EXPECT_EQ(blank.status, 422);
  EXPECT_EQ(blank.json()["error"]["message"], "Ciphertext can't be blank");
  EXPECT_EQ(blank.json()["error"]["field"], "ciphertext");
  auto bad = [&](json patch, const std::string& field) {
    auto body = pl_secret_body();
    body.update(patch);
    auto r = pl("POST", "/api/secrets", body, priv());
    EXPECT_EQ(r.status, 422) << r.body;
    EXPECT_EQ(r.json()["error"]["field"], field) << r.body;
  };
  bad({{"password_part_private", ""}}, "password_part_private");
  bad({{"max_views", 0}}, "max_views");
  bad({{"max_views", 101}}, "max_views");
  bad({{"expiration", 351}}, "expiration");
  bad({{"expiration", "soon"}}, "expiration");
  bad({{"view_button", "maybe"}}, "view_button");
  bad({{"ciphertext", "not base64!"}}, "ciphertext");
  bad({{"ciphertext", std::string(1024 * 1024 + 4, 'A')}}, "ciphertext");
  EXPECT_EQ(pl("GET", "/api/secrets?offset=-1", nullptr, priv()).status, 422);
  EXPECT_EQ(pl("GET", "/api/secrets/nope", nullptr, pub()).status, 404);
}

TEST_F(SecretsApiTest, PasswordLinkOtherAccountCannotView) {
  auto other = add_user(data_dir(), "bob@example.com");
  auto c = pl("POST", "/api/secrets", pl_secret_body(), priv());
  auto id = c.json()["data"]["id"].get<std::string>();
  EXPECT_EQ(pl("GET", "/api/secrets/" + id, nullptr, other.passwordlink_public_key).status, 404);
  EXPECT_EQ(pl("DELETE", "/api/secrets/" + id, nullptr, other.passwordlink_private_key).status,
            404);
  EXPECT_EQ(pl("GET", "/api/secrets/" + id, nullptr, pub()).status, 200);
}

TEST_F(SecretsApiTest, PasswordLinkListPagesOf50) {
  for (int i = 0; i < 55; ++i) {
    ASSERT_EQ(pl("POST", "/api/secrets", pl_secret_body(), priv()).status, 201);
  }
  auto first = pl("GET", "/api/secrets", nullptr, priv());
  EXPECT_EQ(first.json()["data"].size(), 50u);
  EXPECT_EQ(first.json()["metadata"]["secrets_total"], 55);
  auto second = pl("GET", "/api/secrets?offset=50", nullptr, priv());
  EXPECT_EQ(second.json()["data"].size(), 5u);
  const auto items = first.json()["data"];
  for (const auto& item : items)
    EXPECT_EQ(item["view_times"], 0);
}

TEST_F(SecretsApiTest, SecretRequests) {
  auto c = pl("POST", "/api/secret_requests",
              {{"description", "example"},
               {"message", "please"},
               {"expiration", 3},
               {"limit", 1},
               {"send_to_email", "example@example.com"},
               {"secret_description", "sd"},
               {"secret_message", "sm"},
               {"secret_expiration", 5},
               {"secret_password", "pw"},
               {"secret_max_views", 4}},
              priv());
  ASSERT_EQ(c.status, 201) << c.body;
  auto id = c.json()["data"]["id"].get<std::string>();
  EXPECT_EQ(id.size(), 36u);
  EXPECT_EQ(c.json()["metadata"]["secret_requests_total"], 1);
  EXPECT_TRUE(c.json()["metadata"].contains("secret_requests_allowance"));
  EXPECT_EQ(pl("POST", "/api/secret_requests", json::object(), priv()).status, 201);

  auto list = pl("GET", "/api/secret_requests", nullptr, priv());
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.json()["data"].size(), 2u);
  json item;
  const auto items = list.json()["data"];
  for (const auto& i : items)
    if (i["id"] == id) item = i;
  EXPECT_EQ(item["description"], "example");
  EXPECT_EQ(item["expiration"], 3);
  EXPECT_EQ(item["limit"], 1);
  EXPECT_EQ(item["send_to_email"], "example@example.com");
  EXPECT_EQ(item["secret_max_views"], 4);
  EXPECT_EQ(item["secret_password"], true);
  EXPECT_TRUE(item["template_id"].is_null());

  EXPECT_EQ(pl("POST", "/api/secret_requests", {{"send_to_email", "bad"}}, priv()).status, 422);
  EXPECT_EQ(pl("GET", "/api/secret_requests", nullptr, pub()).status, 403);
  EXPECT_EQ(pl("DELETE", "/api/secret_requests/" + id, nullptr, priv()).status, 200);
  EXPECT_EQ(pl("DELETE", "/api/secret_requests/" + id, nullptr, priv()).status, 404);
  EXPECT_EQ(pl("GET", "/api/secret_requests", nullptr, priv()).json()["data"].size(), 1u);
}

}  // namespace
}  // namespace anonfs::server::test
