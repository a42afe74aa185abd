// Drop API routes (protocol §2.1–§2.11).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "anonfs/wire/drop.hpp"
#include "auth.hpp"
#include "clock.hpp"
#include "drop_rules.hpp"
#include "form_rules.hpp"
#include "form_uploads.hpp"
#include "ids.hpp"
#include "plans.hpp"
#include "router.hpp"
#include "store_forms.hpp"

namespace anonfs::server {

namespace {

constexpr std::int64_t kPartUrlLifetimeS = 7 * 24 * 3600;
constexpr std::int64_t kDownloadUrlLifetimeS = 3600;
constexpr std::int64_t kLimitedDownloadUrlLifetimeS = 120;

const char* const kInvalidBody = "Invalid request body";

// Auth, monthly drop quota and the route's limiter, in the service's order (§1.4, §1.5).
void owner_preamble(App& app, Context& ctx, const LimiterSpec& spec) {
  require_api_key(app, ctx, /*personal_only=*/false);
  app.limits->consume_quota(ctx, QuotaBucket::kDrop);
  app.limits->check(ctx, spec, ctx.user().id);
}

// Who is filling a drop: its owner with an API key, or a form respondent with the X-Upload-Token
// of a form attachment drop (§11), acting for the form owner.
struct UploadCaller {
  std::string owner_id;
  Plan plan = Plan::kFree;
  std::optional<UploadGrant> grant;
};

// Optional-auth owner routes (add-file, finish, abort): without an API key the caller must present
// the X-Upload-Token of a form attachment drop (guest drops are not implemented).
UploadCaller upload_preamble(App& app, Context& ctx, const LimiterSpec& spec) {
  ctx.no_store = true;
  authenticate(app, ctx);
  if (!ctx.auth) {
    if (!ctx.req.has_header("X-Upload-Token"))
      throw unauthorized("Unauthorized - API key required");
    app.limits->check(ctx, spec, ctx.client_ip());
    auto grant =
        authorize_upload_token(app, ctx.req.get_header_value("X-Upload-Token"), ctx.param(1));
    return {grant.owner_id, grant.owner_plan, std::move(grant)};
  }
  app.limits->consume_quota(ctx, QuotaBucket::kDrop);
  app.limits->check(ctx, spec, ctx.user().id);
  return {ctx.user().id, ctx.user().plan, std::nullopt};
}

// S3 accepts part ETags with or without their quotes.
std::string_view unquote(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    return etag.substr(1, etag.size() - 2);
  }
  return etag;
}

bool is_expired(const store::Drop& d, std::int64_t now) {
  return d.expires_at && *d.expires_at <= now;
}
bool limit_reached(const store::Drop& d) {
  return d.max_downloads && d.downloads >= *d.max_downloads;
}

// Loads an owner's drop: 404 envelope if missing or soft-deleted, 403 if not the caller's.
store::Drop load_owned_drop(App& app, Context& ctx, const std::string& id) {
  if (!ids::is_drop_id(id)) throw not_found("Drop not found");
  auto drop = store::find_drop(*app.db, id);
  if (!drop || drop->deleted_at) throw not_found("Drop not found");
  if (!drop->user_id || *drop->user_id != ctx.user().id) {
    throw forbidden("You do not have permission to access this drop");
  }
  return *drop;
}

// The drop an upload caller fills. A form attachment drop is filled only through its upload token
// (the owner's key gets 403), and a token only opens its own drop (checked when it was authorized).
store::Drop load_upload_drop(App& app, const UploadCaller& caller, const std::string& id) {
  if (!ids::is_drop_id(id)) throw not_found("Drop not found");
  auto drop = store::find_drop(*app.db, id);
  if (!drop || drop->deleted_at) throw not_found("Drop not found");
  if (!drop->user_id || *drop->user_id != caller.owner_id) {
    throw forbidden("You do not have permission to access this drop");
  }
  const bool form_drop = store::form_drop_info(*app.db, id).has_value();
  if (form_drop != caller.grant.has_value()) {
    throw forbidden("You do not have permission to access this drop");
  }
  return *drop;
}

void release_files(App& app, const std::vector<std::string>& file_ids) {
  for (const auto& id : file_ids)
    app.blobs->remove(id);
}

// A form attachment drop whose submission has not been recorded yet is private (§11).
bool staging_form_drop(App& app, const std::string& drop_id) {
  auto info = store::form_drop_info(*app.db, drop_id);
  return info && info->staging;
}

void set_download_headers(Context& ctx) {
  ctx.res.set_header("Cache-Control", "no-store, max-age=0");
  ctx.res.set_header("Referrer-Policy", "no-referrer");
}

std::optional<std::string> iso_opt(const std::optional<std::int64_t>& ms) {
  if (!ms) return std::nullopt;
  return iso8601(*ms);
}

// ---- GET /api/v1/drop ------------------------------------------------------------------------
void list_drops(App& app, Context& ctx) {
  owner_preamble(app, ctx, limiter::kDropList);
  std::int64_t limit = 50, offset = 0;
  if (ctx.req.has_param("limit")) {
    auto v = parse_decimal(ctx.req.get_param_value("limit"));
    if (v)
      limit = std::clamp<std::int64_t>(*v, 1, 100);
    else if (ctx.req.get_param_value("limit").rfind('-', 0) == 0)
      limit = 1;
  }
  if (ctx.req.has_param("offset")) {
    offset = parse_decimal(ctx.req.get_param_value("offset")).value_or(0);
  }
  std::vector<wire::DropListItem> items;
  wire::Meta meta;
  {
    auto lock = app.db->lock();
    auto drops = store::list_user_drops(*app.db, ctx.user().id, limit, offset);
    meta.total = store::count_user_drops(*app.db, ctx.user().id);
    auto user = store::find_user(*app.db, ctx.user().id);
    meta.storage = wire::StorageUsage{std::to_string(user ? user->storage_used : 0),
                                      std::to_string(plan_limits(ctx.user().plan).storage_limit)};
    for (const auto& d : drops) {
      wire::DropListItem item;
      item.id = d.id;
      item.encryptedTitle = d.encrypted_title;
      item.iv = d.iv;
      item.downloads = d.downloads;
      item.maxDownloads = d.max_downloads;
      item.expiresAt = iso_opt(d.expires_at);
      item.customKey = d.custom_key;
      item.hideBranding = d.hide_branding;
      item.disabled = d.disabled;
      item.takenDown = d.taken_down;
      item.takedownReason = d.takedown_reason;
      item.uploadComplete = d.upload_complete;
      item.createdAt = iso8601(d.created_at);
      std::int64_t total = 0;
      for (const auto& f : store::files_of(*app.db, d.id)) {
        item.files.push_back({f.id, f.encrypted_name, std::to_string(f.size), f.mime_type, f.iv});
        total += f.size;
      }
      item.fileCount = static_cast<std::int64_t>(item.files.size());
      item.totalSize = std::to_string(total);
      items.push_back(std::move(item));
    }
  }
  meta.limit = limit;
  meta.offset = offset;
  meta.has_more = offset + static_cast<std::int64_t>(items.size()) < *meta.total;
  send_data(ctx, items, meta);
}

// ---- POST /api/v1/drop -------------------------------------------------------------------------
void create_drop(App& app, Context& ctx) {
  ctx.no_store = true;
  authenticate(app, ctx);
  if (ctx.auth) {
    app.limits->consume_quota(ctx, QuotaBucket::kDrop);
    app.limits->check(ctx, limiter::kDropCreate, ctx.user().id);
  } else {
    app.limits->check(ctx, limiter::kDropCreate, ctx.client_ip());
  }
  auto body = ctx.json_body(validation_error(kInvalidBody));
  Issues issues;
  auto req = parse_create_drop(body, issues);
  if (!ctx.auth) {
    // Guests need a Cloudflare Turnstile token when Turnstile is on (§2.2). Verified with no lock
    // held; guest drops themselves (their X-Upload-Token flow) are not implemented here.
    if (app.turnstile && !req.turnstileToken) issues.add("turnstileToken", "Required");
    if (!issues.empty()) throw validation_error("Validation failed", issues.details());
    if (app.turnstile && !app.turnstile->verify(*req.turnstileToken, ctx.client_ip())) {
      throw forbidden("Captcha verification failed");
    }
    throw forbidden("Guest drops are not supported by this server: use an API key");
  }
  if (!issues.empty()) throw validation_error("Validation failed", issues.details());

  const auto& user = ctx.user();
  const auto& plan = plan_limits(user.plan);
  std::int64_t expiry_days = req.expiry.value_or(plan.max_expiry_days);
  if (expiry_days > plan.max_expiry_days) {
    throw payment_required("Your plan allows drops to expire after at most " +
                               std::to_string(plan.max_expiry_days) + " days",
                           {{"scope", "drop_expiry"},
                            {"currentTier", to_string(user.plan)},
                            {"suggestedTier", to_string(suggested_upgrade(user.plan))},
                            {"currentValue", expiry_days},
                            {"limitValue", plan.max_expiry_days}});
  }

  const std::int64_t now = now_ms();
  store::Drop drop;
  drop.id = ids::drop_id();
  drop.user_id = user.id;
  drop.encrypted_title = req.encryptedTitle;
  drop.encrypted_message = req.encryptedMessage;
  drop.iv = req.iv;
  // Plan-gated options are silently dropped (§2.2, §15.6).
  if (req.customKey.value_or(false) && plan.features.customKey) {
    drop.custom_key = true;
    drop.salt = req.salt;
    drop.custom_key_data = req.customKeyData;
    drop.custom_key_iv = req.customKeyIv;
  }
  drop.hide_branding = req.hideBranding.value_or(false) && plan.features.noBranding;
  drop.notify_on_download =
      req.notifyOnDownload.value_or(false) && plan.features.downloadNotifications;
  drop.max_downloads = req.maxDownloads;
  drop.expires_at = now + expiry_days * kDayMs;
  drop.max_file_count = req.fileCount;
  drop.created_at = now;

  bool owner_key_stored = false;
  {
    auto lock = app.db->lock();
    Transaction tx(*app.db);
    if (req.ownerKey) {
      auto vault = store::find_vault(*app.db, user.id);
      if (!vault) throw not_found("Vault security is not configured");
      if (vault->vault_id != req.ownerKey->vaultId) throw conflict("Vault identity mismatch");
      if (vault->generation != req.ownerKey->vaultGeneration) {
        throw conflict("Vault generation mismatch");
      }
    }
    store::insert_drop(*app.db, drop);
    if (req.ownerKey) {
      store::upsert_owner_key(*app.db, {drop.id, user.id, req.ownerKey->wrappedKey,
                                        req.ownerKey->vaultGeneration, now});
      owner_key_stored = true;
    }
    tx.commit();
  }
  wire::CreateDropResponse out;
  out.drop_id = drop.id;
  out.expires_at = iso_opt(drop.expires_at);
  out.owner_key_stored = owner_key_stored;
  send_data(ctx, out);
}

// ---- POST /api/v1/drop/:id/file ----------------------------------------------------------------
void add_file(App& app, Context& ctx) {
  auto caller = upload_preamble(app, ctx, limiter::kFileUploadAuth);
  if (caller.grant) app.limits->check(ctx, limiter::kFileUpload, ctx.client_ip());
  auto body = ctx.json_body(bare_error(400, kInvalidBody));
  wire::AddFileRequest req;
  switch (parse_add_file(body, req)) {
    case AddFileCheck::kInvalid:
      throw bare_error(400, kInvalidBody);
    case AddFileCheck::kInternal:
      throw internal_error();  // as the service does (§2.3)
    case AddFileCheck::kOk:
      break;
  }
  const auto drop_id = ctx.param(1);
  const std::int64_t now = now_ms();
  const auto& plan = plan_limits(caller.plan);
  const std::int64_t plaintext = req.size - 16 * req.chunkCount;

  store::File file;
  file.id = ids::file_id();
  file.drop_id = drop_id;
  file.encrypted_name = req.encryptedName;
  file.size = req.size;
  file.mime_type = req.mimeType;
  file.iv = req.iv;
  file.chunk_size = req.chunkSize;
  file.chunk_count = req.chunkCount;
  file.upload_id = ids::upload_id();
  file.form_field_id = req.formFieldId;
  file.created_at = now;
  {
    auto lock = app.db->lock();
    Transaction tx(*app.db);
    auto drop = load_upload_drop(app, caller, drop_id);
    if (drop.upload_complete) throw validation_error("Drop upload already completed");
    auto files = store::files_of(*app.db, drop_id);
    if (caller.grant) check_attachment_file(*caller.grant, req, files);
    auto count = static_cast<std::int64_t>(files.size());
    if (count >= drop.max_file_count.value_or(kMaxFilesPerDrop) || count >= kMaxFilesPerDrop) {
      throw validation_error("Maximum number of files for this drop reached");
    }
    auto pending = std::count_if(files.begin(), files.end(), [](auto& f) { return !f.complete; });
    if (pending >= kMaxPendingFilesPerDrop) {
      throw too_many("Too many pending uploads in this drop");
    }
    // Form respondents are not held to the owner's unfinished-drops rule.
    auto incomplete = caller.grant ? 0 : store::count_incomplete_drops(*app.db, caller.owner_id);
    if (files.empty() && !caller.grant) ++incomplete;  // counting this one
    if (incomplete > kMaxIncompleteDrops) {
      throw too_many("Too many incomplete drops. Finish or delete your pending uploads first.");
    }
    if (plaintext > plan.max_file_size) {
      throw payment_required("File exceeds the maximum file size of your plan",
                             {{"scope", "drop_file_size"},
                              {"currentTier", to_string(caller.plan)},
                              {"suggestedTier", to_string(suggested_upgrade(caller.plan))},
                              {"currentValue", plaintext},
                              {"limitValue", plan.max_file_size}});
    }
    auto user = store::find_user(*app.db, caller.owner_id);
    const std::int64_t used = user ? user->storage_used : 0;
    if (used + req.size > plan.storage_limit + 16 * kMaxChunkCount) {
      throw payment_required("Storage limit of your plan reached",
                             {{"scope", "drop_bandwidth"},
                              {"currentTier", to_string(caller.plan)},
                              {"suggestedTier", to_string(suggested_upgrade(caller.plan))},
                              {"currentValue", used},
                              {"limitValue", plan.storage_limit}});
    }
    store::insert_file(*app.db, file);
    store::add_storage(*app.db, caller.owner_id, req.size);
    tx.commit();
  }
  wire::AddFileResponse out;
  out.fileId = file.id;
  out.s3UploadId = file.upload_id;
  const std::int64_t expires = now / 1000 + kPartUrlLifetimeS;
  for (std::int64_t p = 1; p <= file.chunk_count; ++p) {
    out.uploadUrls[std::to_string(p)] = app.presigner->part_put_url(
        {file.id, file.upload_id, p, file.expected_part_size(p), expires});
  }
  set_download_headers(ctx);
  send_json(ctx, 200, out);
}

// ---- PATCH /api/v1/drop/:id?action=finish|complete|toggle
// ----------------------------------------
void finish_drop(App& app, Context& ctx, const UploadCaller& caller, const std::string& drop_id) {
  auto body = ctx.json_body(bare_error(400, kInvalidBody));
  wire::FinishRequest req;
  if (!parse_finish(body, req)) throw bare_error(400, kInvalidBody);

  std::vector<std::string> removed;   // objects to delete after the transaction
  std::optional<HttpError> deferred;  // an error to report after committing
  {
    auto lock = app.db->lock();
    Transaction tx(*app.db);
    auto drop = load_upload_drop(app, caller, drop_id);
    if (drop.upload_complete) {
      tx.commit();
      send_json(ctx, 200, wire::SuccessResponse{});
      return;
    }
    auto files = store::files_of(*app.db, drop_id);
    std::set<std::string> registered, listed;
    for (const auto& f : files)
      registered.insert(f.id);
    for (const auto& mf : req.files) {
      if (!listed.insert(mf.fileId).second) {
        throw validation_error("File manifest does not match drop");
      }
    }
    if (listed != registered) throw validation_error("File manifest does not match drop");
    if (files.empty()) throw validation_error("Drop has no files");

    for (const auto& mf : req.files) {
      const auto& file = *std::find_if(files.begin(), files.end(),
                                       [&](const auto& f) { return f.id == mf.fileId; });
      if (static_cast<std::int64_t>(mf.chunks.size()) != file.chunk_count) {
        throw validation_error("Chunk manifest does not match file");
      }
      std::vector<const std::string*> etags(static_cast<std::size_t>(file.chunk_count), nullptr);
      for (const auto& c : mf.chunks) {
        if (c.chunkIndex >= file.chunk_count || etags[static_cast<std::size_t>(c.chunkIndex)]) {
          throw validation_error("Chunk manifest does not match file");
        }
        etags[static_cast<std::size_t>(c.chunkIndex)] = &c.etag;
      }
      // Compare-and-set of recorded chunk ETags.
      auto recorded = store::chunks_of(*app.db, file.id);
      for (std::int64_t i = 0; i < file.chunk_count; ++i) {
        auto it = recorded.find(i);
        if (it != recorded.end() && it->second != *etags[static_cast<std::size_t>(i)]) {
          throw validation_error("Completed chunk ETag cannot be changed");
        }
      }
      if (file.complete) continue;

      // "CompleteMultipartUpload": every part uploaded with the listed ETag.
      auto parts = store::parts_of(*app.db, file.id);
      std::int64_t total = 0;
      for (std::int64_t i = 0; i < file.chunk_count; ++i) {
        auto it = parts.find(i + 1);
        if (it == parts.end() ||
            unquote(it->second.etag) != unquote(*etags[static_cast<std::size_t>(i)])) {
          throw validation_error(
              "One or more of the specified parts could not be found or the "
              "specified ETag did not match");
        }
        auto on_disk = app.blobs->part_size(file.id, i + 1);
        if (on_disk < 0) {
          throw validation_error("One or more of the specified parts could not be found");
        }
        total += on_disk;
      }
      // "HEAD" of the assembled object.
      if (total != file.size) {
        store::delete_file_row(*app.db, file.id);
        store::add_storage(*app.db, caller.owner_id, -file.size);
        removed.push_back(file.id);
        deferred =
            validation_error(total > file.size ? "File size mismatch: uploaded more than declared"
                                               : "File size mismatch: uploaded less than declared");
        break;
      }
      for (std::int64_t i = 0; i < file.chunk_count; ++i) {
        store::insert_chunk(*app.db, file.id, i, *etags[static_cast<std::size_t>(i)]);
      }
      store::set_file_complete(*app.db, file.id);
    }
    if (!deferred) store::set_drop_complete(*app.db, drop_id);
    tx.commit();
  }
  release_files(app, removed);
  if (deferred) throw *deferred;
  send_json(ctx, 200, wire::SuccessResponse{});
}

void complete_drop(App& app, Context& ctx, const std::string& drop_id) {
  auto body = ctx.json_body(bare_error(400, kInvalidBody));
  if (!body.is_object() || !body.empty()) throw bare_error(400, kInvalidBody);
  auto lock = app.db->lock();
  Transaction tx(*app.db);
  auto drop = load_owned_drop(app, ctx, drop_id);
  if (!drop.upload_complete) {
    auto files = store::files_of(*app.db, drop_id);
    if (files.empty() ||
        std::any_of(files.begin(), files.end(), [](const auto& f) { return !f.complete; })) {
      throw validation_error("Not all files have been uploaded");
    }
    store::set_drop_complete(*app.db, drop_id);
  }
  tx.commit();
  send_json(ctx, 200, wire::SuccessResponse{});
}

void toggle_drop(App& app, Context& ctx, const std::string& drop_id) {
  bool disabled = false;
  {
    auto lock = app.db->lock();
    Transaction tx(*app.db);
    auto drop = load_owned_drop(app, ctx, drop_id);
    disabled = !drop.disabled;
    store::set_drop_disabled(*app.db, drop_id, disabled);
    tx.commit();
  }
  send_json(ctx, 200, wire::ToggleResponse{true, disabled});
}

void patch_drop(App& app, Context& ctx) {
  const auto action = ctx.req.get_param_value("action");
  const auto drop_id = ctx.param(1);
  if (action == "finish") {
    // Form respondents finish their attachment drop with its X-Upload-Token (§11).
    auto caller = upload_preamble(app, ctx, limiter::kDropOps);
    return finish_drop(app, ctx, caller, drop_id);
  }
  owner_preamble(app, ctx, limiter::kDropOps);
  if (action == "complete") return complete_drop(app, ctx, drop_id);
  if (action == "toggle") return toggle_drop(app, ctx, drop_id);
  throw bare_error(400, "Invalid action. Use ?action=complete, ?action=toggle, or ?action=finish");
}

// ---- DELETE /api/v1/drop/:id -------------------------------------------------------------------
void delete_drop(App& app, Context& ctx) {
  owner_preamble(app, ctx, limiter::kDropOps);
  const auto drop_id = ctx.param(1);
  std::vector<std::string> removed;
  {
    auto lock = app.db->lock();
    Transaction tx(*app.db);
    load_owned_drop(app, ctx, drop_id);
    std::int64_t reserved = 0;
    for (const auto& f : store::files_of(*app.db, drop_id)) {
      reserved += f.size;
      removed.push_back(f.id);
    }
    store::delete_drop_row(*app.db, drop_id);
    store::add_storage(*app.db, ctx.user().id, -reserved);
    tx.commit();
  }
  release_files(app, removed);
  send_json(ctx, 200, wire::SuccessResponse{});
}

// ---- DELETE /api/v1/drop/:id/file/:fileId
// --------------------------------------------------------
void abort_file(App& app, Context& ctx) {
  auto caller = upload_preamble(app, ctx, limiter::kDropAbortUpload);
  auto body = ctx.json_body(bare_error(400, kInvalidBody));
  Issues issues;
  JsonFields f(body, issues);
  f.strict({"s3UploadId"});
  auto upload_id = f.string("s3UploadId", true, 1, 1024);
  if (!issues.empty() || !upload_id) throw bare_error(400, kInvalidBody);

  const auto drop_id = ctx.param(1);
  const auto file_id = ctx.param(2);
  bool removed = false;
  {
    auto lock = app.db->lock();
    Transaction tx(*app.db);
    load_upload_drop(app, caller, drop_id);
    if (ids::is_file_id(file_id)) {
      auto file = store::find_file(*app.db, file_id);
      if (file) {
        if (file->drop_id != drop_id) throw bare_error(404, "File not found");
        if (file->upload_id != *upload_id) throw bare_error(401, "Unauthorized upload ID");
        if (!file->complete) {
          store::delete_file_row(*app.db, file_id);
          store::add_storage(*app.db, caller.owner_id, -file->size);
          removed = true;
        }
      }
    }
    tx.commit();
  }
  if (removed) app.blobs->remove(file_id);
  send_json(ctx, 200, wire::SuccessResponse{});
}

// ---- GET /api/v1/drop/:id (public)
// ---------------------------------------------------------------
void get_drop(App& app, Context& ctx) {
  const auto drop_id = ctx.param(1);
  app.limits->check(ctx, limiter::kDropMetadata, ctx.client_ip());
  app.limits->check(ctx, limiter::kDropMetadataPerDrop, ctx.client_ip() + ":" + drop_id);
  wire::DropMetadata out;
  {
    auto lock = app.db->lock();
    std::optional<store::Drop> drop;
    if (ids::is_drop_id(drop_id)) drop = store::find_drop(*app.db, drop_id);
    if (!drop || drop->deleted_at) throw bare_error(404, "Drop not found");
    if (drop->taken_down) throw forbidden("This drop has been removed due to a policy violation.");
    if (drop->disabled) throw forbidden("This link has been disabled by the owner.");
    if (!drop->upload_complete || staging_form_drop(app, drop_id)) {
      throw forbidden("This drop is not yet available.");
    }
    if (limit_reached(*drop)) throw forbidden("Download limit reached.");
    if (is_expired(*drop, now_ms())) throw forbidden("This drop has expired.");
    out.id = drop->id;
    out.encryptedTitle = drop->encrypted_title;
    out.encryptedMessage = drop->encrypted_message;
    out.iv = drop->iv;
    out.customKey = drop->custom_key;
    out.salt = drop->salt;
    out.customKeyData = drop->custom_key_data;
    out.customKeyIv = drop->custom_key_iv;
    out.downloads = drop->downloads;
    out.maxDownloads = drop->max_downloads;
    out.expiresAt = iso_opt(drop->expires_at);
    out.hideBranding = drop->hide_branding;
    out.createdAt = iso8601(drop->created_at);
    for (const auto& f : store::files_of(*app.db, drop_id)) {
      if (!f.complete) continue;
      out.files.push_back({f.id, f.encrypted_name, std::to_string(f.size), f.mime_type, f.iv,
                           f.chunk_size, f.chunk_count});
    }
  }
  app.hostility.corrupt_metadata(out);  // test mode only
  send_json(ctx, 200, out);
}

// ---- POST /api/v1/drop/:id/download (public)
// -----------------------------------------------------
void download_drop(App& app, Context& ctx) {
  const auto drop_id = ctx.param(1);
  app.limits->check(ctx, limiter::kDropDownload, ctx.client_ip());
  wire::DownloadResponse out;
  {
    auto lock = app.db->lock();
    Transaction tx(*app.db);
    std::optional<store::Drop> drop;
    if (ids::is_drop_id(drop_id)) drop = store::find_drop(*app.db, drop_id);
    if (!drop) throw bare_error(404, "Drop not found");
    if (drop->deleted_at || drop->disabled || drop->taken_down || !drop->upload_complete ||
        staging_form_drop(app, drop_id)) {
      throw bare_error(404, "This drop is not available.");
    }
    const std::int64_t now = now_ms();
    if (is_expired(*drop, now)) throw bare_error(404, "This drop has expired.");
    const std::int64_t lifetime =
        drop->max_downloads ? kLimitedDownloadUrlLifetimeS : kDownloadUrlLifetimeS;
    // URLs first, revealed only if the count succeeds.
    for (const auto& f : store::files_of(*app.db, drop_id)) {
      if (!f.complete) continue;
      out.downloadUrls[f.id] = app.presigner->object_get_url({f.id, now / 1000 + lifetime});
    }
    auto count = store::count_download(*app.db, drop_id);
    if (!count) throw bare_error(404, "Download limit reached.");
    if (drop->max_downloads && *count >= *drop->max_downloads) {
      store::soft_delete_drop(*app.db, drop_id, now);
    }
    tx.commit();
  }
  set_download_headers(ctx);
  send_json(ctx, 200, out);
}

// ---- GET /api/v1/drop/:id/file/:fileId (public) ------------------------------------------------
void download_file(App& app, Context& ctx) {
  const auto drop_id = ctx.param(1);
  const auto file_id = ctx.param(2);
  app.limits->check(ctx, limiter::kDownload, ctx.client_ip());
  const char* const kUnavailable = "This file is not available.";
  std::string url;
  {
    auto lock = app.db->lock();
    Transaction tx(*app.db);
    std::optional<store::Drop> drop;
    std::optional<store::File> file;
    if (ids::is_drop_id(drop_id) && ids::is_file_id(file_id)) {
      drop = store::find_drop(*app.db, drop_id);
      file = store::find_file(*app.db, file_id);
    }
    if (!drop || !file || file->drop_id != drop_id) throw text_error(404, kUnavailable);
    if (drop->taken_down) throw text_error(451, "This content has been removed.");
    const std::int64_t now = now_ms();
    if (drop->deleted_at || drop->disabled || !drop->upload_complete || !file->complete ||
        is_expired(*drop, now) || limit_reached(*drop) || staging_form_drop(app, drop_id)) {
      throw text_error(404, kUnavailable);
    }
    const bool recipient = ctx.req.has_header("X-Drop-Recipient") || ctx.req.has_param("r");
    const bool resume =
        ctx.req.has_header("Range") && ctx.req.get_header_value("Range") != "bytes=0-";
    const bool counted = drop->max_downloads || recipient || !resume;
    const std::int64_t lifetime =
        (drop->max_downloads || recipient) ? kLimitedDownloadUrlLifetimeS : kDownloadUrlLifetimeS;
    url = app.presigner->object_get_url({file->id, now / 1000 + lifetime});
    if (counted) {
      auto count = store::count_download(*app.db, drop_id);
      if (!count) throw text_error(404, "Download limit reached.");
      if (drop->max_downloads && *count >= *drop->max_downloads) {
        store::soft_delete_drop(*app.db, drop_id, now);
      }
    }
    tx.commit();
  }
  set_download_headers(ctx);
  const bool wants_json =
      ctx.req.get_header_value("Accept").find("application/json") != std::string::npos ||
      ctx.req.has_header("X-Drop-Recipient");
  if (wants_json) {
    send_json(ctx, 200, wire::FileUrlResponse{url});
  } else {
    ctx.res.set_redirect(url, 302);
    ctx.res.set_header("X-Request-Id", ctx.request_id);
  }
}

}  // namespace

void register_drop_routes(Router& router) {
  App& app = router.app();
  const std::string id = "([^/]+)";
  router.get("/api/v1/drop", [&app](Context& ctx) { list_drops(app, ctx); });
  router.post("/api/v1/drop", [&app](Context& ctx) { create_drop(app, ctx); });
  router.get("/api/v1/drop/" + id, [&app](Context& ctx) { get_drop(app, ctx); });
  router.patch("/api/v1/drop/" + id, [&app](Context& ctx) { patch_drop(app, ctx); });
  router.del("/api/v1/drop/" + id, [&app](Context& ctx) { delete_drop(app, ctx); });
  router.post("/api/v1/drop/" + id + "/file", [&app](Context& ctx) { add_file(app, ctx); });
  router.del("/api/v1/drop/" + id + "/file/" + id, [&app](Context& ctx) { abort_file(app, ctx); });
  router.get("/api/v1/drop/" + id + "/file/" + id,
             [&app](Context& ctx) { download_file(app, ctx); });
  router.post("/api/v1/drop/" + id + "/download",
              [&app](Context& ctx) { download_drop(app, ctx); });
}

}  // namespace anonfs::server
