// EnigmaCrypt API (seed 002, secrets-protocols.md §1; docs/server-api.md "EnigmaCrypt"):
//   POST   /api/messages       create (Bearer enigma_… optional; anonymous gets a deleteToken)
//   GET    /api/messages/:id   the recipient fetch: returns the blob and counts one access
//   DELETE /api/messages/:id   owner token or X-Delete-Token
//   GET    /api/messages       the token owner's messages, metadata only (reference extension)
// Bodies: {success:true, message?, data} and errors {success:false, error}.
#include <spdlog/spdlog.h>

#include "anonfs/crypto/bytes.hpp"
#include "anonfs/crypto/random.hpp"
#include "anonfs/wire/secrets.hpp"
#include "auth.hpp"
#include "clock.hpp"
#include "form_rules.hpp"
#include "limits.hpp"
#include "secret_routes.hpp"
#include "service_keys.hpp"
#include "store_secrets.hpp"
#include "validation.hpp"

namespace anonfs::server {

namespace {

using nlohmann::json;

constexpr LimiterSpec kEnigmaAnonymous{"enigmaAnonymous", 20, 15 * kMinuteMs};
constexpr LimiterSpec kEnigmaToken{"enigmaToken", 100, 15 * kMinuteMs};
constexpr std::int64_t kMaxAccess = 1000;
constexpr std::int64_t kMaxLifetimeMs = 365 * kDayMs;
constexpr std::size_t kMaxNameLength = 255;
constexpr std::size_t kIdLength = 8;

[[noreturn]] void fail(int status, const std::string& message) {
  throw JsonError(status, json{{"success", false}, {"error", message}});
}

// The caller's token: nullopt for anonymous calls; 401 for a present but invalid token.
std::optional<store::ServiceKeyAuth> enigma_auth(App& app, Context& ctx) {
  ctx.no_store = true;
  auto token = authorization_token(ctx, "Bearer");
  if (!token) return std::nullopt;
  auto found = find_service_key(app, *token);
  if (!found || found->kind != store::ServiceKeyKind::kEnigma) fail(401, "Invalid API token");
  return found;
}

// lowerhex(salt,16) || lowerhex(iv,16) || base64(ct): the shape, not the content (the server
// cannot check a ciphertext it cannot decrypt).
bool looks_like_blob(std::string_view s) noexcept {
  if (s.size() < 64 + 24) return false;
  for (char c : s.substr(0, 64)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  const auto b64 = s.substr(64);
  return b64.size() % 4 == 0 && is_base64_text(b64);
}

bool is_available(const store::EnigmaRow& row, std::int64_t now) {
  return row.encrypted_content && !row.consumed_at && !(row.expires_at && *row.expires_at <= now);
}

void create_message(App& app, Context& ctx) {
  auto auth = enigma_auth(app, ctx);
  if (auth) {
    app.limits->check(ctx, kEnigmaToken, auth->user_id);
  } else {
    app.limits->check(ctx, kEnigmaAnonymous, ctx.client_ip());
  }
  const json body =
      json_body_or(ctx, JsonError(400, {{"success", false}, {"error", "Invalid JSON"}}));
  if (!body.is_object()) fail(400, "Request body must be a JSON object");
  const auto content = body.find("encryptedContent");
  if (content == body.end() || !content->is_string() ||
      content->get_ref<const std::string&>().empty()) {
    fail(400, "encryptedContent is required");
  }
  const auto& blob = content->get_ref<const std::string&>();
  if (blob.size() > kMaxSecretPayload) {
    fail(413, "encryptedContent is too large (maximum " + std::to_string(kMaxSecretPayload) +
                  " characters)");
  }
  if (!looks_like_blob(blob)) {
    fail(400, "encryptedContent must be hex(salt) + hex(iv) + base64(ciphertext)");
  }
  const std::int64_t now = now_ms();
  store::EnigmaRow row;
  row.encrypted_content = blob;
  row.created_at = now;
  if (auto it = body.find("name"); it != body.end() && !it->is_null()) {
    if (!it->is_string() || it->get_ref<const std::string&>().size() > kMaxNameLength) {
      fail(400, "name must be a string of at most 255 characters");
    }
    row.name = it->get<std::string>();
  }
  if (auto it = body.find("expiresAt"); it != body.end() && !it->is_null()) {
    const auto ms = it->is_string() ? parse_iso_utc(it->get_ref<const std::string&>())
                                    : std::optional<std::int64_t>();
    if (!ms) fail(400, "expiresAt must be an ISO 8601 date-time or null");
    if (*ms <= now) fail(400, "expiresAt must be in the future");
    if (*ms > now + kMaxLifetimeMs) fail(400, "expiresAt must be at most 365 days ahead");
    row.expires_at = ms;
  }
  if (auto it = body.find("maxAccess"); it != body.end() && !it->is_null()) {
    const auto n = as_integer(*it);
    if (!n || *n < 1 || *n > kMaxAccess)
      fail(400, "maxAccess must be an integer from 1 to 1000 or null");
    row.max_access = n;
  }
  wire::EnigmaCreated created;
  std::string delete_token;
  if (auth) {
    row.user_id = auth->user_id;
  } else {
    delete_token = crypto::hex_encode(crypto::random_bytes(24));
    row.delete_token_hash = hash_api_key(delete_token);
    created.deleteToken = delete_token;
  }
  {
    auto lock = app.db->lock();
    Transaction tx(*app.db);
    do {
      row.id = random_alnum(kIdLength);
    } while (store::find_enigma(*app.db, row.id));
    store::insert_enigma(*app.db, row);
    tx.commit();
  }
  created.messageId = row.id;
  send_json(ctx, 201,
            {{"success", true}, {"message", "Message stored successfully"}, {"data", created}});
}

void fetch_message(App& app, Context& ctx) {
  ctx.no_store = true;
  const auto id = ctx.param(1);
  if (!is_alnum_id(id)) fail(404, "Message not found");
  const bool head = ctx.req.method == "HEAD";  // probes never count an access
  const std::int64_t now = now_ms();
  wire::EnigmaFetched out;
  {
    auto lock = app.db->lock();
    Transaction tx(*app.db);
    auto row = store::find_enigma(*app.db, id);
    if (!row) fail(404, "Message not found");
    if (row->consumed_at) fail(410, "This message has already been viewed");
    if (!is_available(*row, now)) fail(410, "This message has expired");
    if (head) {
      send_json(ctx, 200, {{"success", true}});
      return;
    }
    out.messageId = row->id;
    out.encryptedContent = *row->encrypted_content;
    out.createdAt = iso8601(row->created_at);
    if (row->expires_at) out.expiresAt = iso8601(*row->expires_at);
    out.accessCount = row->access_count + 1;
    out.maxAccess = row->max_access;
    const bool last = row->max_access && out.accessCount >= *row->max_access;
    store::record_enigma_access(*app.db, id, out.accessCount, last, now);
    tx.commit();
  }
  send_json(ctx, 200, {{"success", true}, {"data", out}});
}

void delete_message(App& app, Context& ctx) {
  auto auth = enigma_auth(app, ctx);
  const auto id = ctx.param(1);
  if (!is_alnum_id(id)) fail(404, "Message not found");
  std::optional<std::string> token_hash;
  if (ctx.req.has_header("X-Delete-Token")) {
    token_hash = hash_api_key(ctx.req.get_header_value("X-Delete-Token"));
  }
  auto lock = app.db->lock();
  Transaction tx(*app.db);
  auto row = store::find_enigma(*app.db, id);
  if (!row) fail(404, "Message not found");
  const bool owner = auth && row->user_id && *row->user_id == auth->user_id;
  const bool token_ok = token_hash && row->delete_token_hash &&
                        crypto::constant_time_equal(crypto::as_bytes(*token_hash),
                                                    crypto::as_bytes(*row->delete_token_hash));
  if (!owner && !token_ok) fail(403, "Not allowed to delete this message");
  store::delete_enigma(*app.db, id);
  tx.commit();
  send_json(ctx, 200, {{"success", true}, {"message", "Message deleted"}});
}

void list_messages(App& app, Context& ctx) {
  auto auth = enigma_auth(app, ctx);
  if (!auth) fail(401, "An API token is required");
  const auto offset = offset_param(ctx);
  if (!offset) fail(400, "offset must be a non-negative integer");
  const std::int64_t now = now_ms();
  json items = json::array();
  auto lock = app.db->lock();
  for (const auto& row : store::list_enigma(*app.db, auth->user_id, kSecretPageSize, *offset)) {
    wire::EnigmaMessageInfo info;
    info.messageId = row.id;
    info.name = row.name;
    info.createdAt = iso8601(row.created_at);
    if (row.expires_at) info.expiresAt = iso8601(*row.expires_at);
    info.accessCount = row.access_count;
    info.maxAccess = row.max_access;
    info.available = is_available(row, now);
    items.push_back(info);
  }
  send_json(ctx, 200, {{"success", true}, {"data", items}});
}

}  // namespace

void register_enigmacrypt_routes(Router& router) {
  App& app = router.app();
  router.post("/api/messages",
              with_json_errors([&app](Context& ctx) { create_message(app, ctx); }));
  router.get("/api/messages", with_json_errors([&app](Context& ctx) { list_messages(app, ctx); }));
  router.get("/api/messages/([^/]+)",
             with_json_errors([&app](Context& ctx) { fetch_message(app, ctx); }));
  router.del("/api/messages/([^/]+)",
             with_json_errors([&app](Context& ctx) { delete_message(app, ctx); }));
}

}  // namespace anonfs::server
