// password.link API (seed 004, secrets-protocols.md §2; docs/server-api.md "password.link"):
//   POST   /api/secrets                 create (private key)
//   GET    /api/secrets/:id             the destructive view (public or private key, own secrets)
//   GET    /api/secrets[?offset=N]      list, 50 per page, metadata only (private key)
//   DELETE /api/secrets/:id             (private key)
//   POST   /api/secret_requests         (private key)
//   GET    /api/secret_requests[?offset=N]
//   DELETE /api/secret_requests/:id
// Auth: Authorization: ApiKey public_key_… | private_key_…. Bodies {data, metadata}; errors
// {error:{message, field}} with 403 (key), 404 (unknown, viewed, expired), 422 (validation).
#include "anonfs/wire/secrets.hpp"
#include "clock.hpp"
#include "form_rules.hpp"
#include "presign.hpp"
#include "secret_routes.hpp"
#include "service_keys.hpp"
#include "store.hpp"
#include "store_secrets.hpp"
#include "validation.hpp"

namespace anonfs::server {

namespace {

using nlohmann::json;

constexpr std::size_t kIdLength = 8;
constexpr std::int64_t kMaxExpirationHours = 350;
constexpr std::int64_t kMaxRequestExpirationHours = 24 * 365;
constexpr std::size_t kMaxTextLength = 1000;
constexpr std::size_t kMaxPrivatePartLength = 256;
constexpr std::size_t kMaxUserAgent = 512;

struct Allowance {
  std::int64_t secrets_per_month;
  std::int64_t requests_stored;
};

Allowance allowance(Plan plan) noexcept {
  switch (plan) {
    case Plan::kFree:
      return {100, 10};
    case Plan::kPlus:
      return {1000, 100};
    case Plan::kPro:
      return {10000, 1000};
  }
  return {100, 10};
}

[[noreturn]] void fail(int status, const std::string& message, const std::string& field) {
  throw JsonError(status, json{{"error", {{"message", message}, {"field", field}}}});
}

// Authenticates the ApiKey header; public keys only where `allow_public`.
store::ServiceKeyAuth pl_auth(App& app, Context& ctx, bool allow_public) {
  ctx.no_store = true;
  auto key = authorization_token(ctx, "ApiKey");
  if (!key || key->empty()) fail(403, "API key is missing", "api_key");
  auto found = find_service_key(app, *key);
  if (!found || found->kind == store::ServiceKeyKind::kEnigma) {
    fail(403, "Invalid API key", "api_key");
  }
  if (!allow_public && found->kind != store::ServiceKeyKind::kPlPrivate) {
    fail(403, "This action requires a private API key", "api_key");
  }
  return *found;
}

// Caller holds the db lock.
wire::PlMetadata metadata(App& app, const std::string& user_id, bool with_requests) {
  auto user = store::find_user(*app.db, user_id);
  const auto allow = allowance(user ? user->plan : Plan::kFree);
  wire::PlMetadata m;
  m.secrets_total = store::count_pl_secrets(*app.db, user_id);
  m.secrets_usage = store::pl_usage(*app.db, user_id, utc_month(now_ms())).secrets;
  m.secrets_allowance = allow.secrets_per_month;
  if (with_requests) {
    m.secret_requests_total = store::count_pl_requests(*app.db, user_id);
    m.secret_requests_allowance = allow.requests_stored;
  }
  return m;
}

void send_pl(Context& ctx, int status, const json& data, const wire::PlMetadata& meta) {
  send_json(ctx, status, {{"data", data}, {"metadata", meta}});
}

json parse_object(Context& ctx) {
  const json body = json_body_or(
      ctx, JsonError(422, {{"error", {{"message", "Invalid JSON"}, {"field", "base"}}}}));
  if (!body.is_object()) fail(422, "Request body must be a JSON object", "base");
  return body;
}

// Field readers in the seed's loose style: numbers may come as numeric strings and booleans as
// "true"/"false" (the seed's own payload example quotes every value).
std::optional<std::string> text_field(const json& body, const char* key, std::size_t max,
                                      const char* label) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) fail(422, std::string(label) + " must be a string", key);
  if (it->get_ref<const std::string&>().size() > max) {
    fail(422,
         std::string(label) + " is too long (maximum is " + std::to_string(max) + " characters)",
         key);
  }
  return it->get<std::string>();
}

std::optional<std::int64_t> int_field(const json& body, const char* key, std::int64_t min,
                                      std::int64_t max, const char* label) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return std::nullopt;
  std::optional<std::int64_t> v;
  if (it->is_string()) {
    const auto& s = it->get_ref<const std::string&>();
    if (s.empty()) return std::nullopt;
    v = parse_decimal(s);
  } else {
    v = as_integer(*it);
  }
  if (!v || *v < min || *v > max) {
    fail(422,
         std::string(label) + " must be a number from " + std::to_string(min) + " to " +
             std::to_string(max),
         key);
  }
  return v;
}

bool bool_field(const json& body, const char* key, const char* label) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return false;
  if (it->is_boolean()) return it->get<bool>();
  if (it->is_string()) {
    const auto& s = it->get_ref<const std::string&>();
    if (s == "true" || s == "1") return true;
    if (s == "false" || s == "0" || s.empty()) return false;
  }
  fail(422, std::string(label) + " must be true or false", key);
}

std::optional<std::string> email_field(const json& body, const char* key, const char* label) {
  auto v = text_field(body, key, 254, label);
  if (v && !v->empty() && !looks_like_email(*v)) fail(422, std::string(label) + " is invalid", key);
  if (v && v->empty()) return std::nullopt;
  return v;
}

// ---- secrets

void create_secret(App& app, Context& ctx) {
  const auto auth = pl_auth(app, ctx, false);
  const json body = parse_object(ctx);
  store::PlSecretRow row;
  row.user_id = auth.user_id;
  row.ciphertext = text_field(body, "ciphertext", kMaxSecretPayload, "Ciphertext");
  if (!row.ciphertext || row.ciphertext->empty())
    fail(422, "Ciphertext can't be blank", "ciphertext");
  if (!is_base64_text(*row.ciphertext)) fail(422, "Ciphertext must be Base64", "ciphertext");
  row.password_part_private =
      text_field(body, "password_part_private", kMaxPrivatePartLength, "Password part private");
  if (!row.password_part_private || row.password_part_private->empty()) {
    fail(422, "Password part private can't be blank", "password_part_private");
  }
  if (!is_base64_text(*row.password_part_private)) {
    fail(422, "Password part private must be Base64", "password_part_private");
  }
  row.description = text_field(body, "description", kMaxTextLength, "Description");
  row.message = text_field(body, "message", kMaxTextLength, "Message");
  row.expiration_hours = int_field(body, "expiration", 0, kMaxExpirationHours, "Expiration");
  row.view_button = bool_field(body, "view_button", "View button");
  row.captcha = bool_field(body, "captcha", "Captcha");
  const auto password = text_field(body, "password", kMaxPrivatePartLength, "Password");
  row.has_password = password && !password->empty();
  row.max_views = int_field(body, "max_views", 1, 100, "Max views").value_or(1);
  const std::int64_t now = now_ms();
  row.created_at = now;
  if (row.expiration_hours && *row.expiration_hours > 0) {
    row.expires_at = now + *row.expiration_hours * kHourMs;
  }
  const auto month = utc_month(now);
  auto lock = app.db->lock();
  Transaction tx(*app.db);
  if (app.limits->enabled()) {
    const auto meta = metadata(app, auth.user_id, false);
    if (meta.secrets_usage >= meta.secrets_allowance) {
      fail(403, "Monthly secret allowance exceeded", "base");
    }
  }
  do {
    row.id = random_alnum(kIdLength);
  } while (store::find_pl_secret(*app.db, row.id));
  store::insert_pl_secret(*app.db, row);
  store::add_pl_usage(*app.db, auth.user_id, month, 1, 0);
  const auto meta = metadata(app, auth.user_id, false);
  tx.commit();
  send_pl(ctx, 201, {{"id", row.id}}, meta);
}

void view_secret(App& app, Context& ctx) {
  const auto auth = pl_auth(app, ctx, true);
  const auto id = ctx.param(1);
  if (!is_alnum_id(id)) fail(404, "Secret not found", "id");
  const bool head = ctx.req.method == "HEAD";  // probes never count a view
  const std::int64_t now = now_ms();
  auto lock = app.db->lock();
  Transaction tx(*app.db);
  auto row = store::find_pl_secret(*app.db, id);
  if (!row || row->user_id != auth.user_id) fail(404, "Secret not found", "id");
  if (row->view_times >= row->max_views) fail(404, "The secret has already been viewed", "id");
  if (!row->ciphertext || (row->expires_at && *row->expires_at <= now)) {
    fail(404, "The secret has expired", "id");
  }
  const auto meta_before = metadata(app, auth.user_id, false);
  if (head) {
    send_pl(ctx, 200, nullptr, meta_before);
    return;
  }
  wire::PlSecretView out{row->id, *row->ciphertext, *row->password_part_private, row->message};
  store::PlViewRow view;
  view.viewed_at = now;
  view.ip = ctx.client_ip();
  view.user_agent = ctx.req.get_header_value("User-Agent").substr(0, kMaxUserAgent);
  store::record_pl_view(*app.db, id, view, row->view_times + 1 >= row->max_views);
  tx.commit();
  send_pl(ctx, 200, out, meta_before);
}

void list_secrets(App& app, Context& ctx) {
  const auto auth = pl_auth(app, ctx, false);
  const auto offset = offset_param(ctx);
  if (!offset) fail(422, "Offset must be a non-negative integer", "offset");
  const std::int64_t now = now_ms();
  json items = json::array();
  auto lock = app.db->lock();
  for (const auto& row : store::list_pl_secrets(*app.db, auth.user_id, kSecretPageSize, *offset)) {
    wire::PlSecretItem item;
    item.id = row.id;
    item.created_at = iso8601(row.created_at);
    item.message = row.message;
    item.description = row.description;
    item.view_button = row.view_button;
    item.captcha = row.captcha;
    item.password = row.has_password;
    item.expiration = row.expiration_hours;
    item.expired = row.expires_at && *row.expires_at <= now;
    item.view_times = row.view_times;
    item.max_views = row.max_views;
    for (const auto& v : store::pl_views_of(*app.db, row.id))
      item.views.push_back({iso8601(v.viewed_at), v.ip, v.user_agent});
    items.push_back(item);
  }
  send_pl(ctx, 200, items, metadata(app, auth.user_id, false));
}

void delete_secret(App& app, Context& ctx) {
  const auto auth = pl_auth(app, ctx, false);
  const auto id = ctx.param(1);
  if (!is_alnum_id(id)) fail(404, "Secret not found", "id");
  auto lock = app.db->lock();
  Transaction tx(*app.db);
  auto row = store::find_pl_secret(*app.db, id);
  if (!row || row->user_id != auth.user_id) fail(404, "Secret not found", "id");
  store::delete_pl_secret(*app.db, id);
  const auto meta = metadata(app, auth.user_id, false);
  tx.commit();
  send_pl(ctx, 200, nullptr, meta);
}

// ---- secret requests

void create_request(App& app, Context& ctx) {
  const auto auth = pl_auth(app, ctx, false);
  const json body = parse_object(ctx);
  store::PlRequestRow row;
  row.user_id = auth.user_id;
  row.description = text_field(body, "description", kMaxTextLength, "Description");
  row.message = text_field(body, "message", kMaxTextLength, "Message");
  row.expiration_hours = int_field(body, "expiration", 0, kMaxRequestExpirationHours, "Expiration");
  row.use_limit = int_field(body, "limit", 1, 100, "Limit").value_or(1);
  row.send_request_to_email = email_field(body, "send_request_to_email", "Send request to email");
  row.send_to_email = email_field(body, "send_to_email", "Send to email");
  row.secret_description =
      text_field(body, "secret_description", kMaxTextLength, "Secret description");
  row.secret_message = text_field(body, "secret_message", kMaxTextLength, "Secret message");
  row.secret_expiration =
      int_field(body, "secret_expiration", 0, kMaxExpirationHours, "Secret expiration");
  const auto password =
      text_field(body, "secret_password", kMaxPrivatePartLength, "Secret password");
  row.secret_password = password && !password->empty();
  row.secret_max_views = int_field(body, "secret_max_views", 1, 100, "Secret max views");
  const std::int64_t now = now_ms();
  row.created_at = now;
  if (row.expiration_hours && *row.expiration_hours > 0) {
    row.expires_at = now + *row.expiration_hours * kHourMs;
  }
  auto lock = app.db->lock();
  Transaction tx(*app.db);
  if (app.limits->enabled()) {
    const auto meta = metadata(app, auth.user_id, true);
    if (*meta.secret_requests_total >= *meta.secret_requests_allowance) {
      fail(403, "Secret request allowance exceeded", "base");
    }
  }
  row.id = random_uuid();
  store::insert_pl_request(*app.db, row);
  store::add_pl_usage(*app.db, auth.user_id, utc_month(now), 0, 1);
  const auto meta = metadata(app, auth.user_id, true);
  tx.commit();
  send_pl(ctx, 201, {{"id", row.id}}, meta);
}

bool is_uuid(std::string_view s) noexcept {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

void list_requests(App& app, Context& ctx) {
  const auto auth = pl_auth(app, ctx, false);
  const auto offset = offset_param(ctx);
  if (!offset) fail(422, "Offset must be a non-negative integer", "offset");
  json items = json::array();
  auto lock = app.db->lock();
  for (const auto& r : store::list_pl_requests(*app.db, auth.user_id, kSecretPageSize, *offset)) {
    wire::PlRequestItem item;
    item.id = r.id;
    item.description = r.description;
    item.message = r.message;
    item.expiration = r.expiration_hours;
    item.limit = r.use_limit;
    item.send_to_email = r.send_to_email;
    item.secret_description = r.secret_description;
    item.secret_message = r.secret_message;
    item.secret_expiration = r.secret_expiration;
    item.secret_max_views = r.secret_max_views;
    item.secret_password = r.secret_password;
    items.push_back(item);
  }
  send_pl(ctx, 200, items, metadata(app, auth.user_id, true));
}

void delete_request(App& app, Context& ctx) {
  const auto auth = pl_auth(app, ctx, false);
  const auto id = ctx.param(1);
  if (!is_uuid(id)) fail(404, "Secret request not found", "id");
  auto lock = app.db->lock();
  Transaction tx(*app.db);
  auto row = store::find_pl_request(*app.db, id);
  if (!row || row->user_id != auth.user_id) fail(404, "Secret request not found", "id");
  store::delete_pl_request(*app.db, id);
  const auto meta = metadata(app, auth.user_id, true);
  tx.commit();
  send_pl(ctx, 200, nullptr, meta);
}

}  // namespace

void register_passwordlink_routes(Router& router) {
  App& app = router.app();
  auto route = [&app](void (*fn)(App&, Context&)) {
    return with_json_errors([&app, fn](Context& ctx) { fn(app, ctx); });
  };
  router.post("/api/secrets", route(create_secret));
  router.get("/api/secrets", route(list_secrets));
  router.get("/api/secrets/([^/]+)", route(view_secret));
  router.del("/api/secrets/([^/]+)", route(delete_secret));
  router.post("/api/secret_requests", route(create_request));
  router.get("/api/secret_requests", route(list_requests));
  router.del("/api/secret_requests/([^/]+)", route(delete_request));
}

}  // namespace anonfs::server
