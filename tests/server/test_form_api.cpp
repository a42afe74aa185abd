// Contract tests of the Form API routes (protocol §9, §11, §12) over real HTTP, including a real
// sealed submission (anonfs::crypto::form_seal) that the owner fetches back and opens with the form
// private key recovered through GET /api/v1/vault/form-keys.
#include <gtest/gtest.h>

#include <fstream>

#include "anonfs/crypto/base64.hpp"
#include "anonfs/crypto/form_keys.hpp"
#include "anonfs/crypto/form_seal.hpp"
#include "anonfs/crypto/p256.hpp"
#include "anonfs/wire/form.hpp"
#include "server_fixture.hpp"
#include "turnstile_stub.hpp"

namespace anonfs::server::test {
namespace {

using nlohmann::json;

const std::string kAuthSalt = "EBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8";
const std::string kAuthSecret = "OV_u_dLVvYX8BS8ziKOyyOImoJGhaGvbH97Ipo6Vmas";
const std::string kVaultSalt = "MDEyMzQ1Njc4OTo7PD0-P0BBQkNERUZHSElKS0xNTk8";
const std::string kWrappedVaultKey = "hi5_AtdDrf7pHkD-IIqvo-AVRAHQIxK6RkzQed2Z0DsksQYqK9hBog";

// §14.5 form password vector.
const std::string kFormPassword = "letmein!";
const std::string kFormSalt = "YGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn8";
const std::string kFormKeyIv = "ICEiIyQlJicoKSor";
const std::string kFormKeyData =
    "PT9qRk0x9gTH-i8SYEKax3MqFzAHFxqT9P-boLvtsCDsgKmd97_EvxIhp-1hrUI_qez6VNCkh92ko7U";
const std::string kFormVerifier = "2QutlzhBgScyA90PjMMOFqgXvvelGwJutr8Kf8ujMSo";
const std::string kFormWitness = "4OHi4-Tl5ufo6err7O3u7_Dx8vP09fb3-Pn6-_z9_v8";

crypto::Bytes vault_key() {
  crypto::Bytes k(32);
  for (std::size_t i = 0; i < k.size(); ++i)
    k[i] = static_cast<std::uint8_t>(0x80 + i);
  return k;
}

void expect_envelope_error(const Response& r, long status, const std::string& code) {
  EXPECT_EQ(r.status, status) << r.body;
  auto j = r.json();
  ASSERT_TRUE(j["error"].is_object()) << r.body;
  EXPECT_EQ(j["error"]["code"], code) << r.body;
  EXPECT_TRUE(j["meta"]["request_id"].get<std::string>().starts_with("req_"));
}

void expect_bare_error(const Response& r, long status, const std::string& message) {
  EXPECT_EQ(r.status, status) << r.body;
  auto j = r.json();
  ASSERT_TRUE(j["error"].is_string()) << r.body;
  EXPECT_EQ(j["error"], message);
}

json basic_schema() {
  return {{"version", 1},
          {"title", "ignored"},
          {"fields",
           {{{"id", "name"}, {"type", "short_text"}, {"label", "Name"}, {"required", true}},
            {{"id", "rating"}, {"type", "rating"}, {"label", "Rating"}},
            {{"id", "topics"},
             {"type", "multi_select"},
             {"label", "Topics"},
             {"options", {"a", "b", "c"}}}}}};
}

json file_schema() {
  return {{"version", 1},
          {"title", "Uploads"},
          {"fields",
           {{{"id", "name"}, {"type", "short_text"}, {"label", "Name"}},
            {{"id", "photos"},
             {"type", "file"},
             {"label", "Photos"},
             {"maxFiles", 2},
             {"acceptedMimeTypes", {"image/*"}}}}}};
}

class FormApiTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    form_key_ = std::make_unique<crypto::P256PrivateKey>(crypto::P256PrivateKey::generate());
  }

  std::string vault_id(const std::string& key = "") {
    const auto& k = key.empty() ? user_.api_key : key;
    auto setup = http_json("POST", api("/api/v1/vault/setup"),
                           {{"authSalt", kAuthSalt},
                            {"auth_secret", kAuthSecret},
                            {"vault_salt", kVaultSalt},
                            {"password_wrapped_vault_key", kWrappedVaultKey}},
                           k);
    if (setup.status == 200) return setup.json()["data"]["vault_id"];
    return http_json("POST", api("/api/v1/vault/unlock"), {{"auth_secret", kAuthSecret}}, k)
        .json()["data"]["vault_id"];
  }

  json form_body(json schema = basic_schema()) {
    auto vk = vault_key();
    return {{"title", "Whistleblower intake"},
            {"description", "Tell us"},
            {"schema", std::move(schema)},
            {"publicKey", form_key_->public_key().to_base64url()},
            {"wrappedPrivateKey", crypto::wrap_form_private_key(vk, *form_key_)},
            {"vaultId", vault_id()},
            {"vaultGeneration", 1}};
  }

  Response create_raw(const json& body, const std::string& key = "") {
    return http_json("POST", api("/api/v1/form"), body, key.empty() ? user_.api_key : key);
  }

  std::string create_form(json body = nullptr) {
    if (body.is_null()) body = form_body();
    auto r = create_raw(body);
    if (r.status != 200) throw std::runtime_error("create form failed: " + r.body);
    return r.json()["data"]["id"];
  }

  Response patch(const std::string& id, const json& body, const std::string& query = "") {
    return http_json("PATCH", api("/api/v1/form/" + id + query), body, user_.api_key);
  }

  Response submit(const std::string& id, const json& body) {
    return http_json("POST", api("/api/v1/form/" + id + "/submit"), body);
  }

  json sealed_body(const std::string& plaintext) {
    auto sealed = crypto::form_seal(form_key_->public_key(), crypto::as_bytes(plaintext));
    return {{"ephemeralPubKey", sealed.ephemeral_pub_key},
            {"iv", sealed.iv},
            {"encryptedPayload", sealed.encrypted_payload}};
  }

  Response owner_get(const std::string& path) {
    return http_get(api(path), {bearer(user_.api_key)});
  }

  // Public GET /api/v1/form/:id, enveloped as the seed Form document shows it; returns `data`.
  json public_form(const std::string& id) {
    auto r = http_get(api("/api/v1/form/" + id));
    EXPECT_EQ(r.status, 200) << r.body;
    auto j = r.json();
    EXPECT_TRUE(j["meta"]["request_id"].get<std::string>().starts_with("req_")) << r.body;
    return j["data"];
  }

  std::unique_ptr<crypto::P256PrivateKey> form_key_;
};

class FreeFormTest : public FormApiTest {
 protected:
  std::string plan() const override { return "free"; }
};

class FormLimitsTest : public FormApiTest {
 protected:
  std::string plan() const override { return "free"; }
  std::vector<std::string> server_args() const override { return {"--limits", "anonli"}; }
};

// Turnstile on: the secret in a file, the verify URL pointing at a local stub.
class TurnstileTest : public FormApiTest {
 protected:
  TurnstileTest() { std::ofstream(secret_file()) << kSecret << "\n"; }
  std::filesystem::path secret_file() const { return secret_dir_.path() / "turnstile.secret"; }
  std::vector<std::string> server_args() const override {
    return {"--turnstile-secret-file", secret_file().string(), "--turnstile-verify-url",
            stub_.url()};
  }
  static constexpr const char* kSecret = "0x4AAAAAAA-test+secret/&=";

  TempDir secret_dir_;
  TurnstileStub stub_;
};

TEST_F(FormApiTest, OwnerRoutesNeedAnApiKey) {
  expect_envelope_error(http_get(api("/api/v1/form")), 401, "UNAUTHORIZED");
  expect_envelope_error(http_json("POST", api("/api/v1/form"), form_body()), 401, "UNAUTHORIZED");
  expect_envelope_error(
      http_get(api("/api/v1/form"), {bearer("ak_00000000000000000000000000000000")}), 401,
      "UNAUTHORIZED");
  auto id = create_form();
  expect_envelope_error(http_json("PATCH", api("/api/v1/form/" + id), {{"title", "x"}}), 401,
                        "UNAUTHORIZED");
  expect_envelope_error(http({"DELETE", api("/api/v1/form/" + id), std::nullopt, {}}), 401,
                        "UNAUTHORIZED");
  expect_envelope_error(http_get(api("/api/v1/form/" + id + "/submission")), 401, "UNAUTHORIZED");
  expect_envelope_error(http_get(api("/api/v1/form/submission/abcdefghijklmn")), 401,
                        "UNAUTHORIZED");
  expect_envelope_error(http_get(api("/api/v1/vault/form-keys")), 401, "UNAUTHORIZED");
}

TEST_F(FormApiTest, CreateListAndPublicGet) {
  auto body = form_body();
  body["unknownKey"] = true;  // keys are stripped on create
  body["closesAt"] = "2099-01-01T00:00:00Z";
  body["maxSubmissions"] = 10;
  auto r = create_raw(body);
  ASSERT_EQ(r.status, 200) << r.body;
  auto data = r.json()["data"];
  const std::string id = data["id"];
  EXPECT_EQ(id.size(), 12u);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdefghijklmnopqrstuvwxyz"), std::string::npos);
  EXPECT_EQ(data["title"], "Whistleblower intake");
  EXPECT_EQ(data["public_key"], form_key_->public_key().to_base64url());
  EXPECT_TRUE(data["created_at"].get<std::string>().ends_with("Z"));

  auto list = owner_get("/api/v1/form");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.header("Cache-Control"), "no-store, max-age=0");
  auto lj = list.json();
  ASSERT_EQ(lj["data"].size(), 1u);
  auto item = lj["data"][0];
  EXPECT_EQ(item["id"], id);
  EXPECT_EQ(item["description"], "Tell us");
  EXPECT_EQ(item["active"], true);
  EXPECT_EQ(item["disabled_by_user"], false);
  EXPECT_EQ(item["taken_down"], false);
  EXPECT_EQ(item["allow_file_uploads"], false);  // seed: allowFileUploads defaults to false
  EXPECT_EQ(item["submissions_count"], 0);
  EXPECT_EQ(item["max_submissions"], 10);
  EXPECT_EQ(item["closes_at"], "2099-01-01T00:00:00.000Z");
  EXPECT_EQ(item["notify_on_submission"], true);
  EXPECT_TRUE(item.contains("updated_at"));
  EXPECT_EQ(lj["meta"]["total"], 1);
  EXPECT_EQ(lj["meta"]["limit"], 25);
  EXPECT_EQ(lj["meta"]["has_more"], false);
  EXPECT_EQ(lj["meta"]["plan"], json({{"forms_limit", 30},
                                      {"submissions_per_month", 10000},
                                      {"submissions_used_current_month", 0},
                                      {"retention_days", 365}}));

  // Public GET, no auth: the seed Form document's envelope with its keys (`public_key` and the
  // camelCase flags), plus the §9.4 fields the seed does not show and snake_case flag aliases.
  auto pub = http_get(api("/api/v1/form/" + id));
  ASSERT_EQ(pub.status, 200) << pub.body;
  EXPECT_TRUE(pub.header("X-RateLimit-Limit").empty());
  auto pe = pub.json();
  EXPECT_TRUE(pe["meta"]["request_id"].get<std::string>().starts_with("req_"));
  EXPECT_FALSE(pe.contains("id"));
  auto pj = pe["data"];
  EXPECT_EQ(pj["id"], id);
  EXPECT_EQ(pj["title"], "Whistleblower intake");
  EXPECT_EQ(pj["description"], "Tell us");
  EXPECT_EQ(pj["schema"]["version"], 1);
  EXPECT_EQ(pj["public_key"], form_key_->public_key().to_base64url());
  EXPECT_EQ(pj["allowFileUploads"], false);
  EXPECT_EQ(pj["hideBranding"], false);
  EXPECT_EQ(pj["customKey"], false);
  EXPECT_EQ(pj["allow_file_uploads"], false);
  EXPECT_EQ(pj["hide_branding"], false);
  EXPECT_EQ(pj["custom_key"], false);
  EXPECT_EQ(pj["field_count"], 3);
  EXPECT_TRUE(pj["salt"].is_null());
  EXPECT_EQ(pj["active"], true);
  EXPECT_TRUE(pj["max_file_size_override"].is_null());
  EXPECT_EQ(pj["closes_at"], "2099-01-01T00:00:00.000Z");
  // The wire type reads this shape and the service's bare snake_case one alike.
  auto parsed = pe.get<wire::PublicForm>();
  EXPECT_EQ(parsed.id, id);
  EXPECT_EQ(parsed.public_key, form_key_->public_key().to_base64url());
  auto bare = json{
      {"id", id},
      {"title", "t"},
      {"public_key", "pk"},
      {"custom_key", true},
      {"allow_file_uploads", true},
      {"active",
       false}}.get<wire::PublicForm>();
  EXPECT_TRUE(bare.custom_key);
  EXPECT_TRUE(bare.allow_file_uploads);
  EXPECT_FALSE(bare.active);
  // The server reconciles the schema with the top-level values and fills defaults.
  EXPECT_EQ(pj["schema"]["title"], "Whistleblower intake");
  EXPECT_EQ(pj["schema"]["description"], "Tell us");
  EXPECT_EQ(pj["schema"]["displayMode"], "classic");
  EXPECT_EQ(pj["schema"]["submitButtonText"], "Submit");
  EXPECT_EQ(pj["schema"]["fields"][1]["max"], 5);
  EXPECT_EQ(pj["schema"]["fields"][0]["required"], true);
}

TEST_F(FormApiTest, CreateValidation) {
  auto with = [&](const std::function<void(json&)>& edit) {
    auto b = form_body();
    edit(b);
    return create_raw(b);
  };
  const std::vector<std::function<void(json&)>> bad = {
      [](json& b) { b.erase("title"); },
      [](json& b) { b["title"] = std::string(301, 'x'); },
      [](json& b) { b.erase("schema"); },
      [](json& b) { b["schema"]["title"] = ""; },  // optional (seed), but 1..300 when present
      [](json& b) { b["schema"]["version"] = 2; },
      [](json& b) { b["schema"]["fields"][0]["type"] = "signature"; },
      [](json& b) { b["schema"]["fields"][1]["id"] = "name"; },  // duplicate id
      [](json& b) { b["schema"]["fields"][0]["id"] = "has space"; },
      [](json& b) {
        b["schema"]["fields"][2]["options"] = {"a", "a"};
      },  // not deduplicated
      [](json& b) { b["schema"]["fields"][1]["max"] = 11; },
      [](json& b) {
        b["schema"]["fields"][0]["visibleWhen"] = {
            {"fieldId", "rating"}, {"op", "equals"}, {"value", 3}};  // a later field
      },
      [](json& b) {
        b["schema"]["fields"][1]["visibleWhen"] = {{"fieldId", "name"}, {"op", "equals"}};
      },
      [](json& b) {
        b["schema"]["fields"].push_back(
            {{"id", "n"}, {"type", "number"}, {"label", "N"}, {"min", 5}, {"max", 1}});
      },
      [](json& b) {
        b["schema"]["fields"].push_back(
            {{"id", "d"}, {"type", "date"}, {"label", "D"}, {"min", "2026-02-30"}});
      },
      [](json& b) {
        b["schema"]["fields"].push_back({{"id", "addr"},
                                         {"type", "address"},
                                         {"label", "A"},
                                         {"parts",
                                          {{"line1", {{"enabled", false}}},
                                           {"line2", {{"enabled", false}}},
                                           {"city", {{"enabled", false}}},
                                           {"state", {{"enabled", false}}},
                                           {"postalCode", {{"enabled", false}}},
                                           {"country", {{"enabled", false}}}}}});
      },
      [](json& b) { b["publicKey"] = b["publicKey"].get<std::string>().substr(1); },
      [](json& b) { b["wrappedPrivateKey"] = "short"; },
      [](json& b) { b["vaultId"] = "not-a-cuid"; },
      [](json& b) { b["vaultGeneration"] = 0; },
      [](json& b) { b["closesAt"] = "2099-01-01T00:00:00"; },        // no zone
      [](json& b) { b["closesAt"] = "2099-01-01T00:00:00+2:00"; },   // malformed offset
      [](json& b) { b["closesAt"] = "2099-01-01T00:00:00+24:00"; },  // offset out of range
      [](json& b) { b["maxSubmissions"] = 0; },
      [](json& b) { b["customKey"] = true; },  // custom-key fields required
  };
  for (std::size_t i = 0; i < bad.size(); ++i) {
    auto r = with(bad[i]);
    SCOPED_TRACE(i);
    expect_envelope_error(r, 400, "VALIDATION_ERROR");
  }
  auto details = with([](json& b) { b.erase("title"); }).json()["error"]["details"];
  EXPECT_EQ(details[0]["field"], "title");
  expect_envelope_error(http({"POST", api("/api/v1/form"), "{", {bearer(user_.api_key)}}), 400,
                        "VALIDATION_ERROR");

  // The seed's example schema has no `title` (§15.14's service requires one); the seed says
  // closesAt is "ISO-8601", so offsets are accepted and normalised to UTC (§15.13: 'Z' only).
  auto seedish = form_body();
  seedish["schema"].erase("title");
  seedish["schema"]["submitButtonText"] = "Submit report";
  seedish["closesAt"] = "2099-01-01T02:30:00.5+02:30";
  auto created = create_raw(seedish);
  ASSERT_EQ(created.status, 200) << created.body;
  auto seed_pub = public_form(created.json()["data"]["id"]);
  EXPECT_EQ(seed_pub["schema"]["title"], "Whistleblower intake");
  EXPECT_EQ(seed_pub["schema"]["submitButtonText"], "Submit report");
  EXPECT_EQ(seed_pub["closes_at"], "2099-01-01T00:00:00.500Z");
  auto offset_body = form_body();
  offset_body["closesAt"] = "2099-01-01T00:00:00-0100";
  auto offset = create_raw(offset_body);
  ASSERT_EQ(offset.status, 200) << offset.body;
  EXPECT_EQ(public_form(offset.json()["data"]["id"])["closes_at"], "2099-01-01T01:00:00.000Z");

  // Vault identity and generation (§9.3, as §2.2).
  expect_envelope_error(with([](json& b) { b["vaultId"] = "cabcdefghijklmnopqrstuvwx"; }), 409,
                        "CONFLICT");
  expect_envelope_error(with([](json& b) { b["vaultGeneration"] = 2; }), 409, "CONFLICT");
  auto bob = add_user(data_dir(), "bob@example.com", "pro");
  auto no_vault = create_raw(form_body(), bob.api_key);
  expect_envelope_error(no_vault, 404, "NOT_FOUND");
  EXPECT_EQ(no_vault.json()["error"]["message"], "Vault security is not configured");
}

TEST_F(FormApiTest, PublicGetErrors) {
  // The seed Form document: envelope errors, and 410 Gone for taken-down, disabled or closed forms
  // (the service answers 200 with active:false for disabled/closed ones, §9.4).
  expect_envelope_error(http_get(api("/api/v1/form/NOT-AN-ID")), 400, "VALIDATION_ERROR");
  auto missing = http_get(api("/api/v1/form/zzzzzzzzzzzz"));
  expect_envelope_error(missing, 404, "NOT_FOUND");
  EXPECT_EQ(missing.json()["error"]["message"], "Form not found");

  auto disabled = create_form();
  ASSERT_EQ(patch(disabled, {{"disabledByUser", true}}).status, 200);
  expect_envelope_error(http_get(api("/api/v1/form/" + disabled)), 410, "GONE");
  ASSERT_EQ(patch(disabled, {{"disabledByUser", false}, {"active", false}}).status, 200);
  expect_envelope_error(http_get(api("/api/v1/form/" + disabled)), 410, "GONE");
  ASSERT_EQ(patch(disabled, {{"active", true}}).status, 200);
  EXPECT_EQ(public_form(disabled)["id"], disabled);

  auto closed = create_form();
  ASSERT_EQ(patch(closed, {{"closesAt", "2001-01-01T00:00:00Z"}}).status, 200);
  auto cr = http_get(api("/api/v1/form/" + closed));
  expect_envelope_error(cr, 410, "GONE");
  EXPECT_EQ(cr.json()["error"]["message"], "This form is closed");

  auto id = create_form();
  sql("UPDATE forms SET taken_down = 1 WHERE id = '" + id + "'");
  auto down = http_get(api("/api/v1/form/" + id));
  expect_envelope_error(down, 410, "GONE");
  EXPECT_EQ(down.json()["error"]["message"], "Form has been taken down");
}

TEST_F(FormApiTest, UpdateToggleAndDelete) {
  auto id = create_form();
  // Strict body: unknown keys are refused. A key rotation needs the whole key set (below).
  expect_envelope_error(patch(id, {{"title", "x"}, {"bogus", 1}}), 400, "VALIDATION_ERROR");
  auto half = patch(id, {{"publicKey", form_key_->public_key().to_base64url()}});
  expect_envelope_error(half, 400, "VALIDATION_ERROR");
  EXPECT_EQ(half.json()["error"]["details"][0]["field"], "wrappedPrivateKey");
  expect_envelope_error(patch(id, {{"closesAt", "tomorrow"}}), 400, "VALIDATION_ERROR");
  expect_envelope_error(patch(id, {}, "?action=explode"), 400, "INVALID_REQUEST");

  auto r = patch(id, {{"title", "Renamed"}, {"description", nullptr}, {"maxSubmissions", 5}},
                 "?action=update");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["data"]["id"], id);
  EXPECT_TRUE(r.json()["data"]["updated_at"].is_string());
  auto pub = public_form(id);
  EXPECT_EQ(pub["title"], "Renamed");
  EXPECT_EQ(pub["schema"]["title"], "Renamed");
  EXPECT_TRUE(pub["description"].is_null());
  EXPECT_FALSE(pub["schema"].contains("description"));

  // allowFileUploads is the seed's switch for file-attachment fields (default false); the service
  // derives it from the schema instead (§15.13).
  ASSERT_EQ(patch(id, {{"schema", file_schema()}}).status, 200);
  EXPECT_EQ(public_form(id)["allowFileUploads"], false);
  ASSERT_EQ(patch(id, {{"allowFileUploads", true}}).status, 200);
  EXPECT_EQ(public_form(id)["allowFileUploads"], true);
  EXPECT_EQ(owner_get("/api/v1/form").json()["data"][0]["allow_file_uploads"], true);

  // Key rotation: the seed lets PATCH take any create field (the service refuses publicKey).
  auto rotated = crypto::P256PrivateKey::generate();
  auto vk = vault_key();
  json rotate = {{"publicKey", rotated.public_key().to_base64url()},
                 {"wrappedPrivateKey", crypto::wrap_form_private_key(vk, rotated)},
                 {"vaultId", vault_id()},
                 {"vaultGeneration", 1}};
  auto stale = rotate;
  stale["vaultGeneration"] = 2;
  expect_envelope_error(patch(id, stale), 409, "CONFLICT");
  EXPECT_EQ(public_form(id)["public_key"], form_key_->public_key().to_base64url());
  ASSERT_EQ(patch(id, rotate).status, 200);
  EXPECT_EQ(public_form(id)["public_key"], rotated.public_key().to_base64url());
  auto keys = owner_get("/api/v1/vault/form-keys?formId=" + id).json();
  EXPECT_EQ(crypto::unwrap_form_private_key(vk, keys["data"]["wrapped_key"].get<std::string>())
                .public_key(),
            rotated.public_key());

  auto t = patch(id, json::object(), "?action=toggle");
  ASSERT_EQ(t.status, 200) << t.body;
  EXPECT_EQ(t.json()["data"], json({{"disabled", true}}));
  expect_envelope_error(http_get(api("/api/v1/form/" + id)), 410, "GONE");  // seed: disabled
  EXPECT_EQ(owner_get("/api/v1/form").json()["data"][0]["disabled_by_user"], true);
  EXPECT_EQ(patch(id, json::object(), "?action=toggle").json()["data"]["disabled"], false);
  EXPECT_EQ(public_form(id)["active"], true);
  ASSERT_EQ(patch(id, {{"disabledByUser", true}}).status, 200);  // the seed's way to toggle
  expect_envelope_error(http_get(api("/api/v1/form/" + id)), 410, "GONE");

  // Ownership.
  auto bob = add_user(data_dir(), "bob@example.com", "pro");
  expect_envelope_error(
      http_json("PATCH", api("/api/v1/form/" + id), {{"title", "mine"}}, bob.api_key), 403,
      "FORBIDDEN");
  expect_envelope_error(
      http({"DELETE", api("/api/v1/form/" + id), std::nullopt, {bearer(bob.api_key)}}), 403,
      "FORBIDDEN");
  expect_envelope_error(patch("zzzzzzzzzzzz", {{"title", "x"}}), 404, "NOT_FOUND");
  expect_envelope_error(patch("bad", {{"title", "x"}}), 400, "VALIDATION_ERROR");

  auto del = http({"DELETE", api("/api/v1/form/" + id), std::nullopt, {bearer(user_.api_key)}});
  ASSERT_EQ(del.status, 200) << del.body;
  EXPECT_EQ(del.json()["data"], json({{"deleted", true}, {"id", id}}));
  expect_envelope_error(http_get(api("/api/v1/form/" + id)), 404, "NOT_FOUND");
  expect_envelope_error(owner_get("/api/v1/vault/form-keys?formId=" + id), 404, "NOT_FOUND");
  EXPECT_EQ(owner_get("/api/v1/form").json()["data"], json::array());
}

TEST_F(FormApiTest, SealedSubmissionRoundTrip) {
  auto id = create_form();
  const std::string plaintext =
      R"({"version":1,"answers":{"name":"Alice","rating":4,"topics":["a","b"]},"attachments":null})";
  auto r = submit(id, sealed_body(plaintext));
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string sid = r.json()["data"]["id"];
  EXPECT_EQ(sid.size(), 14u);
  EXPECT_TRUE(r.json()["data"]["created_at"].is_string());

  // List: metadata only unless include=payload; listing does not mark read.
  auto list = owner_get("/api/v1/form/" + id + "/submission");
  ASSERT_EQ(list.status, 200) << list.body;
  auto item = list.json()["data"][0];
  EXPECT_EQ(item["id"], sid);
  EXPECT_TRUE(item["read_at"].is_null());
  EXPECT_EQ(item["has_attached_drop"], false);
  EXPECT_FALSE(item.contains("encrypted_payload"));
  EXPECT_EQ(list.json()["meta"]["total"], 1);
  auto with_payload = owner_get("/api/v1/form/" + id + "/submission?include=payload").json();
  EXPECT_TRUE(with_payload["data"][0]["encrypted_payload"].is_string());
  EXPECT_EQ(owner_get("/api/v1/form").json()["data"][0]["submissions_count"], 1);
  EXPECT_EQ(owner_get("/api/v1/form").json()["meta"]["plan"]["submissions_used_current_month"], 1);

  // The owner recovers the form private key from the vault and opens the ciphertext.
  auto keys = owner_get("/api/v1/vault/form-keys?formId=" + id);
  ASSERT_EQ(keys.status, 200) << keys.body;
  auto kj = keys.json();
  EXPECT_EQ(kj["data"]["form_id"], id);
  EXPECT_EQ(kj["data"]["vault_generation"], 1);
  EXPECT_EQ(kj["wrapped"], kj["data"]["wrapped"]);  // seed example reads `wrapped`
  auto vk = vault_key();
  auto recovered =
      crypto::unwrap_form_private_key(vk, kj["data"]["wrapped_key"].get<std::string>());
  EXPECT_EQ(recovered.public_key(), form_key_->public_key());
  auto all_keys = owner_get("/api/v1/vault/form-keys").json()["data"];
  ASSERT_EQ(all_keys.size(), 1u);
  EXPECT_EQ(all_keys[0]["form_id"], id);

  auto got = owner_get("/api/v1/form/submission/" + sid);
  ASSERT_EQ(got.status, 200) << got.body;
  auto g = got.json()["data"];
  EXPECT_TRUE(g["attached_drop_id"].is_null());
  auto opened =
      crypto::form_open(recovered, g["ephemeral_pub_key"].get<std::string>(),
                        g["iv"].get<std::string>(), g["encrypted_payload"].get<std::string>());
  EXPECT_EQ(opened.str(), plaintext);
  EXPECT_FALSE(crypto::validate_submission_payload(opened.str()).has_value());

  // Mark read; unread filter.
  auto read =
      http({"PATCH", api("/api/v1/form/submission/" + sid), std::nullopt, {bearer(user_.api_key)}});
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(read.json()["data"]["id"], sid);
  EXPECT_TRUE(read.json()["data"]["read_at"].is_string());
  EXPECT_EQ(owner_get("/api/v1/form/" + id + "/submission?unreadOnly=true").json()["data"],
            json::array());
  EXPECT_EQ(owner_get("/api/v1/form/submission/" + sid).json()["data"]["read_at"],
            read.json()["data"]["read_at"]);

  // Other users cannot read it; bad ids are 400, unknown ones 404.
  auto bob = add_user(data_dir(), "bob@example.com", "pro");
  expect_envelope_error(http_get(api("/api/v1/form/submission/" + sid), {bearer(bob.api_key)}), 403,
                        "FORBIDDEN");
  expect_envelope_error(http_get(api("/api/v1/form/" + id + "/submission"), {bearer(bob.api_key)}),
                        403, "FORBIDDEN");
  expect_envelope_error(
      http_get(api("/api/v1/vault/form-keys?formId=" + id), {bearer(bob.api_key)}), 404,
      "NOT_FOUND");
  expect_envelope_error(owner_get("/api/v1/form/submission/short"), 400, "VALIDATION_ERROR");
  expect_envelope_error(owner_get("/api/v1/form/submission/zzzzzzzzzzzzzz"), 404, "NOT_FOUND");

  auto del = http(
      {"DELETE", api("/api/v1/form/submission/" + sid), std::nullopt, {bearer(user_.api_key)}});
  ASSERT_EQ(del.status, 200) << del.body;
  EXPECT_EQ(del.json()["data"], json({{"deleted", true}, {"id", sid}}));
  expect_envelope_error(owner_get("/api/v1/form/submission/" + sid), 404, "NOT_FOUND");
}

TEST_F(FormApiTest, SubmitValidationAndFormStates) {
  auto id = create_form();
  auto good = sealed_body(R"({"version":1,"answers":{},"attachments":null})");
  auto with = [&](const std::function<void(json&)>& edit) {
    auto b = good;
    edit(b);
    return submit(id, b);
  };
  const std::vector<std::function<void(json&)>> bad = {
      [](json& b) { b["extra"] = 1; },  // strict
      [](json& b) { b.erase("iv"); },
      [](json& b) { b["iv"] = "AAECAwQFBgcICQo="; },
      [](json& b) { b["ephemeralPubKey"] = b["ephemeralPubKey"].get<std::string>() + "A"; },
      [](json& b) { b["encryptedPayload"] = ""; },
      [](json& b) { b["encryptedPayload"] = "not base64url!"; },
      [](json& b) { b["attachedDropId"] = "abcdefghijklmnop"; },  // token + manifest required
      [](json& b) { b["customKeyProof"] = "=="; },
  };
  for (std::size_t i = 0; i < bad.size(); ++i) {
    SCOPED_TRACE(i);
    expect_envelope_error(with(bad[i]), 400, "VALIDATION_ERROR");
  }
  expect_envelope_error(submit("bad", good), 400, "VALIDATION_ERROR");
  expect_envelope_error(submit("zzzzzzzzzzzz", good), 404, "NOT_FOUND");
  // Turnstile is off without --turnstile-secret: a token is neither needed nor checked.
  ASSERT_EQ(with([](json& b) { b["turnstileToken"] = "XXXX.DUMMY.TOKEN"; }).status, 200);

  ASSERT_EQ(patch(id, json::object(), "?action=toggle").status, 200);
  expect_envelope_error(submit(id, good), 403, "FORBIDDEN");  // seed: 403 when disabled
  ASSERT_EQ(patch(id, json::object(), "?action=toggle").status, 200);
  ASSERT_EQ(patch(id, {{"active", false}}).status, 200);
  expect_envelope_error(submit(id, good), 403, "FORBIDDEN");
  ASSERT_EQ(patch(id, {{"active", true}, {"closesAt", "2001-01-01T00:00:00.000Z"}}).status, 200);
  auto closed = submit(id, good);  // seed: 410 Gone when closed (the service: 403)
  expect_envelope_error(closed, 410, "GONE");
  EXPECT_EQ(closed.json()["error"]["message"], "This form is closed");
  ASSERT_EQ(patch(id, {{"closesAt", nullptr}, {"maxSubmissions", 1}}).status, 200);
  auto capped = submit(id, good);  // one submission already recorded above (seed silent: §9.8)
  expect_envelope_error(capped, 403, "FORBIDDEN");
  EXPECT_EQ(capped.json()["error"]["message"], "This form has reached its submission limit");
  ASSERT_EQ(patch(id, {{"maxSubmissions", nullptr}}).status, 200);
  EXPECT_EQ(submit(id, good).status, 200);
  sql("UPDATE forms SET taken_down = 1 WHERE id = '" + id + "'");
  expect_envelope_error(submit(id, good), 410, "GONE");  // seed: 410 when taken down (service 403)
}

TEST_F(FormApiTest, PasswordProtectedForm) {
  auto body = form_body();
  body["customKey"] = true;
  body["salt"] = kFormSalt;
  body["customKeyData"] = kFormKeyData;
  body["customKeyIv"] = kFormKeyIv;
  body["customKeyVerifier"] = kFormVerifier;
  auto id = create_form(body);

  auto pub = public_form(id);
  EXPECT_EQ(pub["customKey"], true);
  EXPECT_EQ(pub["custom_key"], true);
  EXPECT_TRUE(pub["schema"].is_null());
  EXPECT_EQ(pub["field_count"], 3);
  EXPECT_EQ(pub["salt"], kFormSalt);
  EXPECT_EQ(pub["custom_key_data"], kFormKeyData);
  EXPECT_EQ(pub["custom_key_iv"], kFormKeyIv);
  EXPECT_FALSE(pub.contains("custom_key_verifier"));

  // The respondent derives the proof from the password and the public fields (§12).
  auto proof = crypto::derive_form_proof(
      crypto::as_bytes(kFormPassword), pub["salt"].get<std::string>(),
      pub["custom_key_data"].get<std::string>(), pub["custom_key_iv"].get<std::string>());
  ASSERT_EQ(proof.str(), kFormWitness);

  auto unlock = [&](const json& b) {
    return http_json("POST", api("/api/v1/form/" + id + "/unlock"), b);
  };
  auto wrong = unlock({{"customKeyProof", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}});
  expect_envelope_error(wrong, 403, "FORBIDDEN");
  EXPECT_EQ(wrong.json()["error"]["message"], "Invalid form password");
  expect_envelope_error(unlock({{"customKeyProof", kFormWitness}, {"x", 1}}), 400,
                        "VALIDATION_ERROR");
  expect_envelope_error(unlock(json::object()), 400, "VALIDATION_ERROR");
  auto ok = unlock({{"customKeyProof", std::string(proof.str())}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.json()["data"]["schema"]["fields"].size(), 3u);
  expect_envelope_error(
      http_json("POST", api("/api/v1/form/zzzzzzzzzzzz/unlock"), {{"customKeyProof", "abc"}}), 404,
      "NOT_FOUND");

  auto good = sealed_body(R"({"version":1,"answers":{"name":"Bob"},"attachments":null})");
  auto no_proof = submit(id, good);
  expect_envelope_error(no_proof, 403, "FORBIDDEN");
  auto bad_proof = good;
  bad_proof["customKeyProof"] = "wrongproof";
  expect_envelope_error(submit(id, bad_proof), 403, "FORBIDDEN");
  auto with_proof = good;
  with_proof["customKeyProof"] = kFormWitness;
  EXPECT_EQ(submit(id, with_proof).status, 200);

  // Unlock is available exactly when the public GET is: 410 when closed or taken down.
  ASSERT_EQ(patch(id, {{"closesAt", "2001-01-01T00:00:00Z"}}).status, 200);
  expect_envelope_error(unlock({{"customKeyProof", kFormWitness}}), 410, "GONE");
  ASSERT_EQ(patch(id, {{"closesAt", nullptr}}).status, 200);
  sql("UPDATE forms SET taken_down = 1 WHERE id = '" + id + "'");
  expect_envelope_error(unlock({{"customKeyProof", kFormWitness}}), 410, "GONE");

  // customKey:false clears the password; unlock then says the form is not protected.
  auto plain = create_form();
  expect_envelope_error(
      http_json("POST", api("/api/v1/form/" + plain + "/unlock"), {{"customKeyProof", "abc"}}), 400,
      "INVALID_REQUEST");
  ASSERT_EQ(patch(plain, {{"customKey", true},
                          {"salt", kFormSalt},
                          {"customKeyData", kFormKeyData},
                          {"customKeyIv", kFormKeyIv},
                          {"customKeyVerifier", kFormVerifier}})
                .status,
            200);
  EXPECT_TRUE(public_form(plain)["schema"].is_null());
  ASSERT_EQ(patch(plain, {{"customKey", false}}).status, 200);
  auto cleared = public_form(plain);
  EXPECT_EQ(cleared["customKey"], false);
  EXPECT_TRUE(cleared["salt"].is_null());
  EXPECT_TRUE(cleared["schema"].is_object());
}

TEST_F(FormApiTest, AttachmentUploadTokenFlow) {
  auto body = form_body(file_schema());
  auto id = create_form(body);
  auto token_req = [&](const json& b) {
    return http_json("POST", api("/api/v1/form/" + id + "/upload-token"), b);
  };
  const std::string content = pattern_bytes(116, 7);  // 100 plaintext bytes + tag
  json plan = {{"iv", "AAECAwQFBgcICQoL"},
               {"files", {{{"fieldId", "photos"}, {"size", 100}, {"mimeType", "image/png"}}}}};
  // The seed's allowFileUploads defaults to false: file fields alone do not enable uploads.
  expect_envelope_error(token_req(plan), 403, "FORBIDDEN");
  ASSERT_EQ(patch(id, {{"allowFileUploads", true}}).status, 200);

  // Planned files are checked against the form's file fields (§11 step 2).
  auto not_file = plan;
  not_file["files"][0]["fieldId"] = "name";
  expect_envelope_error(token_req(not_file), 400, "VALIDATION_ERROR");
  auto wrong_type = plan;
  wrong_type["files"][0]["mimeType"] = "application/pdf";
  expect_envelope_error(token_req(wrong_type), 400, "VALIDATION_ERROR");
  auto too_many = plan;
  too_many["files"] = json::array();
  for (int i = 0; i < 3; ++i)
    too_many["files"].push_back({{"fieldId", "photos"}, {"size", 10}, {"mimeType", "image/png"}});
  expect_envelope_error(token_req(too_many), 400, "VALIDATION_ERROR");
  auto strict = plan;
  strict["bogus"] = 1;
  expect_envelope_error(token_req(strict), 400, "VALIDATION_ERROR");
  auto huge = plan;
  huge["files"][0]["size"] = 51LL * 1024 * 1024 * 1024;  // over the Pro attachment cap
  expect_envelope_error(token_req(huge), 402, "PAYMENT_REQUIRED");

  auto t = token_req(plan);
  ASSERT_EQ(t.status, 200) << t.body;
  auto td = t.json()["data"];
  const std::string drop_id = td["drop_id"];
  const std::string token = td["upload_token"];
  EXPECT_EQ(drop_id.size(), 16u);
  EXPECT_EQ(token.size(), 43u);
  EXPECT_TRUE(td["expires_at"].is_string());

  // The staging drop is hidden and private.
  EXPECT_EQ(owner_get("/api/v1/drop").json()["data"], json::array());
  expect_envelope_error(http_get(api("/api/v1/drop/" + drop_id)), 403, "FORBIDDEN");

  const std::vector<std::string> tok = {"X-Upload-Token: " + token};
  json file = {{"size", content.size()},  {"encryptedName", "bmFtZQ"}, {"iv", "wMHCw8TFxsfIycrL"},
               {"mimeType", "image/png"}, {"chunkCount", 1},           {"chunkSize", 100}};
  auto add = [&](const json& b, std::vector<std::string> headers) {
    return http_json("POST", api("/api/v1/drop/" + drop_id + "/file"), b, "", std::move(headers));
  };
  expect_envelope_error(add(file, tok), 400, "VALIDATION_ERROR");  // formFieldId missing
  auto wrong_field = file;
  wrong_field["formFieldId"] = "name";
  auto wf = add(wrong_field, tok);
  expect_envelope_error(wf, 400, "VALIDATION_ERROR");
  EXPECT_EQ(wf.json()["error"]["message"], "File upload target is invalid");
  file["formFieldId"] = "photos";
  expect_envelope_error(add(file, {"X-Upload-Token: " + std::string(43, 'A')}), 401,
                        "UNAUTHORIZED");
  // The owner's key cannot fill the respondent's staging drop.
  expect_envelope_error(add_file_raw(drop_id, file), 403, "FORBIDDEN");

  auto added = add(file, tok);
  ASSERT_EQ(added.status, 200) << added.body;
  const std::string file_id = added.json()["fileId"];
  auto put = put_part(added.json()["uploadUrls"]["1"].get<std::string>(), content);
  ASSERT_EQ(put.status, 200) << put.body;
  auto fin = http_json(
      "PATCH", api("/api/v1/drop/" + drop_id + "?action=finish"),
      {{"files", {{{"fileId", file_id}, {"chunks", chunk_list({put.header("ETag")})}}}}}, "", tok);
  ASSERT_EQ(fin.status, 200) << fin.body;
  // Still private until the submission is recorded.
  expect_bare_error(http_json("POST", api("/api/v1/drop/" + drop_id + "/download"), json::object()),
                    404, "This drop is not available.");

  auto sub =
      sealed_body(R"({"version":1,"answers":{"photos":[")" + file_id +
                  R"("]},"attachments":{"dropId":")" + drop_id + R"(","key":"k","files":[]}})");
  sub["attachedDropId"] = drop_id;
  sub["attachmentUploadToken"] = token;
  sub["attachmentManifest"] = {
      {{"fieldId", "photos"}, {"fileId", file_id}, {"size", 100}, {"mimeType", "image/png"}}};
  expect_envelope_error(submit(id, sub), 400, "VALIDATION_ERROR");  // plaintext size, not stored
  sub["attachmentManifest"][0]["size"] = content.size();
  sub["attachmentManifest"][0]["mimeType"] = "image/jpeg";
  expect_envelope_error(submit(id, sub), 400, "VALIDATION_ERROR");
  sub["attachmentManifest"][0]["mimeType"] = "image/png";
  auto other_token = sub;
  other_token["attachmentUploadToken"] = std::string(43, 'B');
  expect_envelope_error(submit(id, other_token), 400, "VALIDATION_ERROR");

  auto ok = submit(id, sub);
  ASSERT_EQ(ok.status, 200) << ok.body;
  const std::string sid = ok.json()["data"]["id"];
  auto again = submit(id, sub);
  expect_envelope_error(again, 400, "VALIDATION_ERROR");
  EXPECT_EQ(again.json()["error"]["message"], "Attachment upload token already used");
  expect_envelope_error(add(file, tok), 401, "UNAUTHORIZED");  // the token is spent

  // Paired: the owner sees the drop id; the drop is downloadable but still not listed.
  auto got = owner_get("/api/v1/form/submission/" + sid).json()["data"];
  EXPECT_EQ(got["attached_drop_id"], drop_id);
  EXPECT_EQ(owner_get("/api/v1/form/" + id + "/submission").json()["data"][0]["has_attached_drop"],
            true);
  auto meta = http_get(api("/api/v1/drop/" + drop_id));
  ASSERT_EQ(meta.status, 200) << meta.body;
  EXPECT_EQ(meta.json()["files"][0]["id"], file_id);
  EXPECT_EQ(owner_get("/api/v1/drop").json()["data"], json::array());
  EXPECT_EQ(owner_get("/api/v1/drop").json()["meta"]["storage"]["used"],
            std::to_string(content.size()));

  // Deleting the submission deletes its drop and releases the storage.
  ASSERT_EQ(
      http({"DELETE", api("/api/v1/form/submission/" + sid), std::nullopt, {bearer(user_.api_key)}})
          .status,
      200);
  expect_bare_error(http_get(api("/api/v1/drop/" + drop_id)), 404, "Drop not found");
  EXPECT_EQ(owner_get("/api/v1/drop").json()["meta"]["storage"]["used"], "0");

  // Forms without file fields accept no uploads, even with the flag.
  auto plain_body = form_body();
  plain_body["allowFileUploads"] = true;
  auto plain = create_form(plain_body);
  expect_envelope_error(http_json("POST", api("/api/v1/form/" + plain + "/upload-token"), plan),
                        403, "FORBIDDEN");
}

TEST_F(FormApiTest, DeletingAFormRemovesItsDrops) {
  auto body = form_body(file_schema());
  body["allowFileUploads"] = true;
  auto id = create_form(body);
  auto t =
      http_json("POST", api("/api/v1/form/" + id + "/upload-token"),
                {{"iv", "AAECAwQFBgcICQoL"},
                 {"files", {{{"fieldId", "photos"}, {"size", 10}, {"mimeType", "image/gif"}}}}});
  ASSERT_EQ(t.status, 200) << t.body;
  const std::string drop_id = t.json()["data"]["drop_id"];
  ASSERT_EQ(submit(id, sealed_body("{}")).status, 200);
  ASSERT_EQ(
      http({"DELETE", api("/api/v1/form/" + id), std::nullopt, {bearer(user_.api_key)}}).status,
      200);
  expect_bare_error(http_get(api("/api/v1/drop/" + drop_id)), 404, "Drop not found");
  EXPECT_EQ(owner_get("/api/v1/vault/form-keys").json()["data"], json::array());
}

TEST_F(FreeFormTest, PlanLimits) {
  auto body = form_body();
  body["customKey"] = true;
  body["salt"] = kFormSalt;
  body["customKeyData"] = kFormKeyData;
  body["customKeyIv"] = kFormKeyIv;
  body["customKeyVerifier"] = kFormVerifier;
  auto pw = create_raw(body);
  expect_envelope_error(pw, 402, "PAYMENT_REQUIRED");
  EXPECT_EQ(pw.json()["error"]["details"]["upgrade"]["scope"], "form_password");
  auto branding = form_body();
  branding["hideBranding"] = true;
  expect_envelope_error(create_raw(branding), 402, "PAYMENT_REQUIRED");
  auto big = form_body();
  big["maxFileSizeOverride"] = 200 * 1024 * 1024;  // over Free's 100 MiB attachment cap
  expect_envelope_error(create_raw(big), 402, "PAYMENT_REQUIRED");

  // Active-form cap: 3 on Free; disabling one frees a slot, re-enabling it is refused.
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i)
    ids.push_back(create_form());
  auto fourth = create_raw(form_body());
  expect_envelope_error(fourth, 402, "PAYMENT_REQUIRED");
  EXPECT_EQ(fourth.json()["error"]["details"]["upgrade"]["scope"], "form_forms");
  EXPECT_EQ(fourth.json()["error"]["details"]["upgrade"]["limitValue"], 3);
  ASSERT_EQ(patch(ids[0], json::object(), "?action=toggle").status, 200);
  auto spare = create_form();
  expect_envelope_error(patch(ids[0], json::object(), "?action=toggle"), 402, "PAYMENT_REQUIRED");

  // Monthly submission cap (50 on Free) → 429 as the seed says (the service: 402, §9.8), with
  // Retry-After until the next UTC month and the 402's upgrade details for information.
  sql("INSERT INTO form_submission_months(user_id, month, count) VALUES('" + user_.user_id +
      "', strftime('%Y-%m', 'now'), 50)");
  auto capped = submit(spare, sealed_body("{}"));
  expect_envelope_error(capped, 429, "RATE_LIMITED");
  EXPECT_EQ(capped.json()["error"]["details"]["upgrade"]["scope"], "form_submissions");
  EXPECT_EQ(capped.json()["error"]["details"]["upgrade"]["limitValue"], 50);
  const auto retry = std::stoll(capped.header("Retry-After"));
  EXPECT_GT(retry, 0);
  EXPECT_LE(retry, 31LL * 24 * 3600);
}

TEST_F(FormLimitsTest, QuotaAndLimiters) {
  auto id = create_form();
  // --limits anonli alone does not turn Turnstile on (that takes --turnstile-secret).
  auto anonymous = submit(id, sealed_body("{}"));
  ASSERT_EQ(anonymous.status, 200) << anonymous.body;
  auto signed_in =
      http_json("POST", api("/api/v1/form/" + id + "/submit"), sealed_body("{}"), user_.api_key);
  ASSERT_EQ(signed_in.status, 200) << signed_in.body;

  // Owner routes consume the monthly `form` bucket; public GET does not.
  auto list = owner_get("/api/v1/form");
  EXPECT_EQ(list.header("X-RateLimit-Limit"), "500");
  EXPECT_EQ(list.header("X-RateLimit-Remaining"), "498");  // create + this list
  EXPECT_TRUE(http_get(api("/api/v1/form/" + id)).header("X-RateLimit-Limit").empty());
  // The drop bucket is separate.
  EXPECT_EQ(owner_get("/api/v1/drop").header("X-RateLimit-Remaining"), "499");

  // formList: 60 per minute.
  for (int i = 0; i < 59; ++i)
    ASSERT_EQ(owner_get("/api/v1/form").status, 200) << i;
  auto limited = owner_get("/api/v1/form");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.json()["error"], "Too many requests");
  EXPECT_EQ(limited.header("X-RateLimit-Limit"), "60");
}

TEST_F(TurnstileTest, AnonymousSubmitNeedsAVerifiedToken) {
  auto id = create_form();
  auto body = sealed_body("{}");
  auto missing = submit(id, body);
  expect_envelope_error(missing, 400, "VALIDATION_ERROR");
  EXPECT_EQ(missing.json()["error"]["message"], "Verification required");
  EXPECT_TRUE(stub_.received().empty());  // nothing to verify: no outbound call

  for (const char* bad : {"bad.turnstile.token", TurnstileStub::kNotJsonToken}) {
    SCOPED_TRACE(bad);
    body["turnstileToken"] = bad;
    auto refused = submit(id, body);
    expect_envelope_error(refused, 400, "VALIDATION_ERROR");
    EXPECT_EQ(refused.json()["error"]["message"], "Bot verification failed");
  }
  body["turnstileToken"] = TurnstileStub::kGoodToken;
  auto accepted = submit(id, body);
  ASSERT_EQ(accepted.status, 200) << accepted.body;

  // The stub saw the secret, each token and the caller's address, form-encoded.
  auto seen = stub_.received();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0]["response"], "bad.turnstile.token");
  EXPECT_EQ(seen[1]["response"], TurnstileStub::kNotJsonToken);
  EXPECT_EQ(seen[2]["response"], TurnstileStub::kGoodToken);
  for (auto& form : seen) {
    EXPECT_EQ(form["secret"], kSecret);
    EXPECT_EQ(form["remoteip"], "127.0.0.1");
  }

  // Signed-in callers are exempt (seed; the service asks everyone, §15.12).
  auto signed_in =
      http_json("POST", api("/api/v1/form/" + id + "/submit"), sealed_body("{}"), user_.api_key);
  ASSERT_EQ(signed_in.status, 200) << signed_in.body;
  EXPECT_EQ(stub_.received().size(), 3u);

  // The verify endpoint down: refused at once (connection refused), not hung, not accepted.
  stub_.stop();
  auto down = submit(id, body);
  expect_envelope_error(down, 400, "VALIDATION_ERROR");
  EXPECT_EQ(down.json()["error"]["message"], "Bot verification failed");
}

TEST_F(TurnstileTest, UploadTokenChecksFormStateThenTurnstile) {
  auto body = form_body(file_schema());
  body["allowFileUploads"] = true;
  auto id = create_form(body);
  json plan = {{"iv", "AAECAwQFBgcICQoL"},
               {"files", {{{"fieldId", "photos"}, {"size", 100}, {"mimeType", "image/png"}}}}};
  auto token_req = [&](const json& b) {
    return http_json("POST", api("/api/v1/form/" + id + "/upload-token"), b);
  };
  auto missing = token_req(plan);
  expect_envelope_error(missing, 400, "VALIDATION_ERROR");
  EXPECT_EQ(missing.json()["error"]["message"], "Verification required");
  plan["turnstileToken"] = "bad.turnstile.token";
  auto bad = token_req(plan);
  expect_envelope_error(bad, 400, "VALIDATION_ERROR");
  EXPECT_EQ(bad.json()["error"]["message"], "Bot verification failed");

  // §11 order: a disabled form answers 403 before Turnstile is consulted.
  ASSERT_EQ(patch(id, json::object(), "?action=toggle").status, 200);
  const auto calls = stub_.received().size();
  expect_envelope_error(token_req(plan), 403, "FORBIDDEN");
  EXPECT_EQ(stub_.received().size(), calls);
  ASSERT_EQ(patch(id, json::object(), "?action=toggle").status, 200);

  plan["turnstileToken"] = TurnstileStub::kGoodToken;
  auto ok = token_req(plan);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.json()["data"]["upload_token"].get<std::string>().size(), 43u);
}

TEST_F(TurnstileTest, GuestDropCreation) {
  json body = {{"iv", "AAECAwQFBgcICQoL"}, {"fileCount", 1}};
  auto missing = http_json("POST", api("/api/v1/drop"), body);
  expect_envelope_error(missing, 400, "VALIDATION_ERROR");
  EXPECT_EQ(missing.json()["error"]["details"][0]["field"], "turnstileToken");
  body["turnstileToken"] = "bad.turnstile.token";
  auto bad = http_json("POST", api("/api/v1/drop"), body);
  expect_envelope_error(bad, 403, "FORBIDDEN");
  EXPECT_EQ(bad.json()["error"]["message"], "Captcha verification failed");
  // A verified guest still gets no drop: guest drops are not implemented by this server.
  body["turnstileToken"] = TurnstileStub::kGoodToken;
  auto good = http_json("POST", api("/api/v1/drop"), body);
  expect_envelope_error(good, 403, "FORBIDDEN");
  EXPECT_NE(good.json()["error"]["message"].get<std::string>().find("not supported"),
            std::string::npos);
  EXPECT_EQ(stub_.received().size(), 2u);
  // API-key callers never need a token.
  auto owner = http_json("POST", api("/api/v1/drop"),
                         {{"iv", "AAECAwQFBgcICQoL"}, {"fileCount", 1}}, user_.api_key);
  ASSERT_EQ(owner.status, 200) << owner.body;
}

}  // namespace
}  // namespace anonfs::server::test
