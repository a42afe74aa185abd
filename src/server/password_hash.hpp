// Salted slow hash of the vault auth_secret (the service stores it as the account's credential
// password). Format: "pbkdf2-sha256$<iterations>$<salt b64u>$<hash b64u>".
#pragma once

#include <string>
#include <string_view>

namespace anonfs::server {

std::string hash_secret(std::string_view secret);
// Constant-time comparison; false for malformed stored hashes.
bool verify_secret(std::string_view secret, const std::string& stored);

}  // namespace anonfs::server
