// SQL helpers: one-time-secret services (schema v3).
#include "store_secrets.hpp"

namespace anonfs::server::store {

namespace {

const char* kind_name(ServiceKeyKind kind) noexcept {
  switch (kind) {
    case ServiceKeyKind::kEnigma:
      return "enigma";
    case ServiceKeyKind::kPlPublic:
      return "pl_public";
    case ServiceKeyKind::kPlPrivate:
      return "pl_private";
  }
  return "enigma";
}

constexpr const char* kEnigmaCols =
    "id, user_id, name, encrypted_content, delete_token_hash, access_count, max_access, "
    "expires_at, consumed_at, created_at";

EnigmaRow read_enigma(const Stmt& s) {
  EnigmaRow r;
  r.id = s.text(0);
  r.user_id = s.opt_text(1);
  r.name = s.opt_text(2);
  r.encrypted_content = s.opt_text(3);
  r.delete_token_hash = s.opt_text(4);
  r.access_count = s.int64(5);
  r.max_access = s.opt_int64(6);
  r.expires_at = s.opt_int64(7);
  r.consumed_at = s.opt_int64(8);
  r.created_at = s.int64(9);
  return r;
}

constexpr const char* kPlCols =
    "id, user_id, ciphertext, password_part_private, description, message, expiration_hours, "
    "expires_at, view_button, captcha, has_password, view_times, max_views, created_at";

PlSecretRow read_pl(const Stmt& s) {
  PlSecretRow r;
  r.id = s.text(0);
  r.user_id = s.text(1);
  r.ciphertext = s.opt_text(2);
  r.password_part_private = s.opt_text(3);
  r.description = s.opt_text(4);
  r.message = s.opt_text(5);
  r.expiration_hours = s.opt_int64(6);
  r.expires_at = s.opt_int64(7);
  r.view_button = s.boolean(8);
  r.captcha = s.boolean(9);
  r.has_password = s.boolean(10);
  r.view_times = s.int64(11);
  r.max_views = s.int64(12);
  r.created_at = s.int64(13);
  return r;
}

constexpr const char* kReqCols =
    "id, user_id, description, message, expiration_hours, expires_at, use_limit, "
    "send_request_to_email, send_to_email, secret_description, secret_message, "
    "secret_expiration, secret_password, secret_max_views, created_at";

PlRequestRow read_req(const Stmt& s) {
  PlRequestRow r;
  r.id = s.text(0);
  r.user_id = s.text(1);
  r.description = s.opt_text(2);
  r.message = s.opt_text(3);
  r.expiration_hours = s.opt_int64(4);
  r.expires_at = s.opt_int64(5);
  r.use_limit = s.int64(6);
  r.send_request_to_email = s.opt_text(7);
  r.send_to_email = s.opt_text(8);
  r.secret_description = s.opt_text(9);
  r.secret_message = s.opt_text(10);
  r.secret_expiration = s.opt_int64(11);
  r.secret_password = s.boolean(12);
  r.secret_max_views = s.opt_int64(13);
  r.created_at = s.int64(14);
  return r;
}

std::int64_t count_where_user(Db& db, const char* sql, const std::string& user_id) {
  Stmt s(db, sql);
  s.bind(1, user_id);
  return s.step() ? s.int64(0) : 0;
}

}  // namespace

void insert_service_key(Db& db, const std::string& user_id, ServiceKeyKind kind,
                        const std::string& key_hash, std::int64_t now) {
  Stmt s(db, "INSERT INTO service_keys(key_hash, user_id, kind, created_at) VALUES(?,?,?,?)");
  s.bind(1, key_hash).bind(2, user_id).bind(3, kind_name(kind)).bind(4, now);
  s.run();
}

std::optional<ServiceKeyAuth> find_service_key(Db& db, const std::string& key_hash) {
  Stmt s(db,
         "SELECT k.user_id, k.kind FROM service_keys k JOIN users u ON u.id = k.user_id "
         "WHERE k.key_hash = ? AND u.banned = 0");
  s.bind(1, key_hash);
  if (!s.step()) return std::nullopt;
  ServiceKeyAuth auth;
  auth.user_id = s.text(0);
  const auto kind = s.text(1);
  auth.kind = kind == "pl_public"    ? ServiceKeyKind::kPlPublic
              : kind == "pl_private" ? ServiceKeyKind::kPlPrivate
                                     : ServiceKeyKind::kEnigma;
  return auth;
}

// ---- EnigmaCrypt

void insert_enigma(Db& db, const EnigmaRow& r) {
  Stmt s(db,
         "INSERT INTO enigma_messages(id, user_id, name, encrypted_content, delete_token_hash, "
         "access_count, max_access, expires_at, consumed_at, created_at) "
         "VALUES(?,?,?,?,?,?,?,?,?,?)");
  s.bind(1, r.id).bind(2, r.user_id).bind(3, r.name).bind(4, r.encrypted_content);
  s.bind(5, r.delete_token_hash).bind(6, r.access_count).bind(7, r.max_access);
  s.bind(8, r.expires_at).bind(9, r.consumed_at).bind(10, r.created_at);
  s.run();
}

std::optional<EnigmaRow> find_enigma(Db& db, const std::string& id) {
  Stmt s(db, std::string("SELECT ") + kEnigmaCols + " FROM enigma_messages WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_enigma(s);
}

void record_enigma_access(Db& db, const std::string& id, std::int64_t access_count, bool consume,
                          std::int64_t now) {
  if (consume) {
    Stmt s(db,
           "UPDATE enigma_messages SET access_count = ?, encrypted_content = NULL, "
           "consumed_at = ? WHERE id = ?");
    s.bind(1, access_count).bind(2, now).bind(3, id);
    s.run();
  } else {
    Stmt s(db, "UPDATE enigma_messages SET access_count = ? WHERE id = ?");
    s.bind(1, access_count).bind(2, id);
    s.run();
  }
}

void delete_enigma(Db& db, const std::string& id) {
  Stmt s(db, "DELETE FROM enigma_messages WHERE id = ?");
  s.bind(1, id);
  s.run();
}

std::vector<EnigmaRow> list_enigma(Db& db, const std::string& user_id, std::int64_t limit,
                                   std::int64_t offset) {
  // The content column is replaced by NULL: listing never reads a secret.
  Stmt s(db,
         "SELECT id, user_id, name, CASE WHEN encrypted_content IS NULL THEN NULL ELSE '' END, "
         "delete_token_hash, access_count, max_access, expires_at, consumed_at, created_at "
         "FROM enigma_messages WHERE user_id = ? ORDER BY created_at DESC, id LIMIT ? OFFSET ?");
  s.bind(1, user_id).bind(2, limit).bind(3, offset);
  std::vector<EnigmaRow> out;
  while (s.step())
    out.push_back(read_enigma(s));
  return out;
}

// ---- password.link secrets

void insert_pl_secret(Db& db, const PlSecretRow& r) {
  Stmt s(db,
         "INSERT INTO pl_secrets(id, user_id, ciphertext, password_part_private, description, "
         "message, expiration_hours, expires_at, view_button, captcha, has_password, view_times, "
         "max_views, created_at) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  s.bind(1, r.id).bind(2, r.user_id).bind(3, r.ciphertext).bind(4, r.password_part_private);
  s.bind(5, r.description).bind(6, r.message).bind(7, r.expiration_hours).bind(8, r.expires_at);
  s.bind(9, r.view_button).bind(10, r.captcha).bind(11, r.has_password);
  s.bind(12, r.view_times).bind(13, r.max_views).bind(14, r.created_at);
  s.run();
}

std::optional<PlSecretRow> find_pl_secret(Db& db, const std::string& id) {
  Stmt s(db, std::string("SELECT ") + kPlCols + " FROM pl_secrets WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_pl(s);
}

void record_pl_view(Db& db, const std::string& id, const PlViewRow& view, bool last) {
  {
    Stmt s(db, last ? "UPDATE pl_secrets SET view_times = view_times + 1, ciphertext = NULL, "
                      "password_part_private = NULL WHERE id = ?"
                    : "UPDATE pl_secrets SET view_times = view_times + 1 WHERE id = ?");
    s.bind(1, id);
    s.run();
  }
  Stmt v(db, "INSERT INTO pl_secret_views(secret_id, viewed_at, ip, user_agent) VALUES(?,?,?,?)");
  v.bind(1, id).bind(2, view.viewed_at).bind(3, view.ip).bind(4, view.user_agent);
  v.run();
}

std::vector<PlSecretRow> list_pl_secrets(Db& db, const std::string& user_id, std::int64_t limit,
                                         std::int64_t offset) {
  Stmt s(db,
         "SELECT id, user_id, NULL, NULL, description, message, expiration_hours, expires_at, "
         "view_button, captcha, has_password, view_times, max_views, created_at FROM pl_secrets "
         "WHERE user_id = ? ORDER BY created_at DESC, id LIMIT ? OFFSET ?");
  s.bind(1, user_id).bind(2, limit).bind(3, offset);
  std::vector<PlSecretRow> out;
  while (s.step())
    out.push_back(read_pl(s));
  return out;
}

std::vector<PlViewRow> pl_views_of(Db& db, const std::string& secret_id) {
  Stmt s(db,
         "SELECT viewed_at, ip, user_agent FROM pl_secret_views WHERE secret_id = ? "
         "ORDER BY viewed_at, rowid");
  s.bind(1, secret_id);
  std::vector<PlViewRow> out;
  while (s.step())
    out.push_back({s.int64(0), s.text(1), s.text(2)});
  return out;
}

std::int64_t count_pl_secrets(Db& db, const std::string& user_id) {
  return count_where_user(db, "SELECT COUNT(*) FROM pl_secrets WHERE user_id = ?", user_id);
}

void delete_pl_secret(Db& db, const std::string& id) {
  Stmt s(db, "DELETE FROM pl_secrets WHERE id = ?");
  s.bind(1, id);
  s.run();
}

// ---- secret requests

void insert_pl_request(Db& db, const PlRequestRow& r) {
  Stmt s(db,
         "INSERT INTO pl_secret_requests(id, user_id, description, message, expiration_hours, "
         "expires_at, use_limit, send_request_to_email, send_to_email, secret_description, "
         "secret_message, secret_expiration, secret_password, secret_max_views, created_at) "
         "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  s.bind(1, r.id).bind(2, r.user_id).bind(3, r.description).bind(4, r.message);
  s.bind(5, r.expiration_hours).bind(6, r.expires_at).bind(7, r.use_limit);
  s.bind(8, r.send_request_to_email).bind(9, r.send_to_email).bind(10, r.secret_description);
  s.bind(11, r.secret_message).bind(12, r.secret_expiration).bind(13, r.secret_password);
  s.bind(14, r.secret_max_views).bind(15, r.created_at);
  s.run();
}

std::optional<PlRequestRow> find_pl_request(Db& db, const std::string& id) {
  Stmt s(db, std::string("SELECT ") + kReqCols + " FROM pl_secret_requests WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_req(s);
}

std::vector<PlRequestRow> list_pl_requests(Db& db, const std::string& user_id, std::int64_t limit,
                                           std::int64_t offset) {
  Stmt s(db, std::string("SELECT ") + kReqCols +
                 " FROM pl_secret_requests WHERE user_id = ? ORDER BY created_at DESC, id "
                 "LIMIT ? OFFSET ?");
  s.bind(1, user_id).bind(2, limit).bind(3, offset);
  std::vector<PlRequestRow> out;
  while (s.step())
    out.push_back(read_req(s));
  return out;
}

std::int64_t count_pl_requests(Db& db, const std::string& user_id) {
  return count_where_user(db, "SELECT COUNT(*) FROM pl_secret_requests WHERE user_id = ?", user_id);
}

void delete_pl_request(Db& db, const std::string& id) {
  Stmt s(db, "DELETE FROM pl_secret_requests WHERE id = ?");
  s.bind(1, id);
  s.run();
}

// ---- usage

PlUsage pl_usage(Db& db, const std::string& user_id, const std::string& month) {
  Stmt s(db, "SELECT secrets, requests FROM pl_usage_months WHERE user_id = ? AND month = ?");
  s.bind(1, user_id).bind(2, month);
  if (!s.step()) return {};
  return {s.int64(0), s.int64(1)};
}

void add_pl_usage(Db& db, const std::string& user_id, const std::string& month,
                  std::int64_t secrets, std::int64_t requests) {
  Stmt s(db,
         "INSERT INTO pl_usage_months(user_id, month, secrets, requests) VALUES(?,?,?,?) "
         "ON CONFLICT(user_id, month) DO UPDATE SET secrets = secrets + excluded.secrets, "
         "requests = requests + excluded.requests");
  s.bind(1, user_id).bind(2, month).bind(3, secrets).bind(4, requests);
  s.run();
}

// ---- sweeping

std::size_t sweep_secrets(Db& db, std::int64_t now, std::int64_t keep_ms) {
  std::size_t changed = 0;
  auto run = [&](const char* sql, std::int64_t a) {
    Stmt s(db, sql);
    s.bind(1, a);
    s.run();
    changed += static_cast<std::size_t>(db.changes());
  };
  run("UPDATE enigma_messages SET encrypted_content = NULL WHERE encrypted_content IS NOT NULL "
      "AND expires_at IS NOT NULL AND expires_at <= ?",
      now);
  run("UPDATE pl_secrets SET ciphertext = NULL, password_part_private = NULL WHERE ciphertext "
      "IS NOT NULL AND expires_at IS NOT NULL AND expires_at <= ?",
      now);
  run("DELETE FROM enigma_messages WHERE (consumed_at IS NOT NULL AND consumed_at <= ?1) OR "
      "(expires_at IS NOT NULL AND expires_at <= ?1)",
      now - keep_ms);
  run("DELETE FROM pl_secrets WHERE expires_at IS NOT NULL AND expires_at <= ?", now - keep_ms);
  run("DELETE FROM pl_secret_requests WHERE expires_at IS NOT NULL AND expires_at <= ?", now);
  return changed;
}

}  // namespace anonfs::server::store
