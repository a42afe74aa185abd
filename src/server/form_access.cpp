#include "form_access.hpp"

#include "anonfs/crypto/bytes.hpp"
#include "anonfs/crypto/form_keys.hpp"
#include "auth.hpp"
#include "limits.hpp"
#include "plans.hpp"

namespace anonfs::server {

void form_owner_preamble(App& app, Context& ctx, const LimiterSpec& spec) {
  require_api_key(app, ctx, /*personal_only=*/false);
  app.limits->consume_quota(ctx, QuotaBucket::kForm);
  app.limits->check(ctx, spec, ctx.user().id);
}

void respondent_preamble(App& app, Context& ctx) {
  authenticate(app, ctx);
  if (ctx.auth) {
    ctx.no_store = true;
    app.limits->check(ctx, limiter::kFormSubmitAuth, ctx.user().id);
  } else {
    app.limits->check(ctx, limiter::kFormSubmit, ctx.client_ip());
  }
}

void require_form_id(const std::string& id) {
  if (!is_form_id(id)) {
    throw validation_error(
        "Invalid form ID",
        nlohmann::json::array({{{"field", "id"}, {"message", "Invalid form ID"}}}));
  }
}

HttpError gone(const std::string& message) {
  return HttpError(410, ErrorShape::kEnvelope, "GONE", message);
}

HttpError form_upgrade_required(const std::string& message, const char* scope, Plan plan,
                                std::optional<std::int64_t> current,
                                std::optional<std::int64_t> limit) {
  nlohmann::json upgrade = {{"scope", scope},
                            {"currentTier", to_string(plan)},
                            {"suggestedTier", to_string(suggested_upgrade(plan))}};
  if (current) upgrade["currentValue"] = *current;
  if (limit) upgrade["limitValue"] = *limit;
  return payment_required(message, std::move(upgrade));
}

store::Form load_owned_form(App& app, Context& ctx, const std::string& id) {
  require_form_id(id);
  auto form = store::find_form(*app.db, id);
  if (!form) throw not_found("Form not found");
  if (form->user_id != ctx.user().id) {
    throw forbidden("You do not have permission to access this form");
  }
  return *form;
}

bool turnstile_required(const App& app, const Context& ctx) {
  return app.turnstile && !ctx.auth;
}

void check_turnstile(App& app, const Context& ctx, const std::optional<std::string>& token) {
  if (!turnstile_required(app, ctx)) return;
  if (!token) throw validation_error("Verification required");
  if (!app.turnstile->verify(*token, ctx.client_ip())) {
    throw validation_error("Bot verification failed");
  }
}

bool form_proof_ok(const store::Form& form, const std::optional<std::string>& proof) {
  if (!proof || !form.custom_key_verifier) return false;
  return crypto::verify_form_proof(crypto::as_bytes(*proof), *form.custom_key_verifier);
}

bool form_active(const store::Form& form, const std::optional<store::User>& owner) {
  return form.active && !form.disabled_by_user && owner && !owner->banned &&
         (!form.custom_key || form_plan(owner->plan).custom_key);
}

bool form_closed(const store::Form& form, std::int64_t now) {
  return form.closes_at && *form.closes_at <= now;
}

void require_public_open(const store::Form& form, const std::optional<store::User>& owner,
                         std::int64_t now) {
  if (form.taken_down) throw gone("Form has been taken down");
  if (!form_active(form, owner)) throw gone("This form is disabled");
  if (form_closed(form, now)) throw gone("This form is closed");
}

void require_accepting(const store::Form& form, const std::optional<store::User>& owner,
                       const std::optional<std::string>& proof, std::int64_t now) {
  if (form.taken_down) throw gone("This form has been taken down");
  if (!form.active || form.disabled_by_user || !owner || owner->banned) {
    throw forbidden("This form is not accepting submissions");
  }
  if (form_closed(form, now)) throw gone("This form is closed");
  if (form.max_submissions && form.submissions_count >= *form.max_submissions) {
    throw forbidden("This form has reached its submission limit");
  }
  if (form.custom_key) {
    if (!form_plan(owner->plan).custom_key) {
      throw form_upgrade_required("Password-protected forms require a paid plan", "form_password",
                                  owner->plan);
    }
    if (!form_proof_ok(form, proof)) throw forbidden("Invalid form password");
  }
}

std::vector<std::string> delete_form_drop(App& app, const std::string& drop_id) {
  std::vector<std::string> removed;
  auto drop = store::find_drop(*app.db, drop_id);
  if (!drop) return removed;
  std::int64_t reserved = 0;
  for (const auto& f : store::files_of(*app.db, drop_id)) {
    reserved += f.size;
    removed.push_back(f.id);
  }
  store::delete_drop_row(*app.db, drop_id);
  if (drop->user_id) store::add_storage(*app.db, *drop->user_id, -reserved);
  return removed;
}

}  // namespace anonfs::server
