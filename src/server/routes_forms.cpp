// Form API routes (protocol §9.2–§9.7, seed Form document): owner list/create/update/toggle/delete,
// the public form GET (enveloped, as the seed shows it) and the password unlock of protected
// forms (§12).
#include "routes_forms.hpp"

#include "anonfs/wire/form.hpp"
#include "auth.hpp"
#include "clock.hpp"
#include "form_access.hpp"
#include "ids.hpp"
#include "plans.hpp"

namespace anonfs::server {

namespace {

using nlohmann::json;

const char* const kInvalidBody = "Invalid request body";

std::optional<std::string> iso_opt(const std::optional<std::int64_t>& ms) {
  if (!ms) return std::nullopt;
  return iso8601(*ms);
}

// Parses a query integer; nullopt when absent or not a non-negative decimal.
std::optional<std::int64_t> query_int(Context& ctx, const char* name) {
  if (!ctx.req.has_param(name)) return std::nullopt;
  return parse_decimal(ctx.req.get_param_value(name));
}

// The stored schema with the top-level values the server reconciles into it (§9.3). The schema's
// own `title` is optional on input (the seed's example has none) and always set here.
void reconcile_schema(store::Form& form, json schema) {
  schema["title"] = form.title;
  if (form.description) {
    schema["description"] = *form.description;
  } else {
    schema.erase("description");
  }
  schema["notifyOnSubmission"] = form.notify_on_submission;
  form.schema_json = schema.dump();
}

// Plan gates shared by create and update (402 with details.upgrade).
void check_form_plan(const FormInput& in, Plan plan) {
  const auto& fp = form_plan(plan);
  if (in.custom_key.value_or(false) && !fp.custom_key) {
    throw form_upgrade_required("Password-protected forms require the Plus or Pro plan",
                                "form_password", plan);
  }
  if (in.hide_branding.value_or(false) && !fp.hide_branding) {
    throw form_upgrade_required("Removing branding requires the Pro plan", "form_branding", plan);
  }
  if (in.max_file_size_override && *in.max_file_size_override &&
      **in.max_file_size_override > fp.attachment_cap) {
    throw form_upgrade_required("File size override exceeds your plan's attachment limit",
                                "form_attachment_size", plan, **in.max_file_size_override,
                                fp.attachment_cap);
  }
}

void check_active_cap(App& app, const store::User& user) {
  const auto& fp = form_plan(user.plan);
  const auto active = store::count_active_forms(*app.db, user.id);
  if (active >= fp.forms_limit) {
    throw form_upgrade_required("Active form limit reached for your plan", "form_forms", user.plan,
                                active, fp.forms_limit);
  }
}

bool counts_as_active(const store::Form& f) {
  return f.active && !f.disabled_by_user && !f.taken_down;
}

// The caller's vault must match the identity and generation the wrapped key was made for.
void check_vault(App& app, const store::User& user, const FormInput& in) {
  auto vault = store::find_vault(*app.db, user.id);
  if (!vault) throw not_found("Vault security is not configured");
  if (vault->vault_id != *in.vault_id) throw conflict("Vault identity mismatch");
  if (vault->generation != *in.vault_generation) throw conflict("Vault generation mismatch");
}

void apply_custom_key(store::Form& form, const FormInput& in) {
  if (!in.custom_key) return;
  form.custom_key = *in.custom_key;
  if (form.custom_key) {
    form.salt = in.salt;
    form.custom_key_data = in.custom_key_data;
    form.custom_key_iv = in.custom_key_iv;
    form.custom_key_verifier = in.custom_key_verifier;
  } else {
    form.salt = form.custom_key_data = form.custom_key_iv = form.custom_key_verifier = std::nullopt;
  }
}

// ---- GET /api/v1/form --------------------------------------------------------------------------
void list_forms(App& app, Context& ctx) {
  form_owner_preamble(app, ctx, limiter::kFormList);
  std::int64_t limit = 25, offset = 0;
  if (ctx.req.has_param("limit")) {
    auto v = query_int(ctx, "limit");
    if (v) {
      limit = std::clamp<std::int64_t>(*v, 1, 100);
    } else if (ctx.req.get_param_value("limit").rfind('-', 0) == 0) {
      limit = 1;
    }
  }
  offset = query_int(ctx, "offset").value_or(0);
  // Forms are hard-deleted (§9.6), so includeDeleted=true has nothing more to show.
  std::vector<wire::FormListItem> items;
  wire::Meta meta;
  wire::FormPlanMeta plan;
  {
    auto lock = app.db->lock();
    meta.total = store::count_user_forms(*app.db, ctx.user().id);
    for (const auto& f : store::list_user_forms(*app.db, ctx.user().id, limit, offset)) {
      wire::FormListItem item;
      item.id = f.id;
      item.title = f.title;
      item.description = f.description;
      item.active = f.active;
      item.disabled_by_user = f.disabled_by_user;
      item.taken_down = f.taken_down;
      item.allow_file_uploads = f.allow_file_uploads;
      item.submissions_count = f.submissions_count;
      item.max_submissions = f.max_submissions;
      item.closes_at = iso_opt(f.closes_at);
      item.hide_branding = f.hide_branding;
      item.notify_on_submission = f.notify_on_submission;
      item.created_at = iso8601(f.created_at);
      item.updated_at = iso8601(f.updated_at);
      items.push_back(std::move(item));
    }
    const auto& fp = form_plan(ctx.user().plan);
    plan.forms_limit = fp.forms_limit;
    plan.submissions_per_month = fp.submissions_per_month;
    plan.submissions_used_current_month =
        store::submissions_in_month(*app.db, ctx.user().id, utc_month(now_ms()));
    plan.retention_days = fp.retention_days;
  }
  meta.request_id = ctx.request_id;
  meta.limit = limit;
  meta.offset = offset;
  meta.has_more = offset + static_cast<std::int64_t>(items.size()) < *meta.total;
  json meta_json = meta;
  meta_json["plan"] = plan;
  send_json(ctx, 200, {{"data", items}, {"meta", meta_json}});
}

// ---- POST /api/v1/form (keys stripped) ---------------------------------------------------------
void create_form(App& app, Context& ctx) {
  form_owner_preamble(app, ctx, limiter::kFormCreate);
  auto body = ctx.json_body(validation_error(kInvalidBody));
  Issues issues;
  auto in = parse_create_form(body, issues);
  if (!issues.empty()) throw validation_error("Validation failed", issues.details());
  const auto& user = ctx.user();
  check_form_plan(in, user.plan);

  const std::int64_t now = now_ms();
  store::Form form;
  form.id = new_form_id();
  form.user_id = user.id;
  form.title = *in.title;
  form.description = in.description ? *in.description : std::nullopt;
  form.public_key = *in.public_key;
  form.max_file_size_override = in.max_file_size_override.value_or(std::nullopt);
  form.max_submissions = in.max_submissions.value_or(std::nullopt);
  form.closes_at = in.closes_at.value_or(std::nullopt);
  form.hide_branding = in.hide_branding.value_or(false);
  form.notify_on_submission = in.notify_on_submission.value_or(true);
  form.allow_file_uploads = in.allow_file_uploads.value_or(false);  // seed: default false
  apply_custom_key(form, in);
  form.created_at = form.updated_at = now;
  reconcile_schema(form, *in.schema);
  {
    auto lock = app.db->lock();
    Transaction tx(*app.db);
    check_vault(app, user, in);
    check_active_cap(app, user);
    store::insert_form(*app.db, form);
    store::upsert_form_owner_key(
        *app.db, {form.id, user.id, *in.wrapped_private_key, *in.vault_generation, now});
    tx.commit();
  }
  send_data(ctx, wire::CreateFormResponse{form.id, form.title, form.public_key,
                                          iso8601(form.created_at)});
}

// ---- GET /api/v1/form/:id (public, enveloped) -------------------------------------------------
// The seed Form document shows an envelope and 410 for taken-down, disabled or closed forms; the
// service answers bare snake_case and 410 only for takedowns (§9.4, §15.4).
void get_public_form(App& app, Context& ctx) {
  const auto id = ctx.param(1);
  app.limits->check(ctx, limiter::kFormPublic, ctx.client_ip());
  app.limits->check(ctx, limiter::kFormPublicPerForm, ctx.client_ip() + ":" + id);
  require_form_id(id);
  wire::PublicForm out;
  {
    auto lock = app.db->lock();
    auto form = store::find_form(*app.db, id);
    if (!form) throw not_found("Form not found");
    auto owner = store::find_user(*app.db, form->user_id);
    require_public_open(*form, owner, now_ms());
    auto schema = json::parse(form->schema_json);
    out.id = form->id;
    out.title = form->title;
    out.description = form->description;
    out.field_count = schema_info(schema).field_count;
    out.schema = form->custom_key ? json(nullptr) : std::move(schema);
    out.public_key = form->public_key;
    out.custom_key = form->custom_key;
    out.salt = form->salt;
    out.custom_key_data = form->custom_key_data;
    out.custom_key_iv = form->custom_key_iv;
    out.active = true;  // require_public_open passed
    out.hide_branding = form->hide_branding;
    out.closes_at = iso_opt(form->closes_at);
    out.allow_file_uploads = form->allow_file_uploads;
    out.max_file_size_override = form->max_file_size_override;
  }
  send_data(ctx, out);
}

// ---- PATCH /api/v1/form/:id[?action=update|toggle] ---------------------------------------------
void toggle_form(App& app, Context& ctx, const std::string& id) {
  bool disabled = false;
  {
    auto lock = app.db->lock();
    Transaction tx(*app.db);
    auto form = load_owned_form(app, ctx, id);
    const bool was_active = counts_as_active(form);
    form.disabled_by_user = !form.disabled_by_user;
    if (!was_active && counts_as_active(form)) check_active_cap(app, ctx.user());
    form.updated_at = now_ms();
    store::update_form(*app.db, form);
    disabled = form.disabled_by_user;
    tx.commit();
  }
  send_data(ctx, wire::ToggleFormResponse{disabled});
}

void update_form(App& app, Context& ctx, const std::string& id) {
  auto body = ctx.json_body(validation_error(kInvalidBody));
  Issues issues;
  auto in = parse_update_form(body, issues);
  if (!issues.empty()) throw validation_error("Validation failed", issues.details());
  check_form_plan(in, ctx.user().plan);
  store::Form form;
  {
    auto lock = app.db->lock();
    Transaction tx(*app.db);
    form = load_owned_form(app, ctx, id);
    const bool was_active = counts_as_active(form);
    json schema = in.schema ? *in.schema : json::parse(form.schema_json);
    if (in.title) form.title = *in.title;
    if (in.description) form.description = *in.description;
    if (in.active) form.active = *in.active;
    if (in.disabled_by_user) form.disabled_by_user = *in.disabled_by_user;
    if (in.max_file_size_override) form.max_file_size_override = *in.max_file_size_override;
    if (in.max_submissions) form.max_submissions = *in.max_submissions;
    if (in.closes_at) form.closes_at = *in.closes_at;
    if (in.hide_branding) form.hide_branding = *in.hide_branding;
    if (in.notify_on_submission) form.notify_on_submission = *in.notify_on_submission;
    if (in.allow_file_uploads) form.allow_file_uploads = *in.allow_file_uploads;
    apply_custom_key(form, in);
    // Key rotation (the seed allows every create field; §9.5's service refuses publicKey). The
    // parser requires publicKey, wrappedPrivateKey, vaultId and vaultGeneration together.
    if (in.public_key) {
      check_vault(app, ctx.user(), in);
      form.public_key = *in.public_key;
      store::upsert_form_owner_key(*app.db, {form.id, ctx.user().id, *in.wrapped_private_key,
                                             *in.vault_generation, now_ms()});
    }
    reconcile_schema(form, std::move(schema));
    if (!was_active && counts_as_active(form)) check_active_cap(app, ctx.user());
    form.updated_at = std::max(now_ms(), form.updated_at);
    store::update_form(*app.db, form);
    tx.commit();
  }
  send_data(ctx, wire::UpdateFormResponse{form.id, iso8601(form.updated_at)});
}

void patch_form(App& app, Context& ctx) {
  form_owner_preamble(app, ctx, limiter::kFormOps);
  const auto id = ctx.param(1);
  const auto action = ctx.req.get_param_value("action");
  if (action == "toggle") return toggle_form(app, ctx, id);
  if (action.empty() || action == "update") return update_form(app, ctx, id);
  throw bad_request("Invalid action. Use ?action=update or ?action=toggle");
}

// ---- DELETE /api/v1/form/:id -------------------------------------------------------------------
void delete_form(App& app, Context& ctx) {
  form_owner_preamble(app, ctx, limiter::kFormOps);
  const auto id = ctx.param(1);
  std::vector<std::string> removed;
  {
    auto lock = app.db->lock();
    Transaction tx(*app.db);
    load_owned_form(app, ctx, id);
    for (const auto& drop_id : store::drops_of_form(*app.db, id)) {
      auto files = delete_form_drop(app, drop_id);
      removed.insert(removed.end(), files.begin(), files.end());
    }
    store::delete_form_row(*app.db, id);  // submissions, owner key and tokens cascade
    tx.commit();
  }
  for (const auto& f : removed)
    app.blobs->remove(f);
  send_data(ctx, wire::DeletedResponse{true, id});
}

// ---- POST /api/v1/form/:id/unlock (no auth) ----------------------------------------------------
void unlock_form(App& app, Context& ctx) {
  app.limits->check(ctx, limiter::kFormUnlock, ctx.client_ip());
  const auto id = ctx.param(1);
  require_form_id(id);
  auto body = ctx.json_body(validation_error(kInvalidBody));
  Issues issues;
  auto proof = parse_unlock(body, issues);
  if (!issues.empty()) throw validation_error("Validation failed", issues.details());
  json schema;
  {
    auto lock = app.db->lock();
    auto form = store::find_form(*app.db, id);
    if (!form) throw not_found("Form not found");
    // Unlock is the schema fetch of a protected form: available exactly when the public GET is.
    require_public_open(*form, store::find_user(*app.db, form->user_id), now_ms());
    if (!form->custom_key) throw bad_request("This form is not password protected");
    if (!form_proof_ok(*form, proof)) throw forbidden("Invalid form password");
    schema = json::parse(form->schema_json);
  }
  send_data(ctx, json{{"schema", schema}});
}

}  // namespace

void register_form_routes(Router& router) {
  App& app = router.app();
  const std::string id = "([^/]+)";
  router.get("/api/v1/form", [&app](Context& ctx) { list_forms(app, ctx); });
  router.post("/api/v1/form", [&app](Context& ctx) { create_form(app, ctx); });
  router.get("/api/v1/form/" + id, [&app](Context& ctx) { get_public_form(app, ctx); });
  router.patch("/api/v1/form/" + id, [&app](Context& ctx) { patch_form(app, ctx); });
  router.del("/api/v1/form/" + id, [&app](Context& ctx) { delete_form(app, ctx); });
  router.post("/api/v1/form/" + id + "/unlock", [&app](Context& ctx) { unlock_form(app, ctx); });
}

}  // namespace anonfs::server
