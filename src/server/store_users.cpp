// SQL helpers: users and API keys.
#include "ids.hpp"
#include "store.hpp"

namespace anonfs::server::store {

namespace {
constexpr const char* kUserCols = "id, email, name, plan, storage_used, banned, created_at";

User read_user(const Stmt& s, int c = 0) {
  User u;
  u.id = s.text(c + 0);
  u.email = s.text(c + 1);
  u.name = s.opt_text(c + 2);
  u.plan = parse_plan(s.text(c + 3)).value_or(Plan::kFree);
  u.storage_used = s.int64(c + 4);
  u.banned = s.boolean(c + 5);
  u.created_at = s.int64(c + 6);
  return u;
}
}  // namespace

void insert_user(Db& db, const User& u) {
  Stmt s(db,
         "INSERT INTO users(id, email, name, plan, storage_used, banned, created_at) "
         "VALUES(?,?,?,?,?,?,?)");
  s.bind(1, u.id).bind(2, u.email).bind(3, u.name).bind(4, to_string(u.plan));
  s.bind(5, u.storage_used).bind(6, u.banned).bind(7, u.created_at);
  s.run();
}

std::optional<User> find_user(Db& db, const std::string& id) {
  Stmt s(db, std::string("SELECT ") + kUserCols + " FROM users WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_user(s);
}

std::optional<User> find_user_by_email(Db& db, const std::string& email) {
  Stmt s(db, std::string("SELECT ") + kUserCols + " FROM users WHERE email = ?");
  s.bind(1, email);
  if (!s.step()) return std::nullopt;
  return read_user(s);
}

void insert_api_key(Db& db, const std::string& user_id, const std::string& key_hash,
                    const std::string& prefix, std::int64_t now) {
  Stmt s(db, "INSERT INTO api_keys(id, user_id, key_hash, prefix, created_at) VALUES(?,?,?,?,?)");
  s.bind(1, ids::cuid()).bind(2, user_id).bind(3, key_hash).bind(4, prefix).bind(5, now);
  s.run();
}

std::optional<ApiKeyAuth> find_api_key(Db& db, const std::string& key_hash, std::int64_t now) {
  Stmt s(db,
         "SELECT u.id, u.email, u.name, u.plan, u.storage_used, u.banned, u.created_at, "
         "k.organization_id, k.expires_at FROM api_keys k JOIN users u ON u.id = k.user_id "
         "WHERE k.key_hash = ?");
  s.bind(1, key_hash);
  if (!s.step()) return std::nullopt;
  auto expires = s.opt_int64(8);
  if (expires && *expires <= now) return std::nullopt;
  ApiKeyAuth auth{read_user(s), !s.is_null(7)};
  if (auth.user.banned) return std::nullopt;
  return auth;
}

void add_storage(Db& db, const std::string& user_id, std::int64_t delta) {
  Stmt s(db, "UPDATE users SET storage_used = MAX(0, storage_used + ?) WHERE id = ?");
  s.bind(1, delta).bind(2, user_id);
  s.run();
}

}  // namespace anonfs::server::store
