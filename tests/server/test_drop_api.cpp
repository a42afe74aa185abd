// Contract tests of the Drop API routes (protocol §2.1–§2.11) over real HTTP.
#include <gtest/gtest.h>

#include "server_fixture.hpp"

namespace anonfs::server::test {
namespace {

using nlohmann::json;

class DropApiTest : public ServerTest {};

class FreePlanTest : public ServerTest {
 protected:
  std::string plan() const override { return "free"; }
};

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

TEST_F(DropApiTest, AuthIsRequiredAndChecked) {
  auto none = http_get(api("/api/v1/drop"));
  expect_envelope_error(none, 401, "UNAUTHORIZED");
  EXPECT_EQ(none.json()["error"]["message"], "Unauthorized - API key required");
  // A bearer that is not an ak_ key is ignored (no key).
  expect_envelope_error(http_get(api("/api/v1/drop"), {"Authorization: Bearer sk_123"}), 401,
                        "UNAUTHORIZED");
  // Unknown and malformed ak_ keys fail immediately.
  expect_envelope_error(
      http_get(api("/api/v1/drop"), {bearer("ak_00000000000000000000000000000000")}), 401,
      "UNAUTHORIZED");
  expect_envelope_error(http_get(api("/api/v1/drop"), {bearer("ak_../../etc")}), 401,
                        "UNAUTHORIZED");
  auto ok = http_get(api("/api/v1/drop"), {bearer(user_.api_key)});
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.header("Cache-Control"), "no-store, max-age=0");
  EXPECT_EQ(ok.header("X-Request-Id"), ok.json()["meta"]["request_id"]);
}

TEST_F(DropApiTest, ListDropsEnvelopeAndPagination) {
  auto [drop_id, file_id] = upload_single(pattern_bytes(100, 1), {{"encryptedTitle", "dGl0bGU"}});
  auto pending = create_drop();
  auto r = http_get(api("/api/v1/drop"), {bearer(user_.api_key)});
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = r.json();
  ASSERT_EQ(j["data"].size(), 2u);
  EXPECT_EQ(j["meta"]["total"], 2);
  EXPECT_EQ(j["meta"]["limit"], 50);
  EXPECT_EQ(j["meta"]["offset"], 0);
  EXPECT_EQ(j["meta"]["has_more"], false);
  EXPECT_EQ(j["meta"]["storage"]["used"], "100");
  EXPECT_TRUE(j["meta"]["storage"]["limit"].is_string());
  const auto& newest = j["data"][0];
  EXPECT_EQ(newest["id"], pending);
  EXPECT_EQ(newest["uploadComplete"], false);
  const auto& done = j["data"][1];
  EXPECT_EQ(done["id"], drop_id);
  EXPECT_EQ(done["encryptedTitle"], "dGl0bGU");
  EXPECT_EQ(done["fileCount"], 1);
  EXPECT_EQ(done["totalSize"], "100");
  EXPECT_EQ(done["files"][0]["id"], file_id);
  EXPECT_EQ(done["files"][0]["size"], "100");
  EXPECT_FALSE(done["files"][0].contains("chunkSize"));
  EXPECT_EQ(done["expires_at"], done["expiresAt"]);
  EXPECT_EQ(done["created_at"], done["createdAt"]);

  auto page = http_get(api("/api/v1/drop?limit=1&offset=1"), {bearer(user_.api_key)}).json();
  EXPECT_EQ(page["data"].size(), 1u);
  EXPECT_EQ(page["data"][0]["id"], drop_id);
  EXPECT_EQ(page["meta"]["has_more"], false);
  auto first = http_get(api("/api/v1/drop?limit=1"), {bearer(user_.api_key)}).json();
  EXPECT_EQ(first["meta"]["has_more"], true);
  EXPECT_EQ(
      http_get(api("/api/v1/drop?limit=1000"), {bearer(user_.api_key)}).json()["meta"]["limit"],
      100);
  EXPECT_EQ(
      http_get(api("/api/v1/drop?limit=abc"), {bearer(user_.api_key)}).json()["meta"]["limit"], 50);
}

TEST_F(DropApiTest, CreateDropValidation) {
  auto post = [&](const json& body) {
    return http_json("POST", api("/api/v1/drop"), body, user_.api_key);
  };
  auto ok = post({{"iv", "AAECAwQFBgcICQoL"}, {"fileCount", 1}, {"unknownKey", 1}});
  ASSERT_EQ(ok.status, 200) << ok.body;  // unknown keys are stripped
  auto data = ok.json()["data"];
  EXPECT_EQ(data["drop_id"].get<std::string>().size(), 16u);
  EXPECT_EQ(data["owner_key_stored"], false);
  EXPECT_TRUE(data["upload_token"].is_null());
  EXPECT_TRUE(data["expires_at"].is_string());

  const json bad[] = {
      {{"fileCount", 1}},                              // iv missing
      {{"iv", "AAECAwQFBgcICQo"}, {"fileCount", 1}},   // 15 chars
      {{"iv", "AAECAwQFBgcICQo="}, {"fileCount", 1}},  // not base64url
      {{"iv", "AAECAwQFBgcICQoL"}},                    // fileCount missing (seed)
      {{"iv", "AAECAwQFBgcICQoL"}, {"fileCount", 51}},
      {{"iv", "AAECAwQFBgcICQoL"}, {"fileCount", 1}, {"expiry", 0}},
      {{"iv", "AAECAwQFBgcICQoL"}, {"fileCount", 1}, {"expiry", 31}},
      {{"iv", "AAECAwQFBgcICQoL"}, {"fileCount", 1}, {"expiry", "3"}},
      {{"iv", "AAECAwQFBgcICQoL"}, {"fileCount", 1}, {"expiry", 1.5}},
      {{"iv", "AAECAwQFBgcICQoL"}, {"fileCount", 1}, {"maxDownloads", 0}},
      {{"iv", "AAECAwQFBgcICQoL"}, {"fileCount", 1}, {"maxDownloads", 1e300}},
      {{"iv", "AAECAwQFBgcICQoL"}, {"fileCount", 1}, {"maxDownloads", nullptr}},
      {{"iv", "AAECAwQFBgcICQoL"}, {"fileCount", 1}, {"customKey", true}},
      {{"iv", "AAECAwQFBgcICQoL"}, {"fileCount", 1}, {"encryptedTitle", std::string(1025, 'a')}},
      json::array(),
  };
  for (const auto& body : bad) {
    auto r = post(body);
    expect_envelope_error(r, 400, "VALIDATION_ERROR");
  }
  auto missing_iv = post({{"fileCount", 1}}).json();
  EXPECT_EQ(missing_iv["error"]["details"][0]["field"], "iv");

  // Malformed JSON.
  auto raw = http({"POST", api("/api/v1/drop"), "{\"iv\":", {bearer(user_.api_key)}});
  EXPECT_EQ(raw.status, 400);
  // Turnstile is off by default, but guest drops are not implemented: 403 (an invalid guest body
  // is still a 400).
  auto guest =
      http_json("POST", api("/api/v1/drop"), {{"iv", "AAECAwQFBgcICQoL"}, {"fileCount", 1}});
  expect_envelope_error(guest, 403, "FORBIDDEN");
  expect_envelope_error(http_json("POST", api("/api/v1/drop"), {{"fileCount", 1}}), 400,
                        "VALIDATION_ERROR");
}

TEST_F(FreePlanTest, PlanLimitsOnCreate) {
  auto r = http_json("POST", api("/api/v1/drop"),
                     {{"iv", "AAECAwQFBgcICQoL"}, {"fileCount", 1}, {"expiry", 7}}, user_.api_key);
  expect_envelope_error(r, 402, "PAYMENT_REQUIRED");
  auto up = r.json()["error"]["details"]["upgrade"];
  EXPECT_EQ(up["scope"], "drop_expiry");
  EXPECT_EQ(up["currentTier"], "free");
  EXPECT_EQ(up["suggestedTier"], "plus");
  EXPECT_EQ(up["limitValue"], 3);
  // customKey is silently dropped on Free.
  auto [drop, file] = upload_single(pattern_bytes(40, 2), {{"customKey", true},
                                                           {"salt", std::string(43, 'A')},
                                                           {"customKeyData", std::string(79, 'B')},
                                                           {"customKeyIv", std::string(16, 'C')}});
  auto meta = http_get(api("/api/v1/drop/" + drop)).json();
  EXPECT_EQ(meta["customKey"], false);
  EXPECT_TRUE(meta["salt"].is_null());
  EXPECT_TRUE(meta["customKeyData"].is_null());
}

TEST_F(DropApiTest, CustomKeyStoredOnPro) {
  auto [drop, file] = upload_single(pattern_bytes(40, 2), {{"customKey", true},
                                                           {"salt", std::string(43, 'A')},
                                                           {"customKeyData", std::string(79, 'B')},
                                                           {"customKeyIv", std::string(16, 'C')},
                                                           {"hideBranding", true}});
  auto meta = http_get(api("/api/v1/drop/" + drop)).json();
  EXPECT_EQ(meta["customKey"], true);
  EXPECT_EQ(meta["salt"], std::string(43, 'A'));
  EXPECT_EQ(meta["customKeyIv"], std::string(16, 'C'));
  EXPECT_EQ(meta["hideBranding"], true);
}

TEST_F(DropApiTest, AddFileValidationAndArithmetic) {
  auto drop = create_drop();
  const std::int64_t mib5 = 5 * 1024 * 1024;
  auto body = [](json size, json count, json chunk) {
    return json{{"size", size},
                {"encryptedName", "bmFtZQ"},
                {"iv", "wMHCw8TFxsfIycrL"},
                {"mimeType", "application/pdf"},
                {"chunkCount", count},
                {"chunkSize", chunk}};
  };
  auto expect_invalid = [&](const json& b) {
    expect_bare_error(add_file_raw(drop, b), 400, "Invalid request body");
  };
  // Strictness and field rules.
  auto strict = body(100, 1, 84);
  strict["extra"] = true;
  expect_invalid(strict);
  for (const char* mime :
       {"text/html", "TEXT/HTML", "application/javascript", "text/plain; a=b", "nope", "a/b c"}) {
    auto b = body(100, 1, 84);
    b["mimeType"] = mime;
    expect_invalid(b);
  }
  expect_invalid(body(16, 1, 1));      // zero-byte plaintext
  expect_invalid(body(0, 1, 1));       // size must be positive
  expect_invalid(body("100", 1, 84));  // wrong type
  expect_invalid(body(100, 0, 84));    // chunkCount 1..10000
  expect_invalid(body(100, 10001, 84));
  expect_invalid(body(2 * (mib5 - 1 + 16), 2, mib5 - 1));  // multi-chunk below 5 MiB
  // Multi-chunk size window: (n-1)(c+16)+17 <= size <= n(c+16).
  expect_invalid(body((mib5 + 16) + 16, 2, mib5));     // one below the minimum
  expect_invalid(body(2 * (mib5 + 16) + 1, 2, mib5));  // one above the maximum
  auto json_error = http({"POST",
                          api("/api/v1/drop/" + drop + "/file"),
                          "{oops",
                          {bearer(user_.api_key), "Content-Type: application/json"}});
  expect_bare_error(json_error, 400, "Invalid request body");

  // Shape errors the service reports as 500 (§2.3).
  expect_envelope_error(add_file_raw(drop, body(1000, 1, 100)), 500, "INTERNAL_ERROR");
  expect_envelope_error(add_file_raw(drop, body(2147483648LL + 16, 1, 2147483648LL)), 500,
                        "INTERNAL_ERROR");

  // Boundaries that are accepted.
  auto min = add_file_raw(drop, body((mib5 + 16) + 17, 2, mib5));
  ASSERT_EQ(min.status, 200) << min.body;
  auto j = min.json();
  EXPECT_EQ(j["fileId"].get<std::string>().size(), 10u);
  EXPECT_FALSE(j["s3UploadId"].get<std::string>().empty());
  ASSERT_EQ(j["uploadUrls"].size(), 2u);
  EXPECT_TRUE(j["uploadUrls"].contains("1"));
  EXPECT_TRUE(j["uploadUrls"].contains("2"));
  EXPECT_EQ(min.header("Referrer-Policy"), "no-referrer");
  EXPECT_EQ(min.header("Cache-Control"), "no-store, max-age=0");
  auto url2 = j["uploadUrls"]["2"].get<std::string>();
  EXPECT_NE(url2.find("X-Anon-Content-Length=17"), std::string::npos) << url2;
  auto max = add_file_raw(drop, body(2 * (mib5 + 16), 2, mib5));
  EXPECT_EQ(max.status, 200) << max.body;
  // Single chunk with chunkSize = ciphertext length (the seed's sample) is accepted.
  EXPECT_EQ(add_file_raw(drop, body(100, 1, 100)).status, 200);
}

TEST_F(DropApiTest, AddFileServiceChecks) {
  auto other = add_user(data_dir(), "bob@example.com", "pro");
  auto drop = create_drop();
  json body = {{"size", 100},       {"encryptedName", "bmFtZQ"}, {"iv", "wMHCw8TFxsfIycrL"},
               {"mimeType", "a/b"}, {"chunkCount", 1},           {"chunkSize", 84}};
  expect_envelope_error(add_file_raw(drop, body, other.api_key), 403, "FORBIDDEN");
  expect_envelope_error(add_file_raw("zzzzzzzzzzzzzzzz", body), 404, "NOT_FOUND");
  expect_envelope_error(add_file_raw("..%2F..%2Fetc", body), 404, "NOT_FOUND");
  expect_envelope_error(http_json("POST", api("/api/v1/drop/" + drop + "/file"), body), 401,
                        "UNAUTHORIZED");
  // fileCount caps the files of the drop.
  auto one = create_drop({{"fileCount", 1}});
  EXPECT_EQ(add_file_raw(one, body).status, 200);
  expect_envelope_error(add_file_raw(one, body), 400, "VALIDATION_ERROR");
  // A finished drop is immutable.
  auto [done, file] = upload_single(pattern_bytes(50, 3));
  auto late = add_file_raw(done, body);
  expect_envelope_error(late, 400, "VALIDATION_ERROR");
  EXPECT_EQ(late.json()["error"]["message"], "Drop upload already completed");
}

TEST_F(DropApiTest, FinishSemantics) {
  auto drop = create_drop();
  auto a = add_file(drop, 100, 84, 1);
  auto b = add_file(drop, 60, 44, 1);
  auto pa = put_part(a.urls.at(1), pattern_bytes(100, 10));
  auto pb = put_part(b.urls.at(1), pattern_bytes(60, 11));
  ASSERT_EQ(pa.status, 200) << pa.body;
  ASSERT_EQ(pb.status, 200) << pb.body;
  auto etag_a = pa.header("ETag");
  auto etag_b = pb.header("ETag");
  ASSERT_EQ(etag_a.size(), 34u);
  EXPECT_EQ(etag_a.front(), '"');
  EXPECT_EQ(etag_a.back(), '"');

  json fa = {{"fileId", a.id}, {"chunks", chunk_list({etag_a})}};
  json fb = {{"fileId", b.id}, {"chunks", chunk_list({etag_b})}};
  // Body shape errors: bare.
  expect_bare_error(finish(drop, json::array()), 400, "Invalid request body");
  auto extra = fa;
  extra["more"] = 1;
  expect_bare_error(finish(drop, {extra, fb}), 400, "Invalid request body");
  expect_bare_error(http_json("PATCH", api("/api/v1/drop/" + drop + "?action=finish"),
                              {{"files", {fa, fb}}, {"x", 1}}, user_.api_key),
                    400, "Invalid request body");
  // Manifest mismatches: envelope.
  expect_envelope_error(finish(drop, json::array({fa})), 400, "VALIDATION_ERROR");
  expect_envelope_error(finish(drop, {fa, fa}), 400, "VALIDATION_ERROR");
  expect_envelope_error(
      finish(drop, {fa, fb, {{"fileId", "zzzzzzzzzz"}, {"chunks", chunk_list({etag_a})}}}), 400,
      "VALIDATION_ERROR");
  expect_envelope_error(
      finish(drop, {fa, {{"fileId", b.id}, {"chunks", chunk_list({etag_b, etag_b})}}}), 400,
      "VALIDATION_ERROR");
  // ETag mismatch for a pending part.
  auto wrong = finish(drop, {fa, {{"fileId", b.id}, {"chunks", chunk_list({etag_a})}}});
  expect_envelope_error(wrong, 400, "VALIDATION_ERROR");
  // Metadata is not public before finish.
  auto early = http_get(api("/api/v1/drop/" + drop));
  expect_envelope_error(early, 403, "FORBIDDEN");
  EXPECT_EQ(early.json()["error"]["message"], "This drop is not yet available.");

  auto ok = finish(drop, {fb, fa});
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.json(), json({{"success", true}}));
  // Idempotent: a retry of a finished drop is a no-op success, whatever it says.
  EXPECT_EQ(finish(drop, {fa, fb}).status, 200);
  EXPECT_EQ(finish(drop, json::array({fa})).status, 200);

  auto meta = http_get(api("/api/v1/drop/" + drop));
  ASSERT_EQ(meta.status, 200);
  auto m = meta.json();
  ASSERT_EQ(m["files"].size(), 2u);
  EXPECT_EQ(m["files"][0]["id"], a.id);
  EXPECT_EQ(m["files"][0]["size"], "100");
  EXPECT_EQ(m["files"][0]["chunkSize"], 84);
  EXPECT_EQ(m["files"][0]["chunkCount"], 1);
  EXPECT_EQ(m["downloads"], 0);
  EXPECT_TRUE(m["maxDownloads"].is_null());
  for (const char* k : {"id", "encryptedTitle", "encryptedMessage", "iv", "customKey", "salt",
                        "customKeyData", "customKeyIv", "downloads", "maxDownloads", "expiresAt",
                        "hideBranding", "createdAt", "files"}) {
    EXPECT_TRUE(m.contains(k)) << k;
  }
}

TEST_F(DropApiTest, FinishSizeMismatchAndEtagCompareAndSet) {
  auto drop = create_drop();
  auto a = add_file(drop, 100, 84, 1);
  auto b = add_file(drop, 60, 44, 1);
  auto etag_a = put_part(a.urls.at(1), pattern_bytes(100, 12)).header("ETag");
  auto etag_b = put_part(b.urls.at(1), pattern_bytes(60, 13)).header("ETag");
  // Damage b's stored part behind the server's back: the finish-time size check must catch it.
  auto part = data_dir() / "objects" / b.id.substr(0, 2) / b.id / "part-00001";
  ASSERT_TRUE(std::filesystem::exists(part));
  std::filesystem::resize_file(part, 30);
  json fa = {{"fileId", a.id}, {"chunks", chunk_list({etag_a})}};
  json fb = {{"fileId", b.id}, {"chunks", chunk_list({etag_b})}};
  auto r = finish(drop, {fa, fb});
  expect_envelope_error(r, 400, "VALIDATION_ERROR");
  EXPECT_EQ(r.json()["error"]["message"], "File size mismatch: uploaded less than declared");
  EXPECT_FALSE(std::filesystem::exists(part));
  // b is gone from the drop; a was completed and its ETag is recorded.
  expect_envelope_error(finish(drop, {fa, fb}), 400, "VALIDATION_ERROR");
  auto changed = finish(drop, {{{"fileId", a.id}, {"chunks", chunk_list({"\"other\""})}}});
  expect_envelope_error(changed, 400, "VALIDATION_ERROR");
  EXPECT_EQ(changed.json()["error"]["message"], "Completed chunk ETag cannot be changed");
  EXPECT_EQ(finish(drop, json::array({fa})).status, 200);
  auto list = http_get(api("/api/v1/drop"), {bearer(user_.api_key)}).json();
  EXPECT_EQ(list["meta"]["storage"]["used"], "100");  // b's reservation released
}

TEST_F(DropApiTest, PublicMetadataErrors) {
  expect_bare_error(http_get(api("/api/v1/drop/zzzzzzzzzzzzzzzz")), 404, "Drop not found");
  expect_bare_error(http_get(api("/api/v1/drop/" + std::string(300, 'a'))), 404, "Drop not found");
  expect_bare_error(http_get(api("/api/v1/drop/%2e%2e")), 404, "Drop not found");
  auto [drop, file] = upload_single(pattern_bytes(64, 4));
  EXPECT_EQ(http_get(api("/api/v1/drop/" + drop)).status, 200);
  sql("UPDATE drops SET expires_at = 1000 WHERE id = '" + drop + "'");
  auto expired = http_get(api("/api/v1/drop/" + drop));
  expect_envelope_error(expired, 403, "FORBIDDEN");
  EXPECT_EQ(expired.json()["error"]["message"], "This drop has expired.");
  expect_bare_error(http({"POST", api("/api/v1/drop/" + drop + "/download"), std::nullopt, {}}),
                    404, "This drop has expired.");
  auto per_file = http_get(api("/api/v1/drop/" + drop + "/file/" + file));
  EXPECT_EQ(per_file.status, 404);
  EXPECT_EQ(per_file.body, "This file is not available.");
  sql("UPDATE drops SET expires_at = NULL, taken_down = 1 WHERE id = '" + drop + "'");
  auto taken = http_get(api("/api/v1/drop/" + drop));
  EXPECT_EQ(taken.json()["error"]["message"],
            "This drop has been removed due to a policy violation.");
  auto gone = http_get(api("/api/v1/drop/" + drop + "/file/" + file));
  EXPECT_EQ(gone.status, 451);
  EXPECT_EQ(gone.body, "This content has been removed.");
}

TEST_F(DropApiTest, DownloadCountsAndUrlLifetimes) {
  auto content = pattern_bytes(333, 5);
  auto [drop, file] = upload_single(content, {{"maxDownloads", 2}});
  auto d1 = http({"POST", api("/api/v1/drop/" + drop + "/download"), std::nullopt, {}});
  ASSERT_EQ(d1.status, 200) << d1.body;
  EXPECT_EQ(d1.header("Referrer-Policy"), "no-referrer");
  auto j = d1.json();
  EXPECT_EQ(j["success"], true);
  ASSERT_EQ(j["downloadUrls"].size(), 1u);
  auto url = j["downloadUrls"][file].get<std::string>();
  auto expires_at = std::stoll(url.substr(url.find("X-Anon-Expires=") + 15));
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  EXPECT_NEAR(static_cast<double>(expires_at - now), 120.0, 5.0);  // limited drop: 120 s
  auto bytes = http_get(url);
  EXPECT_EQ(bytes.status, 200);
  EXPECT_EQ(bytes.body, content);
  EXPECT_EQ(http_get(api("/api/v1/drop/" + drop)).json()["downloads"], 1);

  // Per-file route: JSON or 302, counts per call.
  auto f = http_get(api("/api/v1/drop/" + drop + "/file/" + file), {"Accept: application/json"});
  ASSERT_EQ(f.status, 200) << f.body;
  EXPECT_EQ(http_get(f.json()["url"].get<std::string>()).body, content);
  // Limit reached: soft-deleted, metadata 404, download 404.
  expect_bare_error(http_get(api("/api/v1/drop/" + drop)), 404, "Drop not found");
  expect_bare_error(http({"POST", api("/api/v1/drop/" + drop + "/download"), std::nullopt, {}}),
                    404, "This drop is not available.");
  // URLs handed out before keep working for their lifetime.
  EXPECT_EQ(http_get(url).body, content);

  auto [open, open_file] = upload_single(content);
  auto d = http({"POST", api("/api/v1/drop/" + open + "/download"), std::nullopt, {}}).json();
  auto ourl = d["downloadUrls"][open_file].get<std::string>();
  auto oexp = std::stoll(ourl.substr(ourl.find("X-Anon-Expires=") + 15));
  EXPECT_NEAR(static_cast<double>(oexp - now), 3600.0, 5.0);
  auto redirect = http_get(api("/api/v1/drop/" + open + "/file/" + open_file));
  EXPECT_EQ(redirect.status, 302);
  EXPECT_NE(redirect.header("Location").find("/objects/" + open_file), std::string::npos);
  EXPECT_EQ(http_get(api("/api/v1/drop/" + open)).json()["downloads"], 2);
  // Range resume on an unlimited drop is not counted.
  http_get(api("/api/v1/drop/" + open + "/file/" + open_file), {"Range: bytes=100-"});
  EXPECT_EQ(http_get(api("/api/v1/drop/" + open)).json()["downloads"], 2);
  EXPECT_EQ(http_get(api("/api/v1/drop/" + open + "/file/zzzzzzzzzz")).status, 404);
}

TEST_F(DropApiTest, ToggleDeleteAndInvalidAction) {
  auto other = add_user(data_dir(), "bob@example.com", "pro");
  auto [drop, file] = upload_single(pattern_bytes(64, 6));
  auto patch = [&](const std::string& action, const std::string& key) {
    return http({"PATCH", api("/api/v1/drop/" + drop + action), std::nullopt, {bearer(key)}});
  };
  expect_bare_error(patch("", user_.api_key), 400,
                    "Invalid action. Use ?action=complete, ?action=toggle, or ?action=finish");
  expect_bare_error(patch("?action=nope", user_.api_key), 400,
                    "Invalid action. Use ?action=complete, ?action=toggle, or ?action=finish");
  expect_envelope_error(patch("?action=toggle", other.api_key), 403, "FORBIDDEN");
  auto t = patch("?action=toggle", user_.api_key);
  ASSERT_EQ(t.status, 200) << t.body;
  EXPECT_EQ(t.json(), json({{"success", true}, {"disabled", true}}));
  auto disabled = http_get(api("/api/v1/drop/" + drop));
  expect_envelope_error(disabled, 403, "FORBIDDEN");
  EXPECT_EQ(disabled.json()["error"]["message"], "This link has been disabled by the owner.");
  expect_bare_error(http({"POST", api("/api/v1/drop/" + drop + "/download"), std::nullopt, {}}),
                    404, "This drop is not available.");
  auto listed = http_get(api("/api/v1/drop"), {bearer(user_.api_key)}).json();
  EXPECT_EQ(listed["data"][0]["disabled"], true);
  EXPECT_EQ(patch("?action=toggle", user_.api_key).json()["disabled"], false);
  // complete: body must be exactly {}.
  auto c = http_json("PATCH", api("/api/v1/drop/" + drop + "?action=complete"), json::object(),
                     user_.api_key);
  EXPECT_EQ(c.status, 200) << c.body;
  expect_bare_error(http_json("PATCH", api("/api/v1/drop/" + drop + "?action=complete"), {{"a", 1}},
                              user_.api_key),
                    400, "Invalid request body");

  auto url = http({"POST", api("/api/v1/drop/" + drop + "/download"), std::nullopt, {}})
                 .json()["downloadUrls"][file]
                 .get<std::string>();
  expect_envelope_error(
      http({"DELETE", api("/api/v1/drop/" + drop), std::nullopt, {bearer(other.api_key)}}), 403,
      "FORBIDDEN");
  auto del = http({"DELETE", api("/api/v1/drop/" + drop), std::nullopt, {bearer(user_.api_key)}});
  ASSERT_EQ(del.status, 200) << del.body;
  EXPECT_EQ(del.json(), json({{"success", true}}));
  expect_bare_error(http_get(api("/api/v1/drop/" + drop)), 404, "Drop not found");
  EXPECT_EQ(http_get(url).status, 404);  // objects removed with the drop
  expect_envelope_error(
      http({"DELETE", api("/api/v1/drop/" + drop), std::nullopt, {bearer(user_.api_key)}}), 404,
      "NOT_FOUND");
}

TEST_F(DropApiTest, AbortUnfinishedFile) {
  auto drop = create_drop();
  auto a = add_file(drop, 100, 84, 1);
  auto abort = [&](const std::string& drop_id, const std::string& file_id, const json& body) {
    return http_json("DELETE", api("/api/v1/drop/" + drop_id + "/file/" + file_id), body,
                     user_.api_key);
  };
  expect_bare_error(abort(drop, a.id, {{"s3UploadId", "wrong"}}), 401, "Unauthorized upload ID");
  expect_bare_error(abort(drop, a.id, {{"uploadId", a.upload_id}}), 400, "Invalid request body");
  EXPECT_EQ(abort(drop, "zzzzzzzzzz", {{"s3UploadId", "x"}}).json(), json({{"success", true}}));
  auto other_drop = create_drop();
  expect_bare_error(abort(other_drop, a.id, {{"s3UploadId", a.upload_id}}), 404, "File not found");
  put_part(a.urls.at(1), pattern_bytes(100, 7));
  auto ok = abort(drop, a.id, {{"s3UploadId", a.upload_id}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.json(), json({{"success", true}}));
  EXPECT_FALSE(std::filesystem::exists(data_dir() / "objects" / a.id.substr(0, 2) / a.id));
  // The aborted upload's URL no longer accepts parts; the manifest no longer includes it.
  EXPECT_EQ(put_part(a.urls.at(1), pattern_bytes(100, 7)).status, 404);
  auto b = add_file(drop, 60, 44, 1);
  auto etag = put_part(b.urls.at(1), pattern_bytes(60, 8)).header("ETag");
  ASSERT_EQ(finish(drop, {{{"fileId", b.id}, {"chunks", chunk_list({etag})}}}).status, 200);
  // Finished files cannot be removed: no-op success.
  EXPECT_EQ(abort(drop, b.id, {{"s3UploadId", b.upload_id}}).status, 200);
  EXPECT_EQ(http_get(api("/api/v1/drop/" + drop)).json()["files"].size(), 1u);
}

TEST_F(DropApiTest, OversizedAndUnframedBodiesAreRefused) {
  std::string big(7 * 1024 * 1024, 'a');
  auto r = http({"POST",
                 api("/api/v1/drop"),
                 big,
                 {bearer(user_.api_key), "Content-Type: application/json"}});
  EXPECT_EQ(r.status, 413);
  auto chunked = http(
      {"POST", api("/api/v1/drop"), "{}", {bearer(user_.api_key), "Transfer-Encoding: chunked"}});
  EXPECT_EQ(chunked.status, 411);
  // The server is still healthy.
  EXPECT_EQ(http_get(api("/api/v1/drop"), {bearer(user_.api_key)}).status, 200);
}

TEST_F(DropApiTest, MeReportsAccount) {
  auto r = http_get(api("/api/v1/me"), {bearer(user_.api_key)});
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = r.json()["data"];
  EXPECT_EQ(d["email"], "alice@example.com");
  EXPECT_EQ(d["tier"], "pro");
  EXPECT_EQ(d["id"], user_.user_id);
  EXPECT_EQ(d["features"]["customKey"], true);
  EXPECT_EQ(d["limits"]["max_expiry_days"], 30);
  EXPECT_EQ(d["vault_configured"], false);
  EXPECT_TRUE(d["storage"]["used"].is_string());
  expect_envelope_error(http_get(api("/api/v1/me")), 401, "UNAUTHORIZED");
}

}  // namespace
}  // namespace anonfs::server::test
