// SQL helpers: forms, form owner keys, submissions, upload tokens, attachment drops.
#include "store_forms.hpp"

namespace anonfs::server::store {

namespace {
constexpr const char* kFormCols =
    "id, user_id, title, description, schema_json, public_key, active, disabled_by_user, "
    "taken_down, allow_file_uploads, max_file_size_override, max_submissions, submissions_count, "
    "closes_at, hide_branding, notify_on_submission, custom_key, salt, custom_key_data, "
    "custom_key_iv, custom_key_verifier, created_at, updated_at";

Form read_form(const Stmt& s) {
  Form f;
  f.id = s.text(0);
  f.user_id = s.text(1);
  f.title = s.text(2);
  f.description = s.opt_text(3);
  f.schema_json = s.text(4);
  f.public_key = s.text(5);
  f.active = s.boolean(6);
  f.disabled_by_user = s.boolean(7);
  f.taken_down = s.boolean(8);
  f.allow_file_uploads = s.boolean(9);
  f.max_file_size_override = s.opt_int64(10);
  f.max_submissions = s.opt_int64(11);
  f.submissions_count = s.int64(12);
  f.closes_at = s.opt_int64(13);
  f.hide_branding = s.boolean(14);
  f.notify_on_submission = s.boolean(15);
  f.custom_key = s.boolean(16);
  f.salt = s.opt_text(17);
  f.custom_key_data = s.opt_text(18);
  f.custom_key_iv = s.opt_text(19);
  f.custom_key_verifier = s.opt_text(20);
  f.created_at = s.int64(21);
  f.updated_at = s.int64(22);
  return f;
}

// Binds the columns after `id` in kFormCols order starting at `first`.
void bind_form_columns(Stmt& s, int first, const Form& f) {
  int i = first;
  s.bind(i++, f.user_id);
  s.bind(i++, f.title);
  s.bind(i++, f.description);
  s.bind(i++, f.schema_json);
  s.bind(i++, f.public_key);
  s.bind(i++, f.active);
  s.bind(i++, f.disabled_by_user);
  s.bind(i++, f.taken_down);
  s.bind(i++, f.allow_file_uploads);
  s.bind(i++, f.max_file_size_override);
  s.bind(i++, f.max_submissions);
  s.bind(i++, f.submissions_count);
  s.bind(i++, f.closes_at);
  s.bind(i++, f.hide_branding);
  s.bind(i++, f.notify_on_submission);
  s.bind(i++, f.custom_key);
  s.bind(i++, f.salt);
  s.bind(i++, f.custom_key_data);
  s.bind(i++, f.custom_key_iv);
  s.bind(i++, f.custom_key_verifier);
  s.bind(i++, f.created_at);
  s.bind(i, f.updated_at);
}

constexpr const char* kSubmissionMetaCols =
    "id, form_id, attached_drop_id, submitter_user_id, read_at, created_at";
constexpr const char* kSubmissionCols =
    "id, form_id, attached_drop_id, submitter_user_id, read_at, created_at, ephemeral_pub_key, "
    "iv, encrypted_payload";

Submission read_submission(const Stmt& s, bool with_payload) {
  Submission out;
  out.id = s.text(0);
  out.form_id = s.text(1);
  out.attached_drop_id = s.opt_text(2);
  out.submitter_user_id = s.opt_text(3);
  out.read_at = s.opt_int64(4);
  out.created_at = s.int64(5);
  if (with_payload) {
    out.ephemeral_pub_key = s.text(6);
    out.iv = s.text(7);
    out.encrypted_payload = s.text(8);
  }
  return out;
}

FormOwnerKey read_owner_key(const Stmt& s) {
  return FormOwnerKey{s.text(0), s.text(1), s.text(2), s.int64(3), s.int64(4)};
}
}  // namespace

void insert_form(Db& db, const Form& f) {
  Stmt s(db, std::string("INSERT INTO forms(") + kFormCols +
                 ") VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  s.bind(1, f.id);
  bind_form_columns(s, 2, f);
  s.run();
}

void update_form(Db& db, const Form& f) {
  Stmt s(db,
         "UPDATE forms SET user_id = ?, title = ?, description = ?, schema_json = ?, "
         "public_key = ?, active = ?, disabled_by_user = ?, taken_down = ?, "
         "allow_file_uploads = ?, max_file_size_override = ?, max_submissions = ?, "
         "submissions_count = ?, closes_at = ?, hide_branding = ?, notify_on_submission = ?, "
         "custom_key = ?, salt = ?, custom_key_data = ?, custom_key_iv = ?, "
         "custom_key_verifier = ?, created_at = ?, updated_at = ? WHERE id = ?");
  bind_form_columns(s, 1, f);
  s.bind(23, f.id);
  s.run();
}

std::optional<Form> find_form(Db& db, const std::string& id) {
  Stmt s(db, std::string("SELECT ") + kFormCols + " FROM forms WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_form(s);
}

std::vector<Form> list_user_forms(Db& db, const std::string& user_id, std::int64_t limit,
                                  std::int64_t offset) {
  Stmt s(db, std::string("SELECT ") + kFormCols +
                 " FROM forms WHERE user_id = ? ORDER BY created_at DESC, rowid DESC "
                 "LIMIT ? OFFSET ?");
  s.bind(1, user_id).bind(2, limit).bind(3, offset);
  std::vector<Form> out;
  while (s.step())
    out.push_back(read_form(s));
  return out;
}

std::int64_t count_user_forms(Db& db, const std::string& user_id) {
  Stmt s(db, "SELECT COUNT(*) FROM forms WHERE user_id = ?");
  s.bind(1, user_id);
  s.step();
  return s.int64(0);
}

std::int64_t count_active_forms(Db& db, const std::string& user_id) {
  Stmt s(db,
         "SELECT COUNT(*) FROM forms WHERE user_id = ? AND active = 1 AND disabled_by_user = 0 "
         "AND taken_down = 0");
  s.bind(1, user_id);
  s.step();
  return s.int64(0);
}

void delete_form_row(Db& db, const std::string& id) {
  Stmt s(db, "DELETE FROM forms WHERE id = ?");
  s.bind(1, id);
  s.run();
}

void upsert_form_owner_key(Db& db, const FormOwnerKey& k) {
  Stmt s(db,
         "INSERT INTO form_owner_keys(form_id, user_id, wrapped_key, vault_generation, "
         "updated_at) VALUES(?,?,?,?,?) ON CONFLICT(form_id) DO UPDATE SET "
         "wrapped_key = excluded.wrapped_key, vault_generation = excluded.vault_generation, "
         "updated_at = excluded.updated_at");
  s.bind(1, k.form_id).bind(2, k.user_id).bind(3, k.wrapped_key).bind(4, k.vault_generation);
  s.bind(5, k.updated_at);
  s.run();
}

std::optional<FormOwnerKey> find_form_owner_key(Db& db, const std::string& form_id) {
  Stmt s(db,
         "SELECT form_id, user_id, wrapped_key, vault_generation, updated_at "
         "FROM form_owner_keys WHERE form_id = ?");
  s.bind(1, form_id);
  if (!s.step()) return std::nullopt;
  return read_owner_key(s);
}

std::vector<FormOwnerKey> form_owner_keys_of(Db& db, const std::string& user_id) {
  Stmt s(db,
         "SELECT form_id, user_id, wrapped_key, vault_generation, updated_at "
         "FROM form_owner_keys WHERE user_id = ? ORDER BY updated_at DESC, rowid DESC");
  s.bind(1, user_id);
  std::vector<FormOwnerKey> out;
  while (s.step())
    out.push_back(read_owner_key(s));
  return out;
}

void insert_submission(Db& db, const Submission& x) {
  Stmt s(db, std::string("INSERT INTO form_submissions(") + kSubmissionCols +
                 ") VALUES(?,?,?,?,?,?,?,?,?)");
  s.bind(1, x.id).bind(2, x.form_id).bind(3, x.attached_drop_id).bind(4, x.submitter_user_id);
  s.bind(5, x.read_at).bind(6, x.created_at).bind(7, x.ephemeral_pub_key).bind(8, x.iv);
  s.bind(9, x.encrypted_payload);
  s.run();
}

std::optional<Submission> find_submission(Db& db, const std::string& id) {
  Stmt s(db, std::string("SELECT ") + kSubmissionCols + " FROM form_submissions WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_submission(s, true);
}

std::vector<Submission> list_submissions(Db& db, const std::string& form_id, bool unread_only,
                                         bool with_payload, std::int64_t limit,
                                         std::int64_t offset) {
  Stmt s(db, std::string("SELECT ") + (with_payload ? kSubmissionCols : kSubmissionMetaCols) +
                 " FROM form_submissions WHERE form_id = ?" +
                 (unread_only ? " AND read_at IS NULL" : "") +
                 " ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?");
  s.bind(1, form_id).bind(2, limit).bind(3, offset);
  std::vector<Submission> out;
  while (s.step())
    out.push_back(read_submission(s, with_payload));
  return out;
}

std::int64_t count_submissions(Db& db, const std::string& form_id, bool unread_only) {
  Stmt s(db, std::string("SELECT COUNT(*) FROM form_submissions WHERE form_id = ?") +
                 (unread_only ? " AND read_at IS NULL" : ""));
  s.bind(1, form_id);
  s.step();
  return s.int64(0);
}

void mark_submission_read(Db& db, const std::string& id, std::int64_t when) {
  Stmt s(db, "UPDATE form_submissions SET read_at = ? WHERE id = ?");
  s.bind(1, when).bind(2, id);
  s.run();
}

void delete_submission_row(Db& db, const std::string& id) {
  Stmt s(db, "DELETE FROM form_submissions WHERE id = ?");
  s.bind(1, id);
  s.run();
}

std::vector<std::pair<std::string, std::optional<std::string>>> submissions_before(
    Db& db, const std::string& plan, std::int64_t cutoff) {
  Stmt s(db,
         "SELECT s.id, s.attached_drop_id FROM form_submissions s JOIN forms f ON f.id = s.form_id "
         "JOIN users u ON u.id = f.user_id WHERE u.plan = ? AND s.created_at < ?");
  s.bind(1, plan);
  s.bind(2, cutoff);
  std::vector<std::pair<std::string, std::optional<std::string>>> out;
  while (s.step())
    out.emplace_back(s.text(0), s.opt_text(1));
  return out;
}

void bump_submissions_count(Db& db, const std::string& form_id) {
  Stmt s(db, "UPDATE forms SET submissions_count = submissions_count + 1 WHERE id = ?");
  s.bind(1, form_id);
  s.run();
}

std::int64_t submissions_in_month(Db& db, const std::string& user_id, const std::string& month) {
  Stmt s(db, "SELECT count FROM form_submission_months WHERE user_id = ? AND month = ?");
  s.bind(1, user_id).bind(2, month);
  return s.step() ? s.int64(0) : 0;
}

void count_submission_in_month(Db& db, const std::string& user_id, const std::string& month) {
  Stmt s(db,
         "INSERT INTO form_submission_months(user_id, month, count) VALUES(?,?,1) "
         "ON CONFLICT(user_id, month) DO UPDATE SET count = count + 1");
  s.bind(1, user_id).bind(2, month);
  s.run();
}

void mark_form_drop(Db& db, const std::string& drop_id, const std::string& form_id) {
  Stmt s(db, "UPDATE drops SET form_id = ?, form_staging = 1 WHERE id = ?");
  s.bind(1, form_id).bind(2, drop_id);
  s.run();
}

std::optional<FormDropInfo> form_drop_info(Db& db, const std::string& drop_id) {
  Stmt s(db, "SELECT form_id, form_staging FROM drops WHERE id = ? AND form_id IS NOT NULL");
  s.bind(1, drop_id);
  if (!s.step()) return std::nullopt;
  return FormDropInfo{s.text(0), s.boolean(1)};
}

void attach_form_drop(Db& db, const std::string& drop_id, std::int64_t expires_at) {
  Stmt s(db, "UPDATE drops SET form_staging = 0, expires_at = ? WHERE id = ?");
  s.bind(1, expires_at).bind(2, drop_id);
  s.run();
}

std::vector<std::string> drops_of_form(Db& db, const std::string& form_id) {
  Stmt s(db, "SELECT id FROM drops WHERE form_id = ?");
  s.bind(1, form_id);
  std::vector<std::string> out;
  while (s.step())
    out.push_back(s.text(0));
  return out;
}

void insert_upload_token(Db& db, const UploadToken& t) {
  Stmt s(db,
         "INSERT INTO form_upload_tokens(token_hash, form_id, drop_id, files_json, expires_at, "
         "used_at, created_at) VALUES(?,?,?,?,?,?,?)");
  s.bind(1, t.token_hash).bind(2, t.form_id).bind(3, t.drop_id).bind(4, t.files_json);
  s.bind(5, t.expires_at).bind(6, t.used_at).bind(7, t.created_at);
  s.run();
}

std::optional<UploadToken> find_upload_token(Db& db, const std::string& token_hash) {
  Stmt s(db,
         "SELECT token_hash, form_id, drop_id, files_json, expires_at, used_at, created_at "
         "FROM form_upload_tokens WHERE token_hash = ?");
  s.bind(1, token_hash);
  if (!s.step()) return std::nullopt;
  UploadToken t;
  t.token_hash = s.text(0);
  t.form_id = s.text(1);
  t.drop_id = s.text(2);
  t.files_json = s.text(3);
  t.expires_at = s.int64(4);
  t.used_at = s.opt_int64(5);
  t.created_at = s.int64(6);
  return t;
}

bool use_upload_token(Db& db, const std::string& token_hash, std::int64_t now) {
  Stmt s(db, "UPDATE form_upload_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL");
  s.bind(1, now).bind(2, token_hash);
  s.run();
  return db.changes() == 1;
}

std::int64_t count_live_upload_tokens(Db& db, const std::string& form_id, std::int64_t now) {
  Stmt s(db,
         "SELECT COUNT(*) FROM form_upload_tokens WHERE form_id = ? AND used_at IS NULL AND "
         "expires_at > ?");
  s.bind(1, form_id).bind(2, now);
  s.step();
  return s.int64(0);
}

}  // namespace anonfs::server::store
