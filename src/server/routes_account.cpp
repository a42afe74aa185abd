// GET /api/v1/me (protocol §1.7).
#include "anonfs/wire/me.hpp"
#include "auth.hpp"
#include "clock.hpp"
#include "plans.hpp"
#include "router.hpp"

namespace anonfs::server {

namespace {
void me(App& app, Context& ctx) {
  require_api_key(app, ctx, /*personal_only=*/true);
  app.limits->check(ctx, limiter::kApi, ctx.user().id);
  const auto& plan = plan_limits(ctx.user().plan);
  wire::Me out;
  {
    auto lock = app.db->lock();
    auto user = store::find_user(*app.db, ctx.user().id);
    if (!user) throw unauthorized("Invalid API key");
    out.id = user->id;
    out.email = user->email;
    out.name = user->name;
    out.tier = to_string(user->plan);
    out.product = "bundle";
    out.created_at = iso8601(user->created_at);
    out.drops_count = store::count_user_drops(*app.db, user->id);
    out.storage = {std::to_string(user->storage_used), std::to_string(plan.storage_limit)};
    out.vault_configured = store::find_vault(*app.db, user->id).has_value();
  }
  out.recipients = {0, plan.recipients_limit};
  out.limits.max_file_size = std::to_string(plan.max_file_size);
  out.limits.max_expiry_days = plan.max_expiry_days;
  out.limits.api_requests = plan.monthly_api_requests;
  out.features = plan.features;
  send_data(ctx, out);
}
}  // namespace

void register_account_routes(Router& router) {
  App& app = router.app();
  router.get("/api/v1/me", [&app](Context& ctx) { me(app, ctx); });
}

}  // namespace anonfs::server
