// Schema step v2 -> v3: the one-time-secret services (EnigmaCrypt, password.link).
#pragma once

namespace anonfs::server {

// The SQL of step v3 (see migrations.cpp; never edit it once released, append a new step).
const char* migration_v3_secrets_sql() noexcept;

}  // namespace anonfs::server
