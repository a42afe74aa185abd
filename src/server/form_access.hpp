// Shared pieces of the Form API routes: the owner preamble (auth, monthly form quota, limiter),
// loading forms with the service's error statuses, plan-limit errors, the Turnstile policy, the
// password-proof check (§12) and the "is this form accepting responses" rules (§9.8, §11).
#pragma once

#include <optional>
#include <string>

#include "app.hpp"
#include "form_rules.hpp"
#include "http_context.hpp"
#include "store.hpp"
#include "store_forms.hpp"

namespace anonfs::server {

// require_api_key (personal or org), one unit of the `form` quota bucket, then `spec` per user.
void form_owner_preamble(App& app, Context& ctx, const LimiterSpec& spec);
// Respondent routes (submit, upload-token): optional API key; formSubmitAuth per user when signed
// in, formSubmit per IP otherwise.
void respondent_preamble(App& app, Context& ctx);

// 400 VALIDATION_ERROR "Invalid form ID" unless `id` is 12 [0-9a-z].
void require_form_id(const std::string& id);
// 410 GONE envelope.
HttpError gone(const std::string& message);
// 402 PAYMENT_REQUIRED with details.upgrade for `scope`.
HttpError form_upgrade_required(const std::string& message, const char* scope, Plan plan,
                                std::optional<std::int64_t> current = std::nullopt,
                                std::optional<std::int64_t> limit = std::nullopt);

// Loads a form of the caller (lock held by the caller): 400 bad id, 404 missing, 403 not theirs.
store::Form load_owned_form(App& app, Context& ctx, const std::string& id);

// Cloudflare Turnstile (§9.8, §11, §15.12; seed Form document). Off unless the server has a
// Turnstile secret. When on, only anonymous callers are asked for it (the seed: "Required for
// anonymous submissions when Turnstile is enabled"; the service also asks signed-in callers,
// §15.12): no token → 400 "Verification required"; a token the verify endpoint does not accept
// (or an unreachable endpoint, a timeout, a reply that is not JSON) → 400 "Bot verification
// failed". It makes an outbound HTTP call: call it with no lock held.
bool turnstile_required(const App& app, const Context& ctx);
void check_turnstile(App& app, const Context& ctx, const std::optional<std::string>& token);

// base64url(SHA-256(proof)) equals the stored verifier (constant time).
bool form_proof_ok(const store::Form& form, const std::optional<std::string>& proof);

// Whether the owner has the form switched on and can serve it: enabled, not disabled by the user,
// owner present and not banned, and (for password forms) the plan still allows passwords. This is
// §9.4's `active`; it does not look at closes_at or takedowns.
bool form_active(const store::Form& form, const std::optional<store::User>& owner);
bool form_closed(const store::Form& form, std::int64_t now);  // closes_at has passed

// Public form GET and unlock (seed Form document: "Returns 410 Gone if the form has been taken
// down, disabled, or closed"): 410 GONE envelope unless the form is active and open.
void require_public_open(const store::Form& form, const std::optional<store::User>& owner,
                         std::int64_t now);

// Throws unless the form accepts responses now. Seed Form document where it is explicit: taken
// down or closed (closes_at passed) → 410 GONE, disabled → 403. Protocol §9.8 otherwise:
// maxSubmissions reached or owner unavailable → 403, password feature lost → 402, missing/wrong
// proof → 403.
void require_accepting(const store::Form& form, const std::optional<store::User>& owner,
                       const std::optional<std::string>& proof, std::int64_t now);

// Deletes an attachment drop with its objects' reservation (lock and transaction held by the
// caller); returns its file ids, whose objects the caller removes after committing.
std::vector<std::string> delete_form_drop(App& app, const std::string& drop_id);

}  // namespace anonfs::server
