// SQL helpers: vaults and drop owner keys.
#include "store.hpp"

namespace anonfs::server::store {

std::optional<Vault> find_vault(Db& db, const std::string& user_id) {
  Stmt s(db,
         "SELECT user_id, vault_id, generation, auth_salt, auth_hash, vault_salt, "
         "wrapped_vault_key, kdf_version, created_at, updated_at FROM vaults WHERE user_id = ?");
  s.bind(1, user_id);
  if (!s.step()) return std::nullopt;
  Vault v;
  v.user_id = s.text(0);
  v.vault_id = s.text(1);
  v.generation = s.int64(2);
  v.auth_salt = s.text(3);
  v.auth_hash = s.text(4);
  v.vault_salt = s.text(5);
  v.wrapped_vault_key = s.text(6);
  v.kdf_version = s.int64(7);
  v.created_at = s.int64(8);
  v.updated_at = s.int64(9);
  return v;
}

void insert_vault(Db& db, const Vault& v) {
  Stmt s(db,
         "INSERT INTO vaults(user_id, vault_id, generation, auth_salt, auth_hash, vault_salt, "
         "wrapped_vault_key, kdf_version, created_at, updated_at) VALUES(?,?,?,?,?,?,?,?,?,?)");
  s.bind(1, v.user_id).bind(2, v.vault_id).bind(3, v.generation).bind(4, v.auth_salt);
  s.bind(5, v.auth_hash).bind(6, v.vault_salt).bind(7, v.wrapped_vault_key);
  s.bind(8, v.kdf_version).bind(9, v.created_at).bind(10, v.updated_at);
  s.run();
}

namespace {
OwnerKey read_key(const Stmt& s) {
  return OwnerKey{s.text(0), s.text(1), s.text(2), s.int64(3), s.int64(4)};
}
}  // namespace

std::optional<OwnerKey> find_owner_key(Db& db, const std::string& drop_id) {
  Stmt s(db,
         "SELECT drop_id, user_id, wrapped_key, vault_generation, updated_at "
         "FROM drop_owner_keys WHERE drop_id = ?");
  s.bind(1, drop_id);
  if (!s.step()) return std::nullopt;
  return read_key(s);
}

std::vector<OwnerKey> owner_keys_of(Db& db, const std::string& user_id) {
  Stmt s(db,
         "SELECT k.drop_id, k.user_id, k.wrapped_key, k.vault_generation, k.updated_at "
         "FROM drop_owner_keys k JOIN drops d ON d.id = k.drop_id "
         "WHERE k.user_id = ? AND d.deleted_at IS NULL ORDER BY k.updated_at DESC, k.rowid DESC");
  s.bind(1, user_id);
  std::vector<OwnerKey> out;
  while (s.step())
    out.push_back(read_key(s));
  return out;
}

void upsert_owner_key(Db& db, const OwnerKey& k) {
  Stmt s(db,
         "INSERT INTO drop_owner_keys(drop_id, user_id, wrapped_key, vault_generation, "
         "updated_at) VALUES(?,?,?,?,?) ON CONFLICT(drop_id) DO UPDATE SET "
         "wrapped_key = excluded.wrapped_key, vault_generation = excluded.vault_generation, "
         "updated_at = excluded.updated_at");
  s.bind(1, k.drop_id).bind(2, k.user_id).bind(3, k.wrapped_key).bind(4, k.vault_generation);
  s.bind(5, k.updated_at);
  s.run();
}

}  // namespace anonfs::server::store
