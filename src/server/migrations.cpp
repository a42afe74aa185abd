#include "migrations.hpp"

#include <array>

#include "migration_v3_secrets.hpp"

namespace anonfs::server {

namespace {

// Step i brings the schema from version i to i+1. Never edit a released step; append a new one.
const std::array<const char*, 3> kSteps = {
    // v1: accounts, API keys, drops, files, parts, vaults, owner keys, quota windows.
    R"sql(
CREATE TABLE users (
  id            TEXT PRIMARY KEY,
  email         TEXT NOT NULL UNIQUE,
  name          TEXT,
  plan          TEXT NOT NULL CHECK (plan IN ('free','plus','pro')),
  storage_used  INTEGER NOT NULL DEFAULT 0,
  banned        INTEGER NOT NULL DEFAULT 0,
  created_at    INTEGER NOT NULL
);
CREATE TABLE api_keys (
  id              TEXT PRIMARY KEY,
  user_id         TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  key_hash        TEXT NOT NULL UNIQUE,
  prefix          TEXT NOT NULL,
  organization_id TEXT,
  expires_at      INTEGER,
  created_at      INTEGER NOT NULL
);
CREATE TABLE drops (
  id                 TEXT PRIMARY KEY,
  user_id            TEXT REFERENCES users(id) ON DELETE CASCADE,
  encrypted_title    TEXT,
  encrypted_message  TEXT,
  iv                 TEXT NOT NULL,
  custom_key         INTEGER NOT NULL DEFAULT 0,
  salt               TEXT,
  custom_key_data    TEXT,
  custom_key_iv      TEXT,
  downloads          INTEGER NOT NULL DEFAULT 0,
  max_downloads      INTEGER,
  expires_at         INTEGER,
  hide_branding      INTEGER NOT NULL DEFAULT 0,
  notify_on_download INTEGER NOT NULL DEFAULT 0,
  disabled           INTEGER NOT NULL DEFAULT 0,
  taken_down         INTEGER NOT NULL DEFAULT 0,
  takedown_reason    TEXT,
  upload_complete    INTEGER NOT NULL DEFAULT 0,
  max_file_count     INTEGER,
  deleted_at         INTEGER,
  created_at         INTEGER NOT NULL
);
CREATE INDEX drops_by_user ON drops(user_id, created_at DESC);
CREATE TABLE drop_files (
  id              TEXT PRIMARY KEY,
  drop_id         TEXT NOT NULL REFERENCES drops(id) ON DELETE CASCADE,
  encrypted_name  TEXT NOT NULL,
  size            INTEGER NOT NULL,
  mime_type       TEXT NOT NULL,
  iv              TEXT NOT NULL,
  chunk_size      INTEGER NOT NULL,
  chunk_count     INTEGER NOT NULL,
  upload_id       TEXT NOT NULL,
  form_field_id   TEXT,
  complete        INTEGER NOT NULL DEFAULT 0,
  created_at      INTEGER NOT NULL
);
CREATE INDEX drop_files_by_drop ON drop_files(drop_id, created_at);
CREATE TABLE file_parts (
  file_id      TEXT NOT NULL REFERENCES drop_files(id) ON DELETE CASCADE,
  part_number  INTEGER NOT NULL,
  etag         TEXT NOT NULL,
  size         INTEGER NOT NULL,
  PRIMARY KEY (file_id, part_number)
);
CREATE TABLE file_chunks (
  file_id      TEXT NOT NULL REFERENCES drop_files(id) ON DELETE CASCADE,
  chunk_index  INTEGER NOT NULL,
  etag         TEXT NOT NULL,
  PRIMARY KEY (file_id, chunk_index)
);
CREATE TABLE vaults (
  user_id            TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  vault_id           TEXT NOT NULL UNIQUE,
  generation         INTEGER NOT NULL,
  auth_salt          TEXT NOT NULL,
  auth_hash          TEXT NOT NULL,
  vault_salt         TEXT NOT NULL,
  wrapped_vault_key  TEXT NOT NULL,
  kdf_version        INTEGER NOT NULL,
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL
);
CREATE TABLE drop_owner_keys (
  drop_id           TEXT PRIMARY KEY REFERENCES drops(id) ON DELETE CASCADE,
  user_id           TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  wrapped_key       TEXT NOT NULL,
  vault_generation  INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL
);
CREATE INDEX drop_owner_keys_by_user ON drop_owner_keys(user_id, updated_at DESC);
CREATE TABLE quota_windows (
  subject       TEXT NOT NULL,
  bucket        TEXT NOT NULL,
  window_start  INTEGER NOT NULL,
  count         INTEGER NOT NULL,
  PRIMARY KEY (subject, bucket, window_start)
);
)sql",
    // v2: forms (§9), their vault-wrapped owner keys (§10.4), submissions, monthly submission
    // counters, attachment upload tokens and the form link of attachment drops (§11).
    R"sql(
CREATE TABLE forms (
  id                      TEXT PRIMARY KEY,
  user_id                 TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  title                   TEXT NOT NULL,
  description             TEXT,
  schema_json             TEXT NOT NULL,
  public_key              TEXT NOT NULL,
  active                  INTEGER NOT NULL DEFAULT 1,
  disabled_by_user        INTEGER NOT NULL DEFAULT 0,
  taken_down              INTEGER NOT NULL DEFAULT 0,
  allow_file_uploads      INTEGER NOT NULL DEFAULT 0,
  max_file_size_override  INTEGER,
  max_submissions         INTEGER,
  submissions_count       INTEGER NOT NULL DEFAULT 0,
  closes_at               INTEGER,
  hide_branding           INTEGER NOT NULL DEFAULT 0,
  notify_on_submission    INTEGER NOT NULL DEFAULT 1,
  custom_key              INTEGER NOT NULL DEFAULT 0,
  salt                    TEXT,
  custom_key_data         TEXT,
  custom_key_iv           TEXT,
  custom_key_verifier     TEXT,
  created_at              INTEGER NOT NULL,
  updated_at              INTEGER NOT NULL
);
CREATE INDEX forms_by_user ON forms(user_id, created_at DESC);
CREATE TABLE form_owner_keys (
  form_id           TEXT PRIMARY KEY REFERENCES forms(id) ON DELETE CASCADE,
  user_id           TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  wrapped_key       TEXT NOT NULL,
  vault_generation  INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL
);
CREATE INDEX form_owner_keys_by_user ON form_owner_keys(user_id, updated_at DESC);
ALTER TABLE drops ADD COLUMN form_id TEXT REFERENCES forms(id) ON DELETE SET NULL;
ALTER TABLE drops ADD COLUMN form_staging INTEGER NOT NULL DEFAULT 0;
CREATE INDEX drops_by_form ON drops(form_id);
CREATE TABLE form_submissions (
  id                 TEXT PRIMARY KEY,
  form_id            TEXT NOT NULL REFERENCES forms(id) ON DELETE CASCADE,
  ephemeral_pub_key  TEXT NOT NULL,
  iv                 TEXT NOT NULL,
  encrypted_payload  TEXT NOT NULL,
  attached_drop_id   TEXT REFERENCES drops(id) ON DELETE SET NULL,
  submitter_user_id  TEXT REFERENCES users(id) ON DELETE SET NULL,
  read_at            INTEGER,
  created_at         INTEGER NOT NULL
);
CREATE INDEX form_submissions_by_form ON form_submissions(form_id, created_at DESC);
CREATE TABLE form_submission_months (
  user_id  TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  month    TEXT NOT NULL,
  count    INTEGER NOT NULL,
  PRIMARY KEY (user_id, month)
);
CREATE TABLE form_upload_tokens (
  token_hash  TEXT PRIMARY KEY,
  form_id     TEXT NOT NULL REFERENCES forms(id) ON DELETE CASCADE,
  drop_id     TEXT NOT NULL UNIQUE REFERENCES drops(id) ON DELETE CASCADE,
  files_json  TEXT NOT NULL,
  expires_at  INTEGER NOT NULL,
  used_at     INTEGER,
  created_at  INTEGER NOT NULL
);
CREATE INDEX form_upload_tokens_by_form ON form_upload_tokens(form_id);
)sql",
    // v3: one-time secrets (migration_v3_secrets.cpp).
    migration_v3_secrets_sql(),
};

}  // namespace

std::int64_t schema_version() noexcept {
  return static_cast<std::int64_t>(kSteps.size());
}

void migrate(Db& db) {
  auto lock = db.lock();
  std::int64_t current = db.user_version();
  if (current > schema_version()) {
    throw DbError(SQLITE_ERROR, "database schema version " + std::to_string(current) +
                                    " is newer than this server (" +
                                    std::to_string(schema_version()) + ")");
  }
  for (auto v = current; v < schema_version(); ++v) {
    Transaction tx(db);
    db.exec(kSteps[static_cast<std::size_t>(v)]);
    db.set_user_version(v + 1);
    tx.commit();
  }
}

}  // namespace anonfs::server
