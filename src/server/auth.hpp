// API-key authentication (protocol §1.1): `Authorization: Bearer ak_…`, looked up by SHA-256.
#pragma once

#include <string>

#include "app.hpp"
#include "http_context.hpp"

namespace anonfs::server {

// SHA-256 hex of the whole key string, as stored.
std::string hash_api_key(const std::string& key);

// Fills ctx.auth from the Authorization header. A bearer that does not start with "ak_" is ignored
// (no API key); an invalid, unknown or expired "ak_" key throws 401 immediately.
void authenticate(App& app, Context& ctx);
// authenticate() and require a key: 401 "Unauthorized - API key required" otherwise.
void require_api_key(App& app, Context& ctx, bool personal_only);

}  // namespace anonfs::server
