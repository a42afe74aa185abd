// Owner submission routes (protocol §9.9): list, read (ciphertext only), mark read, delete (with
// the attached drop).
#include "anonfs/wire/form.hpp"
#include "clock.hpp"
#include "form_access.hpp"
#include "routes_forms.hpp"

namespace anonfs::server {

namespace {

std::optional<std::string> iso_opt(const std::optional<std::int64_t>& ms) {
  if (!ms) return std::nullopt;
  return iso8601(*ms);
}

void require_submission_id(const std::string& sid) {
  if (!is_submission_id(sid)) {
    throw validation_error(
        "Invalid submission ID",
        nlohmann::json::array({{{"field", "sid"}, {"message", "Invalid submission ID"}}}));
  }
}

// Loads a submission of one of the caller's forms (lock held): 400, 404, 403.
store::Submission load_owned_submission(App& app, Context& ctx, const std::string& sid) {
  require_submission_id(sid);
  auto sub = store::find_submission(*app.db, sid);
  if (!sub) throw not_found("Submission not found");
  auto form = store::find_form(*app.db, sub->form_id);
  if (!form || form->user_id != ctx.user().id) {
    throw forbidden("You do not have permission to access this submission");
  }
  return *sub;
}

// ---- GET /api/v1/form/:id/submission -----------------------------------------------------------
void list_submissions(App& app, Context& ctx) {
  form_owner_preamble(app, ctx, limiter::kFormSubmissionRead);
  const auto id = ctx.param(1);
  std::int64_t limit = 25;
  if (ctx.req.has_param("limit")) {
    auto v = parse_decimal(ctx.req.get_param_value("limit"));
    if (v) {
      limit = std::clamp<std::int64_t>(*v, 1, 100);
    } else if (ctx.req.get_param_value("limit").rfind('-', 0) == 0) {
      limit = 1;
    }
  }
  std::int64_t offset = ctx.req.has_param("offset")
                            ? parse_decimal(ctx.req.get_param_value("offset")).value_or(0)
                            : 0;
  const bool unread_only = ctx.req.get_param_value("unreadOnly") == "true";
  const bool with_payload = ctx.req.get_param_value("include") == "payload";
  std::vector<wire::SubmissionListItem> items;
  wire::Meta meta;
  {
    auto lock = app.db->lock();
    load_owned_form(app, ctx, id);
    meta.total = store::count_submissions(*app.db, id, unread_only);
    for (auto& s : store::list_submissions(*app.db, id, unread_only, with_payload, limit, offset)) {
      wire::SubmissionListItem item;
      item.id = s.id;
      item.created_at = iso8601(s.created_at);
      item.read_at = iso_opt(s.read_at);
      item.has_attached_drop = s.attached_drop_id.has_value();
      if (with_payload) {
        item.ephemeral_pub_key = std::move(s.ephemeral_pub_key);
        item.iv = std::move(s.iv);
        item.encrypted_payload = std::move(s.encrypted_payload);
      }
      items.push_back(std::move(item));
    }
  }
  meta.limit = limit;
  meta.offset = offset;
  meta.has_more = offset + static_cast<std::int64_t>(items.size()) < *meta.total;
  send_data(ctx, items, meta);
}

// ---- GET /api/v1/form/submission/:sid ----------------------------------------------------------
void get_submission(App& app, Context& ctx) {
  form_owner_preamble(app, ctx, limiter::kFormSubmissionRead);
  wire::Submission out;
  {
    auto lock = app.db->lock();
    auto s = load_owned_submission(app, ctx, ctx.param(1));
    out.id = s.id;
    out.ephemeral_pub_key = std::move(s.ephemeral_pub_key);
    out.iv = std::move(s.iv);
    out.encrypted_payload = std::move(s.encrypted_payload);
    out.attached_drop_id = s.attached_drop_id;
    out.created_at = iso8601(s.created_at);
    out.read_at = iso_opt(s.read_at);
  }
  send_data(ctx, out);
}

// ---- PATCH /api/v1/form/submission/:sid (mark read) --------------------------------------------
void mark_read(App& app, Context& ctx) {
  form_owner_preamble(app, ctx, limiter::kFormOps);
  wire::MarkReadResponse out;
  {
    auto lock = app.db->lock();
    Transaction tx(*app.db);
    auto s = load_owned_submission(app, ctx, ctx.param(1));
    const std::int64_t read_at = s.read_at.value_or(now_ms());
    if (!s.read_at) store::mark_submission_read(*app.db, s.id, read_at);
    tx.commit();
    out.id = s.id;
    out.read_at = iso8601(read_at);
  }
  send_data(ctx, out);
}

// ---- DELETE /api/v1/form/submission/:sid -------------------------------------------------------
void delete_submission(App& app, Context& ctx) {
  form_owner_preamble(app, ctx, limiter::kFormOps);
  std::vector<std::string> removed;
  std::string id;
  {
    auto lock = app.db->lock();
    Transaction tx(*app.db);
    auto s = load_owned_submission(app, ctx, ctx.param(1));
    id = s.id;
    store::delete_submission_row(*app.db, s.id);
    if (s.attached_drop_id) removed = delete_form_drop(app, *s.attached_drop_id);
    tx.commit();
  }
  for (const auto& f : removed)
    app.blobs->remove(f);
  send_data(ctx, wire::DeletedResponse{true, id});
}

}  // namespace

void register_form_submission_routes(Router& router) {
  App& app = router.app();
  const std::string id = "([^/]+)";
  // Registered before /api/v1/form/:id/... so that "submission/<sid>" is never taken as a form id.
  router.get("/api/v1/form/submission/" + id, [&app](Context& ctx) { get_submission(app, ctx); });
  router.patch("/api/v1/form/submission/" + id, [&app](Context& ctx) { mark_read(app, ctx); });
  router.del("/api/v1/form/submission/" + id,
             [&app](Context& ctx) { delete_submission(app, ctx); });
  router.get("/api/v1/form/" + id + "/submission",
             [&app](Context& ctx) { list_submissions(app, ctx); });
}

}  // namespace anonfs::server
