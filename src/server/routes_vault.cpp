// Vault routes usable with an API key (protocol §8.1) and the reference server's extensions:
// POST /api/v1/vault/setup and GET /api/v1/vault/form-keys.
#include <algorithm>
#include <cctype>

#include "anonfs/crypto/base64.hpp"
#include "anonfs/wire/form.hpp"
#include "anonfs/wire/vault.hpp"
#include "auth.hpp"
#include "clock.hpp"
#include "form_rules.hpp"
#include "ids.hpp"
#include "password_hash.hpp"
#include "router.hpp"
#include "store_forms.hpp"
#include "validation.hpp"

namespace anonfs::server {

namespace {

const char* const kInvalidBody = "Invalid request body";

std::string normalise_email(std::string email) {
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  email.erase(email.begin(), std::find_if(email.begin(), email.end(), not_space));
  email.erase(std::find_if(email.rbegin(), email.rend(), not_space).base(), email.end());
  std::transform(email.begin(), email.end(), email.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return email;
}

void require_b64u(JsonFields& f, const char* key, const std::optional<std::string>& v) {
  if (v && !ids::is_base64url(*v)) f.issue(key, "Invalid base64url");
}

// ---- POST /api/vault/bootstrap (no auth)
// ---------------------------------------------------------
void bootstrap(App& app, Context& ctx) {
  app.limits->check(ctx, limiter::kVaultBootstrap, "ip:" + ctx.client_ip());
  auto body = ctx.json_body(validation_error(kInvalidBody));
  Issues issues;
  JsonFields f(body, issues);
  auto raw = f.string("email", true, 1, 320);
  std::string email;
  if (raw) {
    email = normalise_email(*raw);
    if (!looks_like_email(email)) f.issue("email", "Invalid email");
  }
  if (!issues.empty()) throw validation_error("Validation failed", issues.details());
  app.limits->check(ctx, limiter::kVaultBootstrap, "email:" + email);

  wire::VaultBootstrapResponse out;
  {
    auto lock = app.db->lock();
    auto user = store::find_user_by_email(*app.db, email);
    std::optional<store::Vault> vault;
    if (user) vault = store::find_vault(*app.db, user->id);
    if (vault) {
      out.authSalt = vault->auth_salt;
    }
  }
  if (out.authSalt.empty()) {
    // Deterministic fake salt, so the route does not reveal which accounts exist.
    out.authSalt = crypto::base64url_encode(app.secret->hmac("vault-bootstrap:" + email));
  }
  send_data(ctx, out);
}

// ---- POST /api/v1/vault/unlock -----------------------------------------------------------------
void unlock(App& app, Context& ctx) {
  require_api_key(app, ctx, /*personal_only=*/true);
  app.limits->check(ctx, limiter::kVaultOps, ctx.user().id);
  auto body = ctx.json_body(validation_error(kInvalidBody));
  Issues issues;
  JsonFields f(body, issues);
  f.strict({"auth_secret"});
  auto secret = f.string("auth_secret", true, 16, 2048);
  require_b64u(f, "auth_secret", secret);
  if (!issues.empty()) throw validation_error("Validation failed", issues.details());

  std::optional<store::Vault> vault;
  {
    auto lock = app.db->lock();
    vault = store::find_vault(*app.db, ctx.user().id);
  }
  if (!vault) throw not_found("Vault security is not configured");
  if (!verify_secret(*secret, vault->auth_hash)) throw unauthorized("Incorrect vault password");
  wire::VaultUnlockResponse out;
  out.vault_id = vault->vault_id;
  out.vault_generation = vault->generation;
  out.vault_salt = vault->vault_salt;
  out.password_wrapped_vault_key = vault->wrapped_vault_key;
  out.kdf_version = vault->kdf_version;
  send_data(ctx, out);
}

// ---- POST /api/v1/vault/setup (extension)
// --------------------------------------------------------
void setup(App& app, Context& ctx) {
  require_api_key(app, ctx, /*personal_only=*/true);
  app.limits->check(ctx, limiter::kVaultOps, ctx.user().id);
  auto body = ctx.json_body(validation_error(kInvalidBody));
  Issues issues;
  JsonFields f(body, issues);
  f.strict({"authSalt", "auth_secret", "vault_salt", "password_wrapped_vault_key", "kdf_version"});
  auto auth_salt = f.string("authSalt", true, 43, 43);
  require_b64u(f, "authSalt", auth_salt);
  auto secret = f.string("auth_secret", true, 16, 2048);
  require_b64u(f, "auth_secret", secret);
  auto vault_salt = f.string("vault_salt", true, 43, 43);
  require_b64u(f, "vault_salt", vault_salt);
  auto wrapped = f.string("password_wrapped_vault_key", true, 54, 54);
  require_b64u(f, "password_wrapped_vault_key", wrapped);
  f.integer("kdf_version", false, 1, 1);
  if (!issues.empty()) throw validation_error("Validation failed", issues.details());

  const std::int64_t now = now_ms();
  store::Vault vault;
  vault.user_id = ctx.user().id;
  vault.vault_id = ids::cuid();
  vault.generation = 1;
  vault.auth_salt = *auth_salt;
  vault.auth_hash = hash_secret(*secret);
  vault.vault_salt = *vault_salt;
  vault.wrapped_vault_key = *wrapped;
  vault.kdf_version = 1;
  vault.created_at = vault.updated_at = now;
  {
    auto lock = app.db->lock();
    Transaction tx(*app.db);
    if (store::find_vault(*app.db, ctx.user().id)) {
      throw conflict("Vault security is already configured");
    }
    store::insert_vault(*app.db, vault);
    tx.commit();
  }
  send_data(ctx, wire::VaultSetupResponse{vault.vault_id, vault.generation, vault.kdf_version});
}

// ---- GET /api/v1/vault/drop-keys ---------------------------------------------------------------
void list_drop_keys(App& app, Context& ctx) {
  require_api_key(app, ctx, /*personal_only=*/true);
  app.limits->check(ctx, limiter::kVaultDropKeysRead, ctx.user().id);
  std::optional<std::string> drop_id;
  if (ctx.req.has_param("drop_id")) {
    drop_id = ctx.req.get_param_value("drop_id");
  } else if (ctx.req.has_param("dropId")) {
    drop_id = ctx.req.get_param_value("dropId");
  }
  if (drop_id && (drop_id->empty() || drop_id->size() > 64)) {
    throw validation_error("Validation failed",
                           nlohmann::json::array({{{"field", "drop_id"}, {"message", "Invalid"}}}));
  }
  auto lock = app.db->lock();
  if (drop_id) {
    auto key = store::find_owner_key(*app.db, *drop_id);
    std::optional<store::Drop> drop;
    if (key) drop = store::find_drop(*app.db, *drop_id);
    if (!key || key->user_id != ctx.user().id || !drop || drop->deleted_at) {
      throw not_found("Drop key not found");
    }
    lock.unlock();
    send_data(ctx, wire::DropKey{key->drop_id, key->wrapped_key, key->vault_generation});
    return;
  }
  std::vector<wire::DropKey> out;
  for (const auto& k : store::owner_keys_of(*app.db, ctx.user().id)) {
    out.push_back({k.drop_id, k.wrapped_key, k.vault_generation});
  }
  lock.unlock();
  send_data(ctx, out);
}

// ---- POST /api/v1/vault/drop-keys --------------------------------------------------------------
void put_drop_key(App& app, Context& ctx) {
  require_api_key(app, ctx, /*personal_only=*/true);
  app.limits->check(ctx, limiter::kVaultOps, ctx.user().id);
  auto body = ctx.json_body(validation_error(kInvalidBody));
  Issues issues;
  JsonFields f(body, issues);
  f.strict({"drop_id", "wrapped_key", "vault_id", "vault_generation"});
  auto drop_id = f.string("drop_id", true, 1, 64);
  auto wrapped = f.string("wrapped_key", true, 16, 2048);
  require_b64u(f, "wrapped_key", wrapped);
  auto vault_id = f.string("vault_id", true, 1, 64);
  auto generation = f.integer("vault_generation", true, 1, INT32_MAX);
  if (!issues.empty()) throw validation_error("Validation failed", issues.details());

  auto lock = app.db->lock();
  Transaction tx(*app.db);
  auto vault = store::find_vault(*app.db, ctx.user().id);
  if (!vault) throw not_found("Vault security is not configured");
  auto drop = store::find_drop(*app.db, *drop_id);
  if (!drop || drop->deleted_at || drop->user_id != ctx.user().id) {
    throw not_found("Drop not found");
  }
  if (vault->vault_id != *vault_id) throw conflict("Vault identity mismatch");
  if (vault->generation != *generation) throw conflict("Vault generation mismatch");
  store::upsert_owner_key(*app.db, {*drop_id, ctx.user().id, *wrapped, *generation, now_ms()});
  tx.commit();
  lock.unlock();
  send_data(ctx, wire::PutDropKeyResponse{*drop_id, *generation});
}

// ---- GET /api/v1/vault/form-keys[?formId=] (extension) ------------------------------------------
// The wrapped form private keys stored at form creation (§10.4), which the seed Form document
// reads from this route (the real service only has the session route /api/vault/form-keys).
void list_form_keys(App& app, Context& ctx) {
  require_api_key(app, ctx, /*personal_only=*/true);
  app.limits->check(ctx, limiter::kVaultDropKeysRead, ctx.user().id);
  std::optional<std::string> form_id;
  if (ctx.req.has_param("formId")) {
    form_id = ctx.req.get_param_value("formId");
  } else if (ctx.req.has_param("form_id")) {
    form_id = ctx.req.get_param_value("form_id");
  }
  if (form_id && !is_form_id(*form_id)) {
    throw validation_error("Validation failed",
                           nlohmann::json::array({{{"field", "formId"}, {"message", "Invalid"}}}));
  }
  auto lock = app.db->lock();
  if (form_id) {
    auto key = store::find_form_owner_key(*app.db, *form_id);
    if (!key || key->user_id != ctx.user().id) throw not_found("Form key not found");
    lock.unlock();
    // `wrapped` also at the top level, where the seed document's example destructures it.
    wire::Meta meta;
    meta.request_id = ctx.request_id;
    auto body = wire::make_envelope(
        wire::FormKey{key->form_id, key->wrapped_key, key->vault_generation}, meta);
    body["wrapped"] = key->wrapped_key;
    send_json(ctx, 200, body);
    return;
  }
  std::vector<wire::FormKey> out;
  for (const auto& k : store::form_owner_keys_of(*app.db, ctx.user().id)) {
    out.push_back({k.form_id, k.wrapped_key, k.vault_generation});
  }
  lock.unlock();
  send_data(ctx, out);
}

}  // namespace

void register_vault_routes(Router& router) {
  App& app = router.app();
  router.post("/api/vault/bootstrap", [&app](Context& ctx) { bootstrap(app, ctx); });
  router.post("/api/v1/vault/unlock", [&app](Context& ctx) { unlock(app, ctx); });
  router.post("/api/v1/vault/setup", [&app](Context& ctx) { setup(app, ctx); });
  router.get("/api/v1/vault/drop-keys", [&app](Context& ctx) { list_drop_keys(app, ctx); });
  router.post("/api/v1/vault/drop-keys", [&app](Context& ctx) { put_drop_key(app, ctx); });
  router.get("/api/v1/vault/form-keys", [&app](Context& ctx) { list_form_keys(app, ctx); });
}

}  // namespace anonfs::server
