// Schema of the server's SQLite database, versioned with PRAGMA user_version.
#pragma once

#include "db.hpp"

namespace anonfs::server {

// The schema version this build writes.
std::int64_t schema_version() noexcept;
// Brings the database up to schema_version(), one transaction per step. Throws DbError if the
// database is newer than this build.
void migrate(Db& db);

}  // namespace anonfs::server
