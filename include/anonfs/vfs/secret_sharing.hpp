// Creating one-time secrets from text, shared by `anonfs secret create` and the mount's
// secrets/<service>/outbox/: input checks (UTF-8, size), encryption (crypto/enigmacrypt.hpp,
// crypto/passwordlink.hpp), the create call (api clients) and the share text (link, and for
// EnigmaCrypt the generated password on its own line). No FUSE types; no state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "anonfs/api/enigmacrypt_client.hpp"
#include "anonfs/api/passwordlink_client.hpp"
#include "anonfs/crypto/bytes.hpp"
#include "anonfs/crypto/hash.hpp"

namespace anonfs::vfs {

enum class SecretService { kEnigmaCrypt, kPasswordLink };

// "enigmacrypt" / "passwordlink".
const char* to_string(SecretService service) noexcept;
std::optional<SecretService> parse_secret_service(std::string_view name) noexcept;

// Largest secret text accepted (bytes of UTF-8): its encrypted form stays under the servers'
// 1 MiB payload bound (EnigmaCrypt ×4/3, password.link ×16/9 for text without escapes).
inline constexpr std::size_t kMaxSecretTextSize = 512 * 1024;

struct SecretOptions {
  std::int64_t max_views = 1;                // EnigmaCrypt maxAccess 1..1000, password.link 1..100
  std::optional<std::int64_t> expiry_hours;  // none: the service's default (no expiry)
  // EnigmaCrypt's PBKDF2 hash: SHA-256 (crypto-js 4.2.0, the default) or SHA-1 for recipients
  // whose page bundles crypto-js <= 4.1.1 (secrets-protocols.md §1.5).
  crypto::HashAlg enigma_hash = crypto::HashAlg::kSha256;
};

struct SentSecret {
  SecretService service = SecretService::kEnigmaCrypt;
  std::string id;
  crypto::SecretBytes url;       // password.link: carries the public half in the fragment
  crypto::SecretBytes password;  // EnigmaCrypt: the generated unlock password; else empty
  std::optional<std::string> delete_token;  // EnigmaCrypt anonymous creations
};

// Throws VfsError: kFileTooLarge above kMaxSecretTextSize, kInvalidArgument for empty input or
// input that is not UTF-8 text (binary: contains NUL or invalid UTF-8).
void check_secret_text(crypto::ByteView text);

// Checks, encrypts and creates. Errors: VfsError from check_secret_text or for options out of
// range (kInvalidArgument), api::ApiError from the create call.
SentSecret send_enigmacrypt(api::EnigmaCryptClient& client, crypto::ByteView text,
                            const SecretOptions& options);
SentSecret send_passwordlink(api::PasswordLinkClient& client, crypto::ByteView text,
                             const SecretOptions& options);

// The share text (also the content of sent/NAME.link):
//   password.link:  "<url>\n"
//   EnigmaCrypt:    "# EnigmaCrypt: send the link and the password through two different
//                    channels.\n<url>\n<password>\n"
crypto::SecretBytes share_text(const SentSecret& secret);

}  // namespace anonfs::vfs
