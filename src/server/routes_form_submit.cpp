// Public respondent routes: POST /api/v1/form/:id/submit (§9.8) and the attachment upload token
// POST /api/v1/form/:id/upload-token with the pairing of the staging drop at submit time (§11).
// The server stores ciphertext only; it validates shapes, never contents.
#include <ctime>
#include <map>
#include <set>

#include "anonfs/wire/form.hpp"
#include "clock.hpp"
#include "form_access.hpp"
#include "ids.hpp"
#include "routes_forms.hpp"

namespace anonfs::server {

namespace {

using nlohmann::json;

const char* const kInvalidBody = "Invalid request body";

std::optional<store::User> form_owner(App& app, const store::Form& form) {
  return store::find_user(*app.db, form.user_id);
}

// Pairs the staging drop of `req` with the submission being recorded (§11 steps 5–6): the token is
// bound to this form and drop, unused and unexpired; the drop is finished; the manifest covers
// every file of the drop exactly once with its field, ciphertext size and MIME type.
void pair_attachments(App& app, const store::Form& form, const wire::SubmitRequest& req,
                      const FormPlan& plan, std::int64_t now) {
  const auto hash = hash_upload_token(*req.attachmentUploadToken);
  auto token = store::find_upload_token(*app.db, hash);
  if (!token || token->form_id != form.id || token->drop_id != *req.attachedDropId) {
    throw validation_error("Invalid attachment upload token");
  }
  if (token->used_at) throw validation_error("Attachment upload token already used");
  if (token->expires_at <= now) throw validation_error("Attachment upload token expired");
  auto drop = store::find_drop(*app.db, token->drop_id);
  if (!drop || drop->deleted_at || !drop->upload_complete) {
    throw validation_error("Attachment upload is not finished");
  }
  const auto files = store::files_of(*app.db, drop->id);
  const auto& manifest = *req.attachmentManifest;
  const auto mismatch = [] {
    return validation_error("Attachment manifest does not match the uploaded files");
  };
  if (manifest.size() != files.size()) throw mismatch();
  std::set<std::string> seen;
  for (const auto& entry : manifest) {
    if (!seen.insert(entry.fileId).second) throw mismatch();
    auto it = std::find_if(files.begin(), files.end(),
                           [&](const store::File& f) { return f.id == entry.fileId; });
    if (it == files.end() || it->form_field_id != entry.fieldId || it->size != entry.size ||
        it->mime_type != entry.mimeType) {
      throw mismatch();
    }
  }
  if (!store::use_upload_token(*app.db, hash, now)) {
    throw validation_error("Attachment upload token already used");
  }
  store::attach_form_drop(*app.db, drop->id, now + plan.retention_days * kDayMs);
}

// The owner's per-month submission cap (free 50 / plus 1000 / pro 10 000 per UTC calendar month).
// The seed Form document answers 429 ("past its per-month submission cap"); the service answers
// 402 (§9.8). 429 RATE_LIMITED envelope with Retry-After until the next UTC month and, for
// information, the 402's details.upgrade.
HttpError monthly_cap_reached(const store::User& owner, std::int64_t used, std::int64_t now) {
  const auto& plan = form_plan(owner.plan);
  const auto upgrade =
      form_upgrade_required("", "form_submissions", owner.plan, used, plan.submissions_per_month)
          .details();
  std::time_t secs = static_cast<std::time_t>(now / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  tm.tm_mday = 1;
  tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
  tm.tm_mon += 1;
  const std::int64_t next_month = static_cast<std::int64_t>(timegm(&tm)) * 1000;
  const auto retry = std::max<std::int64_t>(1, (next_month - now + 999) / 1000);
  auto e = too_many("Monthly submission limit reached for this form's owner");
  e.with_details(upgrade).with_header("Retry-After", std::to_string(retry));
  return e;
}

// ---- POST /api/v1/form/:id/submit (public, strict) ---------------------------------------------
void submit(App& app, Context& ctx) {
  respondent_preamble(app, ctx);
  const auto id = ctx.param(1);
  require_form_id(id);
  auto body = ctx.json_body(validation_error(kInvalidBody));
  Issues issues;
  auto req = parse_submit(body, issues);
  if (!issues.empty()) throw validation_error("Validation failed", issues.details());
  // With attachments the Turnstile check happened when the upload token was issued.
  if (!req.attachedDropId) check_turnstile(app, ctx, req.turnstileToken);

  const std::int64_t now = now_ms();
  store::Submission sub;
  sub.id = new_submission_id();
  sub.form_id = id;
  sub.ephemeral_pub_key = req.ephemeralPubKey;
  sub.iv = req.iv;
  sub.encrypted_payload = req.encryptedPayload;
  sub.attached_drop_id = req.attachedDropId;
  if (ctx.auth) sub.submitter_user_id = ctx.user().id;
  sub.created_at = now;
  {
    auto lock = app.db->lock();
    Transaction tx(*app.db);
    auto form = store::find_form(*app.db, id);
    if (!form) throw not_found("Form not found");
    auto owner = form_owner(app, *form);
    require_accepting(*form, owner, req.customKeyProof, now);
    const auto& plan = form_plan(owner->plan);
    const auto month = utc_month(now);
    const auto used = store::submissions_in_month(*app.db, owner->id, month);
    if (used >= plan.submissions_per_month) throw monthly_cap_reached(*owner, used, now);
    if (req.attachedDropId) pair_attachments(app, *form, req, plan, now);
    store::insert_submission(*app.db, sub);
    store::bump_submissions_count(*app.db, id);
    store::count_submission_in_month(*app.db, owner->id, month);
    tx.commit();
  }
  send_data(ctx, wire::SubmitResponse{sub.id, iso8601(sub.created_at)});
}

// ---- POST /api/v1/form/:id/upload-token (public, strict) ---------------------------------------

// Checks the planned files against the form's file fields and the owner's attachment cap.
void check_planned_files(const store::Form& form, const wire::UploadTokenRequest& req,
                         Plan owner_plan) {
  const auto info = schema_info(json::parse(form.schema_json));
  const auto& plan = form_plan(owner_plan);
  std::map<std::string, std::int64_t> per_field;
  std::int64_t total = 0;
  for (const auto& file : req.files) {
    auto it = info.file_fields.find(file.fieldId);
    if (it == info.file_fields.end()) throw validation_error("File upload target is invalid");
    const auto& rule = it->second;
    if (!mime_accepted(rule, file.mimeType)) {
      throw validation_error("File type is not accepted by this field");
    }
    if (++per_field[file.fieldId] > rule.max_files) {
      throw validation_error("Too many files for this field");
    }
    std::int64_t cap = plan.attachment_cap;
    if (rule.max_file_size) cap = std::min(cap, *rule.max_file_size);
    if (form.max_file_size_override) cap = std::min(cap, *form.max_file_size_override);
    if (file.size > cap && cap < plan.attachment_cap) {
      throw validation_error("File exceeds the maximum size for this field");
    }
    if (file.size > plan.attachment_cap) {
      throw form_upgrade_required("File exceeds the attachment limit of this form's plan",
                                  "form_attachment_size", owner_plan, file.size,
                                  plan.attachment_cap);
    }
    total += file.size;
  }
  if (total > plan.attachment_cap) {
    throw form_upgrade_required("Attachments exceed the attachment limit of this form's plan",
                                "form_attachment_size", owner_plan, total, plan.attachment_cap);
  }
  if (req.fileCount && *req.fileCount < static_cast<std::int64_t>(req.files.size())) {
    throw validation_error("fileCount is smaller than the number of files");
  }
}

void upload_token(App& app, Context& ctx) {
  respondent_preamble(app, ctx);
  const auto id = ctx.param(1);
  require_form_id(id);
  app.limits->check(ctx, limiter::kFormUploadTarget, id);
  auto body = ctx.json_body(validation_error(kInvalidBody));
  Issues issues;
  auto req = parse_upload_token(body, issues);
  if (!issues.empty()) throw validation_error("Validation failed", issues.details());

  const std::int64_t now = now_ms();
  const auto token = new_upload_token();
  store::Drop drop;
  drop.id = ids::drop_id();
  drop.iv = req.iv;
  drop.expires_at = now + req.expiry.value_or(1) * kDayMs;
  drop.max_file_count = req.fileCount.value_or(static_cast<std::int64_t>(req.files.size()));
  drop.created_at = now;
  store::UploadToken row;
  row.token_hash = hash_upload_token(token);
  row.form_id = id;
  row.drop_id = drop.id;
  row.files_json = json(req.files).dump();
  row.expires_at = now + kUploadTokenTtlMs;
  row.created_at = now;
  // §11 order: form state (403), Turnstile (400), planned files. The Turnstile call goes out with
  // no lock held, so the form checks run once before it and again in the transaction below.
  auto load_accepting_form = [&] {
    auto form = store::find_form(*app.db, id);
    if (!form) throw not_found("Form not found");
    auto owner = form_owner(app, *form);
    require_accepting(*form, owner, req.customKeyProof, now);
    // Seed: allowFileUploads "Enable file-attachment fields"; a form needs the flag and a field.
    if (!form->allow_file_uploads ||
        schema_info(json::parse(form->schema_json)).file_fields.empty()) {
      throw forbidden("This form does not accept file uploads");
    }
    return std::pair{std::move(*form), std::move(owner)};
  };
  if (turnstile_required(app, ctx)) {
    {
      auto lock = app.db->lock();
      load_accepting_form();
    }
    check_turnstile(app, ctx, req.turnstileToken);
  }
  {
    auto lock = app.db->lock();
    Transaction tx(*app.db);
    const auto [form, owner] = load_accepting_form();
    check_planned_files(form, req, owner->plan);
    if (store::count_live_upload_tokens(*app.db, id, now) >= kMaxLiveUploadTokens) {
      throw validation_error("Too many pending uploads for this form. Try again later.");
    }
    drop.user_id = owner->id;
    store::insert_drop(*app.db, drop);
    store::mark_form_drop(*app.db, drop.id, id);
    store::insert_upload_token(*app.db, row);
    tx.commit();
  }
  send_data(ctx, wire::UploadTokenResponse{drop.id, token, iso8601(row.expires_at)});
}

}  // namespace

void register_form_submit_routes(Router& router) {
  App& app = router.app();
  const std::string id = "([^/]+)";
  router.post("/api/v1/form/" + id + "/submit", [&app](Context& ctx) { submit(app, ctx); });
  router.post("/api/v1/form/" + id + "/upload-token",
              [&app](Context& ctx) { upload_token(app, ctx); });
}

}  // namespace anonfs::server
