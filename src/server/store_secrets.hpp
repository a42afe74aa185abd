// Row types and SQL helpers of the one-time-secret services (schema v3): service keys,
// EnigmaCrypt messages, password.link secrets, their views, secret requests and monthly usage.
// Callers hold Db::lock() (and a Transaction where several statements must agree).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db.hpp"

namespace anonfs::server::store {

enum class ServiceKeyKind { kEnigma, kPlPublic, kPlPrivate };

struct ServiceKeyAuth {
  std::string user_id;
  ServiceKeyKind kind = ServiceKeyKind::kEnigma;
};

void insert_service_key(Db& db, const std::string& user_id, ServiceKeyKind kind,
                        const std::string& key_hash, std::int64_t now);
// The key's account, unless unknown or the account is banned.
std::optional<ServiceKeyAuth> find_service_key(Db& db, const std::string& key_hash);

// ---- EnigmaCrypt
struct EnigmaRow {
  std::string id;
  std::optional<std::string> user_id;
  std::optional<std::string> name;
  std::optional<std::string> encrypted_content;  // null once consumed or expired
  std::optional<std::string> delete_token_hash;
  std::int64_t access_count = 0;
  std::optional<std::int64_t> max_access;
  std::optional<std::int64_t> expires_at;
  std::optional<std::int64_t> consumed_at;
  std::int64_t created_at = 0;
};

void insert_enigma(Db& db, const EnigmaRow& row);
std::optional<EnigmaRow> find_enigma(Db& db, const std::string& id);
// Records one access; at max_access the content is wiped and consumed_at set.
void record_enigma_access(Db& db, const std::string& id, std::int64_t access_count, bool consume,
                          std::int64_t now);
void delete_enigma(Db& db, const std::string& id);
// A user's messages, newest first (content not read).
std::vector<EnigmaRow> list_enigma(Db& db, const std::string& user_id, std::int64_t limit,
                                   std::int64_t offset);

// ---- password.link secrets
struct PlSecretRow {
  std::string id;
  std::string user_id;
  std::optional<std::string> ciphertext;             // null once viewed out or expired
  std::optional<std::string> password_part_private;  // likewise
  std::optional<std::string> description, message;
  std::optional<std::int64_t> expiration_hours;
  std::optional<std::int64_t> expires_at;
  bool view_button = false, captcha = false, has_password = false;
  std::int64_t view_times = 0;
  std::int64_t max_views = 1;
  std::int64_t created_at = 0;
};

struct PlViewRow {
  std::int64_t viewed_at = 0;
  std::string ip;
  std::string user_agent;
};

void insert_pl_secret(Db& db, const PlSecretRow& row);
std::optional<PlSecretRow> find_pl_secret(Db& db, const std::string& id);
// Counts one view; at max_views the ciphertext and private half are deleted.
void record_pl_view(Db& db, const std::string& id, const PlViewRow& view, bool last);
std::vector<PlSecretRow> list_pl_secrets(Db& db, const std::string& user_id, std::int64_t limit,
                                         std::int64_t offset);
std::vector<PlViewRow> pl_views_of(Db& db, const std::string& secret_id);
std::int64_t count_pl_secrets(Db& db, const std::string& user_id);
void delete_pl_secret(Db& db, const std::string& id);

// ---- password.link secret requests
struct PlRequestRow {
  std::string id;
  std::string user_id;
  std::optional<std::string> description, message;
  std::optional<std::int64_t> expiration_hours;
  std::optional<std::int64_t> expires_at;
  std::int64_t use_limit = 1;
  std::optional<std::string> send_request_to_email, send_to_email;
  std::optional<std::string> secret_description, secret_message;
  std::optional<std::int64_t> secret_expiration;
  bool secret_password = false;
  std::optional<std::int64_t> secret_max_views;
  std::int64_t created_at = 0;
};

void insert_pl_request(Db& db, const PlRequestRow& row);
std::optional<PlRequestRow> find_pl_request(Db& db, const std::string& id);
std::vector<PlRequestRow> list_pl_requests(Db& db, const std::string& user_id, std::int64_t limit,
                                           std::int64_t offset);
std::int64_t count_pl_requests(Db& db, const std::string& user_id);
void delete_pl_request(Db& db, const std::string& id);

// ---- monthly usage ("YYYY-MM", UTC)
struct PlUsage {
  std::int64_t secrets = 0;
  std::int64_t requests = 0;
};
PlUsage pl_usage(Db& db, const std::string& user_id, const std::string& month);
void add_pl_usage(Db& db, const std::string& user_id, const std::string& month,
                  std::int64_t secrets, std::int64_t requests);

// ---- sweeping: wipes the content of expired secrets at once; deletes rows that have been
// consumed or expired for longer than `keep_ms`, and expired secret requests. Returns the number
// of rows changed.
std::size_t sweep_secrets(Db& db, std::int64_t now, std::int64_t keep_ms);

}  // namespace anonfs::server::store
