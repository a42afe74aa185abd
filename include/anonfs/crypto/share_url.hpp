// Share-URL parsing and building for anon.li drops, password.link secrets and EnigmaCrypt
// secrets (anonli-protocol.md §6, secrets-protocols.md §1.2 and §2.6).
//
// Every parser keeps the URL's base (scheme://host[:port][path prefix], scheme and host
// lowercased) so that one parser serves the real services and a self-hosted or local reference
// server (e.g. http://127.0.0.1:8080). Accepted: http and https only; printable ASCII only (no
// whitespace, control characters, IDN or characters that are never valid in a URL such as
// `\ " < > ^ ` { | }`); no userinfo; no empty, "." or ".." path segments; at most 4096 characters.
// Anything else, and every service-specific violation below, throws CryptoError(kInvalidFormat).
// Fragments are never form-decoded or percent-decoded.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "anonfs/crypto/bytes.hpp"

namespace anonfs::crypto {

inline constexpr std::size_t kShareUrlMaxSize = 4096;
inline constexpr std::size_t kAnonLiDropIdMaxSize = 64;

// --- anon.li drops ------------------------------------------------------------------------------
//
// Accepted forms (<base> = scheme://host[:port][prefix]):
//   <base>/d/<dropId>#<key>                 normal drop
//   <base>/d/<dropId>#k=<key>&r=<token>     named recipient (parameters in either order; k or r
//                                           alone also accepted)
//   <base>/d/<dropId>#r=<token>             password drop, named recipient
//   <base>/d/<dropId>                       password drop (the key comes from the drop password)
//   <base>/d/<dropId>?r=<token>             legacy e-mail form (may also carry a #<key>)
// dropId: [0-9a-z]{1,64}. The real service issues 16 characters; the bound is wider so that
// reference and test servers with other id lengths parse too. key and token: ^[A-Za-z0-9_-]{43}$,
// and the key must be canonical base64url of 32 bytes. Rejected: unknown or duplicate fragment
// parameters (r in both query and fragment counts as duplicate), other query parameters, empty
// parameters.
struct AnonLiDropLink {
  std::string base;                            // e.g. "https://anon.li", never ends with '/'
  std::string drop_id;                         // e.g. "k3x9…"
  std::optional<SecretBytes> key;              // the 32 raw key bytes; absent for password drops
  std::optional<SecretBytes> recipient_token;  // the 43-character base64url token text
};

AnonLiDropLink parse_anonli_drop_url(std::string_view url);

// Canonical form: <base>/d/<id>, then #<key> | #k=<key>&r=<token> | #r=<token> | nothing.
// `base` may end with one '/'. Throws kInvalidArgument on a bad base, id, key size or token.
// Returned as SecretBytes because the URL carries the key.
SecretBytes build_anonli_drop_url(const AnonLiDropLink& link);

// --- password.link secrets ----------------------------------------------------------------------
//
// Accepted forms:
//   <base>/<id>/#<pub>     hosted viewer (canonical)      -> style kPath
//   <base>/<id>#<pub>                                      -> style kPath
//   <page>?<id>#<pub>      self-hosted view page, also    -> style kQuery
//   <base>/?<id>#<pub>     (the <page> part is kept verbatim, trailing '/' included)
// id: [A-Za-z0-9_-]{1,64}. pub: base64 (standard alphabet, '+' stays '+') of exactly 18 bytes,
// i.e. 24 characters. A fragment is required. Secret-request links (/req/<uuid>) do not parse.
enum class PasswordLinkUrlStyle {
  kPath,   // <base>/<id>/#<pub>
  kQuery,  // <base>?<id>#<pub>
};

struct PasswordLinkShareLink {
  std::string base;  // kPath: no trailing '/'; kQuery: the page URL without query, verbatim
  std::string secret_id;
  SecretBytes public_part_b64;  // the fragment text (24 characters)
  PasswordLinkUrlStyle style = PasswordLinkUrlStyle::kPath;
};

PasswordLinkShareLink parse_passwordlink_url(std::string_view url);

// kPath: <base>/<id>/#<pub> (a trailing '/' on base is dropped); kQuery: <base>?<id>#<pub>.
// Throws kInvalidArgument on a bad base, id or public half.
SecretBytes build_passwordlink_url(const PasswordLinkShareLink& link);

// --- EnigmaCrypt secrets ------------------------------------------------------------------------
//
// Accepted form: <base>/s/<id>, id [A-Za-z0-9_-]{1,64}, no query, no (or an empty) fragment.
// The unlock password is never part of the link; it travels separately.
struct EnigmaShareLink {
  std::string base;  // e.g. "https://enigmacrypt.app", never ends with '/'
  std::string message_id;
};

EnigmaShareLink parse_enigmacrypt_url(std::string_view url);

// Canonical form <base>/s/<id>. Throws kInvalidArgument on a bad base or id.
std::string build_enigmacrypt_url(const EnigmaShareLink& link);

// --- any service --------------------------------------------------------------------------------

using ShareLink = std::variant<AnonLiDropLink, PasswordLinkShareLink, EnigmaShareLink>;

// Parses a link of any of the three services. The hosts anon.li, password.link and
// enigmacrypt.app (and their subdomains) select their own parser; for other hosts the parsers are
// tried in the order anon.li, EnigmaCrypt, password.link and the first that accepts wins.
// Throws kInvalidFormat when none accepts.
ShareLink parse_share_url(std::string_view url);

}  // namespace anonfs::crypto
