// Row types and SQL helpers over the server database. Callers hold Db::lock() (and usually a
// Transaction) around a sequence of these calls; the helpers themselves never lock.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "anonfs/server/server.hpp"
#include "db.hpp"

namespace anonfs::server::store {

struct User {
  std::string id;
  std::string email;
  std::optional<std::string> name;
  Plan plan = Plan::kFree;
  std::int64_t storage_used = 0;  // ciphertext bytes reserved by add-file
  bool banned = false;
  std::int64_t created_at = 0;
};

struct ApiKeyAuth {
  User user;
  bool org_key = false;
};

struct Drop {
  std::string id;
  std::optional<std::string> user_id;
  std::optional<std::string> encrypted_title, encrypted_message;
  std::string iv;
  bool custom_key = false;
  std::optional<std::string> salt, custom_key_data, custom_key_iv;
  std::int64_t downloads = 0;
  std::optional<std::int64_t> max_downloads;
  std::optional<std::int64_t> expires_at;
  bool hide_branding = false, notify_on_download = false, disabled = false, taken_down = false;
  std::optional<std::string> takedown_reason;
  bool upload_complete = false;
  std::optional<std::int64_t> max_file_count;
  std::optional<std::int64_t> deleted_at;
  std::int64_t created_at = 0;
};

struct File {
  std::string id;
  std::string drop_id;
  std::string encrypted_name;
  std::int64_t size = 0;  // ciphertext bytes
  std::string mime_type;
  std::string iv;
  std::int64_t chunk_size = 0;
  std::int64_t chunk_count = 0;
  std::string upload_id;
  std::optional<std::string> form_field_id;
  bool complete = false;
  std::int64_t created_at = 0;

  std::int64_t part_size() const noexcept { return chunk_size + 16; }
  std::int64_t last_part_size() const noexcept { return size - (chunk_count - 1) * part_size(); }
  std::int64_t expected_part_size(std::int64_t part_number) const noexcept {
    return part_number == chunk_count ? last_part_size() : part_size();
  }
};

struct Part {
  std::string etag;
  std::int64_t size = 0;
};

struct Vault {
  std::string user_id;
  std::string vault_id;
  std::int64_t generation = 1;
  std::string auth_salt;
  std::string auth_hash;
  std::string vault_salt;
  std::string wrapped_vault_key;
  std::int64_t kdf_version = 1;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

struct OwnerKey {
  std::string drop_id;
  std::string user_id;
  std::string wrapped_key;
  std::int64_t vault_generation = 0;
  std::int64_t updated_at = 0;
};

// ---- users and keys
void insert_user(Db& db, const User& user);
std::optional<User> find_user(Db& db, const std::string& id);
std::optional<User> find_user_by_email(Db& db, const std::string& email);
void insert_api_key(Db& db, const std::string& user_id, const std::string& key_hash,
                    const std::string& prefix, std::int64_t now);
std::optional<ApiKeyAuth> find_api_key(Db& db, const std::string& key_hash, std::int64_t now);
void add_storage(Db& db, const std::string& user_id, std::int64_t delta);

// ---- drops
void insert_drop(Db& db, const Drop& drop);
std::optional<Drop> find_drop(Db& db, const std::string& id);
// Non-deleted drops of a user, newest first.
std::vector<Drop> list_user_drops(Db& db, const std::string& user_id, std::int64_t limit,
                                  std::int64_t offset);
std::int64_t count_user_drops(Db& db, const std::string& user_id);
std::int64_t count_incomplete_drops(Db& db, const std::string& user_id);
void set_drop_complete(Db& db, const std::string& id);
void set_drop_disabled(Db& db, const std::string& id, bool disabled);
void soft_delete_drop(Db& db, const std::string& id, std::int64_t now);
void delete_drop_row(Db& db, const std::string& id);
// Atomically counts one download if the drop is still under its limit. Returns the new count, or
// nullopt if the limit was already reached.
std::optional<std::int64_t> count_download(Db& db, const std::string& id);

// ---- files, parts, chunks
void insert_file(Db& db, const File& file);
std::optional<File> find_file(Db& db, const std::string& id);
std::vector<File> files_of(Db& db, const std::string& drop_id);
void set_file_complete(Db& db, const std::string& id);
void delete_file_row(Db& db, const std::string& id);
void upsert_part(Db& db, const std::string& file_id, std::int64_t part_number,
                 const std::string& etag, std::int64_t size);
std::map<std::int64_t, Part> parts_of(Db& db, const std::string& file_id);
std::map<std::int64_t, std::string> chunks_of(Db& db, const std::string& file_id);
void insert_chunk(Db& db, const std::string& file_id, std::int64_t index, const std::string& etag);

// ---- vault
std::optional<Vault> find_vault(Db& db, const std::string& user_id);
void insert_vault(Db& db, const Vault& vault);
std::optional<OwnerKey> find_owner_key(Db& db, const std::string& drop_id);
std::vector<OwnerKey> owner_keys_of(Db& db, const std::string& user_id);
void upsert_owner_key(Db& db, const OwnerKey& key);

// ---- sweeping
// Drops whose expiry is before `before`; unfinished drops created before `created_before`;
// soft-deleted drops deleted before `deleted_before`.
std::vector<std::string> drops_to_reap(Db& db, std::int64_t expired_before,
                                       std::int64_t created_before, std::int64_t deleted_before);
bool file_exists(Db& db, const std::string& id);

}  // namespace anonfs::server::store
