#include "migration_v3_secrets.hpp"

namespace anonfs::server {

// v3: service keys (EnigmaCrypt bearer tokens, password.link public/private keys, stored by
// SHA-256), EnigmaCrypt messages, password.link secrets with their view log, secret requests and
// monthly usage counters.
const char* migration_v3_secrets_sql() noexcept {
  return R"sql(
CREATE TABLE service_keys (
  key_hash    TEXT PRIMARY KEY,
  user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  kind        TEXT NOT NULL CHECK (kind IN ('enigma','pl_public','pl_private')),
  created_at  INTEGER NOT NULL
);
CREATE INDEX service_keys_by_user ON service_keys(user_id);
CREATE TABLE enigma_messages (
  id                 TEXT PRIMARY KEY,
  user_id            TEXT REFERENCES users(id) ON DELETE CASCADE,
  name               TEXT,
  encrypted_content  TEXT,
  delete_token_hash  TEXT,
  access_count       INTEGER NOT NULL DEFAULT 0,
  max_access         INTEGER,
  expires_at         INTEGER,
  consumed_at        INTEGER,
  created_at         INTEGER NOT NULL
);
CREATE INDEX enigma_messages_by_user ON enigma_messages(user_id, created_at DESC);
CREATE TABLE pl_secrets (
  id                     TEXT PRIMARY KEY,
  user_id                TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  ciphertext             TEXT,
  password_part_private  TEXT,
  description            TEXT,
  message                TEXT,
  expiration_hours       INTEGER,
  expires_at             INTEGER,
  view_button            INTEGER NOT NULL DEFAULT 0,
  captcha                INTEGER NOT NULL DEFAULT 0,
  has_password           INTEGER NOT NULL DEFAULT 0,
  view_times             INTEGER NOT NULL DEFAULT 0,
  max_views              INTEGER NOT NULL DEFAULT 1,
  created_at             INTEGER NOT NULL
);
CREATE INDEX pl_secrets_by_user ON pl_secrets(user_id, created_at DESC);
CREATE TABLE pl_secret_views (
  secret_id   TEXT NOT NULL REFERENCES pl_secrets(id) ON DELETE CASCADE,
  viewed_at   INTEGER NOT NULL,
  ip          TEXT NOT NULL,
  user_agent  TEXT NOT NULL
);
CREATE INDEX pl_secret_views_by_secret ON pl_secret_views(secret_id, viewed_at);
CREATE TABLE pl_secret_requests (
  id                     TEXT PRIMARY KEY,
  user_id                TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  description            TEXT,
  message                TEXT,
  expiration_hours       INTEGER,
  expires_at             INTEGER,
  use_limit              INTEGER NOT NULL DEFAULT 1,
  send_request_to_email  TEXT,
  send_to_email          TEXT,
  secret_description     TEXT,
  secret_message         TEXT,
  secret_expiration      INTEGER,
  secret_password        INTEGER NOT NULL DEFAULT 0,
  secret_max_views       INTEGER,
  created_at             INTEGER NOT NULL
);
CREATE INDEX pl_secret_requests_by_user ON pl_secret_requests(user_id, created_at DESC);
CREATE TABLE pl_usage_months (
  user_id   TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  month     TEXT NOT NULL,
  secrets   INTEGER NOT NULL DEFAULT 0,
  requests  INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (user_id, month)
);
)sql";
}

}  // namespace anonfs::server
