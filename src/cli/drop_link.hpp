// Share links of drops on the command line (open, get).
#pragma once

#include <optional>
#include <string>

#include "anonfs/crypto/share_url.hpp"

namespace anonfs::cli {

// A password drop's link has no key: recovers it (Argon2id) with the password from
// `password_file` or the terminal. Throws std::runtime_error for a wrong password or a keyless
// link of a drop that is not password-protected.
void ensure_link_key(crypto::AnonLiDropLink& link, const std::optional<std::string>& password_file);

}  // namespace anonfs::cli
