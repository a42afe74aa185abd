// Share-URL parsing and building (anonli-protocol.md §6, secrets-protocols.md §1.2, §2.6).

#include "anonfs/crypto/share_url.hpp"

#include <cstdint>
#include <string>

#include "anonfs/crypto/base64.hpp"
#include "anonfs/crypto/error.hpp"
#include "anonfs/crypto/passwordlink.hpp"

namespace anonfs::crypto {
namespace {

constexpr std::size_t kTokenSize = 43;  // 32 bytes in base64url without padding
constexpr std::size_t kKeySize = 32;
constexpr std::size_t kIdMaxSize = 64;
constexpr std::size_t kHostMaxSize = 253;

[[noreturn]] void bad_url(const char* what) {
  throw CryptoError(CryptoErrc::kInvalidFormat, std::string("share URL: ") + what);
}
[[noreturn]] void bad_argument(const char* what) {
  throw CryptoError(CryptoErrc::kInvalidArgument, std::string("share URL: ") + what);
}

bool is_alnum(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool is_hex(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
char lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

bool all_chars(std::string_view s, bool (*pred)(char)) {
  for (char c : s) {
    if (!pred(c)) return false;
  }
  return true;
}

bool is_b64url_char(char c) noexcept {
  return is_alnum(c) || c == '-' || c == '_';
}
bool is_anonli_id_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool is_token(std::string_view s) {
  return s.size() == kTokenSize && all_chars(s, is_b64url_char);
}
bool is_anonli_drop_id(std::string_view s) {
  return !s.empty() && s.size() <= kAnonLiDropIdMaxSize && all_chars(s, is_anonli_id_char);
}
bool is_secret_id(std::string_view s) {
  return !s.empty() && s.size() <= kIdMaxSize && all_chars(s, is_b64url_char);
}

// A path segment character (RFC 3986 pchar without '%', which is checked separately).
bool is_pchar(char c) noexcept {
  if (is_alnum(c)) return true;
  switch (c) {
    case '-':
    case '.':
    case '_':
    case '~':  // unreserved
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':  // sub-delims
    case '*':
    case '+':
    case ',':
    case ';':
    case '=':
    case ':':
    case '@':
      return true;
    default:
      return false;
  }
}

// --- generic URL splitting ----------------------------------------------------------------------

struct UrlParts {
  std::string origin;                        // scheme://host[:port], scheme and host lowercased
  std::string_view path;                     // "" or starting with '/'
  std::optional<std::string_view> query;     // after '?', without it
  std::optional<std::string_view> fragment;  // after '#', without it
};

void check_host(std::string_view host) {
  if (host.empty()) bad_url("empty host");
  if (host.front() == '[') {
    if (host.size() < 4 || host.back() != ']') bad_url("malformed IPv6 literal");
    const std::string_view inner = host.substr(1, host.size() - 2);
    bool colon = false;
    for (char c : inner) {
      if (c == ':') {
        colon = true;
      } else if (!is_hex(c) && c != '.') {
        bad_url("malformed IPv6 literal");
      }
    }
    if (!colon) bad_url("malformed IPv6 literal");
    return;
  }
  if (host.size() > kHostMaxSize) bad_url("host name too long");
  std::size_t label = 0;
  for (char c : host) {
    if (c == '.') {
      if (label == 0) bad_url("empty host label");
      label = 0;
    } else if (is_alnum(c) || c == '-') {
      ++label;
    } else {
      bad_url("invalid character in host");
    }
  }
  if (label == 0) bad_url("empty host label");
}

// Validates a port and returns it without leading zeros.
std::string check_port(std::string_view port) {
  if (port.empty() || port.size() > 5) bad_url("invalid port");
  std::uint32_t value = 0;
  for (char c : port) {
    if (c < '0' || c > '9') bad_url("invalid port");
    value = value * 10 + static_cast<std::uint32_t>(c - '0');
  }
  if (value == 0 || value > 65535) bad_url("port out of range");
  return std::to_string(value);
}

void check_path(std::string_view path) {
  if (path.empty()) return;
  if (path.front() != '/') bad_url("path must start with '/'");
  std::size_t start = 1;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view seg = path.substr(start, end - start);
    // An empty segment is allowed only as the trailing one ("/a/b/").
    if (seg.empty() && end != path.size()) bad_url("empty path segment");
    if (seg == "." || seg == "..") bad_url("dot path segment");
    for (std::size_t i = 0; i < seg.size(); ++i) {
      if (seg[i] == '%') {
        if (i + 2 >= seg.size() || !is_hex(seg[i + 1]) || !is_hex(seg[i + 2])) {
          bad_url("malformed percent escape");
        }
        i += 2;
      } else if (!is_pchar(seg[i])) {
        bad_url("invalid character in path");
      }
    }
    start = end + 1;
  }
}

UrlParts split_url(std::string_view url) {
  if (url.empty()) bad_url("empty");
  if (url.size() > kShareUrlMaxSize) bad_url("too long");
  for (char c : url) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F) bad_url("whitespace, control or non-ASCII character");
    switch (c) {
      case '\\':
      case '"':
      case '<':
      case '>':
      case '^':
      case '`':
      case '{':
      case '|':
      case '}':
        bad_url("character not allowed in a URL");
      default:
        break;
    }
  }
  const std::size_t sep = url.find("://");
  if (sep == std::string_view::npos) bad_url("no scheme");
  std::string scheme;
  for (char c : url.substr(0, sep))
    scheme += lower(c);
  if (scheme != "http" && scheme != "https") bad_url("scheme must be http or https");

  const std::string_view rest = url.substr(sep + 3);
  const std::size_t auth_end = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, auth_end);
  if (authority.find('@') != std::string_view::npos) bad_url("userinfo is not allowed");

  std::string_view host = authority;
  std::optional<std::string> port;
  const std::size_t bracket = authority.rfind(']');
  const std::size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
    host = authority.substr(0, colon);
    port = check_port(authority.substr(colon + 1));
  }
  check_host(host);

  UrlParts parts;
  parts.origin = scheme + "://";
  for (char c : host)
    parts.origin += lower(c);
  if (port) parts.origin += ":" + *port;

  std::string_view tail =
      auth_end == std::string_view::npos ? std::string_view() : rest.substr(auth_end);
  const std::size_t hash = tail.find('#');
  if (hash != std::string_view::npos) {
    parts.fragment = tail.substr(hash + 1);
    if (parts.fragment->find('#') != std::string_view::npos) bad_url("more than one '#'");
    tail = tail.substr(0, hash);
  }
  const std::size_t question = tail.find('?');
  if (question != std::string_view::npos) {
    parts.query = tail.substr(question + 1);
    tail = tail.substr(0, question);
  }
  parts.path = tail;
  check_path(parts.path);
  return parts;
}

// Splits "<prefix>/<marker>/<id>" (marker "d" or "s"); returns false if the path has another shape.
bool split_marked_path(std::string_view path, std::string_view marker, std::string_view& prefix,
                       std::string_view& id) {
  const std::size_t last = path.rfind('/');
  if (last == std::string_view::npos || last == 0) return false;
  const std::size_t before = path.rfind('/', last - 1);
  if (before == std::string_view::npos) return false;
  if (path.substr(before + 1, last - before - 1) != marker) return false;
  prefix = path.substr(0, before);
  id = path.substr(last + 1);
  return true;
}

// Text with secrets assembled in a std::string: move into SecretBytes and wipe the original.
SecretBytes to_secret(std::string& text) {
  SecretBytes out = SecretBytes::from_string(text);
  secure_wipe(text.data(), text.size());
  return out;
}

// Validates a builder's base and returns it normalised; `keep_trailing_slash` for kQuery pages.
std::string builder_base(std::string_view base, bool keep_trailing_slash) {
  UrlParts parts;
  try {
    parts = split_url(base);
  } catch (const CryptoError&) {
    bad_argument("invalid base URL");
  }
  if (parts.query || parts.fragment) bad_argument("base URL must not have a query or fragment");
  std::string_view path = parts.path;
  if (!keep_trailing_slash && path.ends_with('/')) path.remove_suffix(1);
  return parts.origin + std::string(path);
}

bool host_is(std::string_view origin, std::string_view domain) {
  const std::size_t sep = origin.find("://");
  std::string_view host = origin.substr(sep + 3);
  if (!host.starts_with('[')) host = host.substr(0, host.find(':'));
  if (host == domain) return true;
  return host.size() > domain.size() && host.ends_with(domain) &&
         host[host.size() - domain.size() - 1] == '.';
}

}  // namespace

// --- anon.li ------------------------------------------------------------------------------------

AnonLiDropLink parse_anonli_drop_url(std::string_view url) {
  const UrlParts parts = split_url(url);
  std::string_view prefix, id;
  if (!split_marked_path(parts.path, "d", prefix, id)) bad_url("anon.li links look like /d/<id>");
  if (!is_anonli_drop_id(id)) bad_url("invalid anon.li drop id");

  std::optional<std::string_view> key_text;
  std::optional<std::string_view> token_text;
  if (parts.query) {
    if (!parts.query->starts_with("r=")) bad_url("unexpected query in anon.li link");
    token_text = parts.query->substr(2);
  }
  if (parts.fragment && !parts.fragment->empty()) {
    const std::string_view frag = *parts.fragment;
    if (frag.find('=') == std::string_view::npos) {
      key_text = frag;
    } else {
      std::size_t start = 0;
      bool seen_k = false;
      for (;;) {
        std::size_t end = frag.find('&', start);
        if (end == std::string_view::npos) end = frag.size();
        const std::string_view param = frag.substr(start, end - start);
        if (param.starts_with("k=")) {
          if (seen_k) bad_url("duplicate k parameter");
          seen_k = true;
          key_text = param.substr(2);
        } else if (param.starts_with("r=")) {
          if (token_text) bad_url("duplicate r parameter");
          token_text = param.substr(2);
        } else {
          bad_url("unknown fragment parameter in anon.li link");
        }
        if (end == frag.size()) break;
        start = end + 1;
      }
    }
  }

  AnonLiDropLink link;
  link.base = parts.origin + std::string(prefix);
  link.drop_id = std::string(id);
  if (key_text) {
    if (!is_token(*key_text)) bad_url("anon.li key must be 43 base64url characters");
    SecretBytes key;
    try {
      key = base64url_decode_secret(*key_text, Padding::kForbidden);
    } catch (const CryptoError&) {
      bad_url("anon.li key is not canonical base64url");
    }
    if (key.size() != kKeySize) bad_url("anon.li key must be 32 bytes");
    link.key = std::move(key);
  }
  if (token_text) {
    if (!is_token(*token_text)) bad_url("anon.li recipient token must be 43 base64url characters");
    link.recipient_token = SecretBytes::from_string(*token_text);
  }
  return link;
}

SecretBytes build_anonli_drop_url(const AnonLiDropLink& link) {
  std::string out = builder_base(link.base, false);
  if (!is_anonli_drop_id(link.drop_id)) bad_argument("invalid anon.li drop id");
  if (link.key && link.key->size() != kKeySize) bad_argument("anon.li key must be 32 bytes");
  if (link.recipient_token && !is_token(link.recipient_token->str())) {
    bad_argument("anon.li recipient token must be 43 base64url characters");
  }
  out += "/d/";
  out += link.drop_id;
  if (link.key) {
    std::string key = base64url_encode(link.key->view());
    out += link.recipient_token ? "#k=" : "#";
    out += key;
    secure_wipe(key.data(), key.size());
    if (link.recipient_token) {
      out += "&r=";
      out += link.recipient_token->str();
    }
  } else if (link.recipient_token) {
    out += "#r=";
    out += link.recipient_token->str();
  }
  return to_secret(out);
}

// --- password.link ------------------------------------------------------------------------------

PasswordLinkShareLink parse_passwordlink_url(std::string_view url) {
  const UrlParts parts = split_url(url);
  if (!parts.fragment || parts.fragment->empty()) {
    bad_url("password.link links carry the public half in the fragment");
  }
  try {
    (void)passwordlink_decode_half(*parts.fragment);
  } catch (const CryptoError&) {
    bad_url("password.link fragment must be base64 of 18 bytes");
  }

  PasswordLinkShareLink link;
  if (parts.query) {
    if (!is_secret_id(*parts.query)) bad_url("invalid password.link secret id in query");
    link.style = PasswordLinkUrlStyle::kQuery;
    link.base = parts.origin + std::string(parts.path);
    link.secret_id = std::string(*parts.query);
  } else {
    std::string_view path = parts.path;
    if (path.ends_with('/')) path.remove_suffix(1);
    const std::size_t last = path.rfind('/');
    if (last == std::string_view::npos) bad_url("no password.link secret id");
    const std::string_view id = path.substr(last + 1);
    if (!is_secret_id(id)) bad_url("invalid password.link secret id");
    link.style = PasswordLinkUrlStyle::kPath;
    link.base = parts.origin + std::string(path.substr(0, last));
    link.secret_id = std::string(id);
  }
  link.public_part_b64 = SecretBytes::from_string(*parts.fragment);
  return link;
}

SecretBytes build_passwordlink_url(const PasswordLinkShareLink& link) {
  const bool query = link.style == PasswordLinkUrlStyle::kQuery;
  std::string out = builder_base(link.base, query);
  if (!is_secret_id(link.secret_id)) bad_argument("invalid password.link secret id");
  try {
    (void)passwordlink_decode_half(link.public_part_b64.str());
  } catch (const CryptoError&) {
    bad_argument("public half must be base64 of 18 bytes");
  }
  out += query ? "?" : "/";
  out += link.secret_id;
  out += query ? "#" : "/#";
  out += link.public_part_b64.str();
  return to_secret(out);
}

// --- EnigmaCrypt --------------------------------------------------------------------------------

EnigmaShareLink parse_enigmacrypt_url(std::string_view url) {
  const UrlParts parts = split_url(url);
  if (parts.query) bad_url("EnigmaCrypt links have no query");
  if (parts.fragment && !parts.fragment->empty()) bad_url("EnigmaCrypt links have no fragment");
  std::string_view prefix, id;
  if (!split_marked_path(parts.path, "s", prefix, id)) {
    bad_url("EnigmaCrypt links look like /s/<id>");
  }
  if (!is_secret_id(id)) bad_url("invalid EnigmaCrypt message id");
  return EnigmaShareLink{parts.origin + std::string(prefix), std::string(id)};
}

std::string build_enigmacrypt_url(const EnigmaShareLink& link) {
  std::string out = builder_base(link.base, false);
  if (!is_secret_id(link.message_id)) bad_argument("invalid EnigmaCrypt message id");
  return out + "/s/" + link.message_id;
}

// --- any service --------------------------------------------------------------------------------

ShareLink parse_share_url(std::string_view url) {
  const UrlParts parts = split_url(url);  // common validation; throws kInvalidFormat
  if (host_is(parts.origin, "anon.li")) return parse_anonli_drop_url(url);
  if (host_is(parts.origin, "password.link")) return parse_passwordlink_url(url);
  if (host_is(parts.origin, "enigmacrypt.app")) return parse_enigmacrypt_url(url);
  try {
    return parse_anonli_drop_url(url);
  } catch (const CryptoError&) {
  }
  try {
    return parse_enigmacrypt_url(url);
  } catch (const CryptoError&) {
  }
  try {
    return parse_passwordlink_url(url);
  } catch (const CryptoError&) {
  }
  bad_url("not an anon.li, password.link or EnigmaCrypt link");
}

}  // namespace anonfs::crypto
