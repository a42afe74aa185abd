// `anonfs secret …`: one-time secrets on EnigmaCrypt and password.link.
//   secret create --service enigmacrypt|passwordlink [FILE|-] [--max-views N] [--expiry H]
//   secret view URL [--password-file F]
//   secret request create|list|delete …   (password.link secret requests)
// Credentials come from `anonfs login --service …` (config.json); with no config file at all
// the embedded reference server runs in-process with the local account, and loopback links are
// answered by it. A view fetches once (every fetch is a view), keeps the blob in memory and
// retries EnigmaCrypt passwords locally.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "account.hpp"
#include "anonfs/api/api_error.hpp"
#include "anonfs/api/enigmacrypt_client.hpp"
#include "anonfs/api/http_client.hpp"
#include "anonfs/api/passwordlink_client.hpp"
#include "anonfs/crypto/enigmacrypt.hpp"
#include "anonfs/crypto/error.hpp"
#include "anonfs/crypto/passwordlink.hpp"
#include "anonfs/crypto/share_url.hpp"
#include "anonfs/vfs/secret_sharing.hpp"
#include "anonfs/vfs/vfs_error.hpp"
#include "commands.hpp"
#include "secret_input.hpp"

namespace anonfs::cli {
namespace {

constexpr int kPasswordAttempts = 5;

constexpr const char* kSecretUsage = R"(usage:
  anonfs secret create --service enigmacrypt|passwordlink [FILE|-] [--max-views N] [--expiry H]
                       [--pbkdf2-hash sha256|sha1]   (EnigmaCrypt; sha1 for crypto-js <= 4.1.1)
  anonfs secret view URL [--password-file F]
  anonfs secret request create [--description T] [--message T] [--expiry H] [--limit N]
                               [--send-to-email E] [--secret-max-views N] [--secret-expiry H]
  anonfs secret request list
  anonfs secret request delete ID
)";

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Options after the subcommand: "--flag value" pairs and positional words.
struct Parsed {
  std::map<std::string, std::string> flags;
  std::vector<std::string> words;

  std::optional<std::string> get(const std::string& name) const {
    auto it = flags.find(name);
    return it == flags.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
};

Parsed parse(const std::vector<std::string>& args, std::size_t from,
             std::initializer_list<const char*> known) {
  Parsed p;
  for (std::size_t i = from; i < args.size(); ++i) {
    const auto& a = args[i];
    if (a.starts_with("--")) {
      bool ok = false;
      for (const char* k : known)
        ok = ok || a == k;
      if (!ok) throw UsageError("unknown option " + a);
      if (i + 1 >= args.size()) throw UsageError(a + " needs a value");
      p.flags[a] = args[++i];
    } else {
      p.words.push_back(a);
    }
  }
  return p;
}

std::int64_t parse_int(const std::string& text, const char* what) {
  std::size_t used = 0;
  long long v = 0;
  try {
    v = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || text.empty()) throw UsageError(std::string(what) + " needs a number");
  return v;
}

// Where the secret services are: config.json sections, else the embedded server (only when there
// is no config file at all, as for `anonfs mount`).
struct Session {
  std::optional<EmbeddedServer> embedded;
  SecretServices services;
};

Session open_session() {
  Session s;
  if (auto configured = load_secret_login()) {
    s.services = std::move(*configured);
    return s;
  }
  s.embedded = start_embedded_server();
  s.services = std::move(s.embedded->account.secrets);
  return s;
}

bool is_loopback_base(std::string_view base) {
  return base.starts_with("http://127.0.0.1:") || base.starts_with("http://localhost:") ||
         base.starts_with("http://[::1]:");
}

// The server to ask about a link: the link's own base, except that a loopback link is answered by
// the embedded server when that is what this command runs (its port changes on every start).
std::string api_base_for(const Session& s, const std::string& link_base) {
  if (s.embedded && is_loopback_base(link_base)) return s.embedded->account.server_url;
  return link_base;
}

// Reads FILE or stdin ("-") into wiped memory, at most kMaxSecretTextSize bytes (+1 to detect
// more).
crypto::SecretBytes read_secret_text(const std::string& source) {
  int fd = STDIN_FILENO;
  if (source != "-") {
    fd = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error("cannot open " + source + ": " + std::strerror(errno));
  }
  crypto::SecretBytes buffer(vfs::kMaxSecretTextSize + 1);
  std::size_t used = 0;
  while (used < buffer.size()) {
    const ssize_t n = ::read(fd, buffer.data() + used, buffer.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      if (fd != STDIN_FILENO) ::close(fd);
      throw std::runtime_error("cannot read " + source + ": " + std::strerror(err));
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  if (fd != STDIN_FILENO) ::close(fd);
  buffer.truncate(used);
  return buffer;
}

void write_stdout(crypto::ByteView bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(STDOUT_FILENO, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      throw std::runtime_error(std::string("cannot write output: ") + std::strerror(errno));
    done += static_cast<std::size_t>(n);
  }
}

// A failed fetch in the user's words: the view is gone, or the link is wrong.
[[noreturn]] void explain_fetch_error(const api::ApiError& e, const char* service) {
  const std::string said = e.message().empty() ? "" : " (server: " + e.message() + ")";
  if (e.kind() == api::ErrorKind::kHttpStatus && (e.status() == 410 || e.status() == 404)) {
    throw std::runtime_error(std::string(service) +
                             ": this secret has already been viewed, has expired or does not "
                             "exist" +
                             said);
  }
  if (e.kind() == api::ErrorKind::kHttpStatus && (e.status() == 401 || e.status() == 403)) {
    throw std::runtime_error(std::string(service) + ": access refused" + said);
  }
  throw std::runtime_error(std::string(service) + ": " + e.what());
}

// ---- create

int secret_create(const std::vector<std::string>& args) {
  const auto p = parse(args, 1, {"--service", "--max-views", "--expiry", "--pbkdf2-hash"});
  const auto service_name = p.get("--service");
  if (!service_name) throw UsageError("secret create needs --service enigmacrypt|passwordlink");
  const auto service = vfs::parse_secret_service(*service_name);
  if (!service) throw UsageError("--service must be enigmacrypt or passwordlink");
  if (p.words.size() > 1) throw UsageError("secret create takes one FILE (or - for stdin)");
  vfs::SecretOptions options;
  if (auto v = p.get("--max-views")) options.max_views = parse_int(*v, "--max-views");
  if (auto v = p.get("--expiry")) options.expiry_hours = parse_int(*v, "--expiry");
  if (auto v = p.get("--pbkdf2-hash")) {
    if (*service != vfs::SecretService::kEnigmaCrypt) {
      throw UsageError("--pbkdf2-hash applies to --service enigmacrypt only");
    }
    if (*v == "sha256") {
      options.enigma_hash = crypto::HashAlg::kSha256;
    } else if (*v == "sha1") {
      options.enigma_hash = crypto::HashAlg::kSha1;
    } else {
      throw UsageError("--pbkdf2-hash must be sha256 or sha1");
    }
  }
  const crypto::SecretBytes text = read_secret_text(p.words.empty() ? "-" : p.words.front());
  vfs::check_secret_text(text.view());

  Session s = open_session();
  api::HttpClient http;
  vfs::SentSecret sent;
  if (*service == vfs::SecretService::kEnigmaCrypt) {
    if (s.services.enigmacrypt_server.empty()) {
      throw std::runtime_error(
          "EnigmaCrypt is not configured: anonfs login --service enigmacrypt --server URL");
    }
    api::EnigmaCryptClient client(http, s.services.enigmacrypt_server,
                                  s.services.enigmacrypt_token.clone());
    sent = vfs::send_enigmacrypt(client, text.view(), options);
  } else {
    if (s.services.passwordlink_server.empty()) {
      throw std::runtime_error(
          "password.link is not configured: anonfs login --service passwordlink --server URL");
    }
    api::PasswordLinkClient client(http, s.services.passwordlink_server,
                                   s.services.passwordlink_public_key.clone(),
                                   s.services.passwordlink_private_key.clone());
    sent = vfs::send_passwordlink(client, text.view(), options);
  }
  write_stdout(vfs::share_text(sent).view());
  if (sent.delete_token) std::fprintf(stderr, "delete token: %s\n", sent.delete_token->c_str());
  return 0;
}

// ---- view

crypto::SecretBytes ask_password(const std::optional<std::string>& file, int attempt) {
  if (file) return read_secret_file(*file);
  return prompt_secret(attempt == 0 ? "EnigmaCrypt password: " : "Wrong password, try again: ");
}

int view_enigmacrypt(const Session& s, const crypto::EnigmaShareLink& link,
                     const std::optional<std::string>& password_file) {
  // Ask for the password before the fetch: without one the view would be wasted.
  crypto::SecretBytes password = ask_password(password_file, 0);
  api::HttpClient http;
  api::EnigmaCryptClient client(http, api_base_for(s, link.base), crypto::SecretBytes());
  wire::EnigmaFetched fetched;
  try {
    fetched = client.fetch(link.message_id);
  } catch (const api::ApiError& e) {
    explain_fetch_error(e, "EnigmaCrypt");
  }
  // The blob now lives only here: every further attempt is local.
  for (int attempt = 0;; ++attempt) {
    try {
      const auto message = crypto::enigma_decrypt(fetched.encryptedContent, password.view());
      crypto::secure_wipe(fetched.encryptedContent.data(), fetched.encryptedContent.size());
      write_stdout(message.content.view());
      return 0;
    } catch (const crypto::CryptoError& e) {
      if (e.code() != crypto::CryptoErrc::kWrongPassword) {
        throw std::runtime_error(std::string("EnigmaCrypt: the secret's data is malformed or "
                                             "was tampered with (") +
                                 e.what() + ")");
      }
      const bool can_retry = !password_file && can_prompt() && attempt + 1 < kPasswordAttempts;
      if (!can_retry) {
        throw std::runtime_error(
            "EnigmaCrypt: wrong password, or the secret was tampered with (it cannot be fetched "
            "again: the view is used up)");
      }
      password = ask_password(std::nullopt, attempt + 1);
    }
  }
}

int view_passwordlink(const Session& s, const crypto::PasswordLinkShareLink& link) {
  if (s.services.passwordlink_public_key.empty() && s.services.passwordlink_private_key.empty()) {
    throw std::runtime_error(
        "password.link is not configured: the view needs an API key (anonfs login --service "
        "passwordlink --server URL)");
  }
  api::HttpClient http;
  api::PasswordLinkClient client(http, api_base_for(s, link.base),
                                 s.services.passwordlink_public_key.clone(),
                                 s.services.passwordlink_private_key.clone());
  wire::PlSecretView view;
  try {
    view = client.view_secret(link.secret_id);
  } catch (const api::ApiError& e) {
    explain_fetch_error(e, "password.link");
  }
  try {
    const auto plain = crypto::passwordlink_open(view.ciphertext, view.password_part_private,
                                                 link.public_part_b64.str());
    crypto::secure_wipe(view.password_part_private.data(), view.password_part_private.size());
    write_stdout(plain.view());
    return 0;
  } catch (const crypto::CryptoError& e) {
    crypto::secure_wipe(view.password_part_private.data(), view.password_part_private.size());
    if (e.code() == crypto::CryptoErrc::kWrongPassword) {
      throw std::runtime_error(
          "password.link: the secret does not open with this link (wrong link fragment or "
          "tampered data); the view is used up");
    }
    throw std::runtime_error(std::string("password.link: the secret's data is malformed (") +
                             e.what() + ")");
  }
}

int secret_view(const std::vector<std::string>& args) {
  const auto p = parse(args, 1, {"--password-file"});
  if (p.words.size() != 1) throw UsageError("secret view needs one URL");
  crypto::ShareLink link;
  try {
    link = crypto::parse_share_url(p.words.front());
  } catch (const crypto::CryptoError& e) {
    throw std::runtime_error(std::string("not a secret link: ") + e.what());
  }
  if (std::holds_alternative<crypto::AnonLiDropLink>(link)) {
    throw std::runtime_error("this is an anon.li drop link: use `anonfs open URL`");
  }
  const Session s = open_session();
  if (auto* e = std::get_if<crypto::EnigmaShareLink>(&link)) {
    return view_enigmacrypt(s, *e, p.get("--password-file"));
  }
  if (p.get("--password-file")) {
    throw UsageError("--password-file is for EnigmaCrypt links (password.link links carry it)");
  }
  return view_passwordlink(s, std::get<crypto::PasswordLinkShareLink>(link));
}

// ---- requests

api::PasswordLinkClient request_client(api::HttpClient& http, const Session& s) {
  if (s.services.passwordlink_server.empty() || s.services.passwordlink_private_key.empty()) {
    throw std::runtime_error(
        "password.link is not configured: anonfs login --service passwordlink --server URL");
  }
  return api::PasswordLinkClient(http, s.services.passwordlink_server,
                                 s.services.passwordlink_public_key.clone(),
                                 s.services.passwordlink_private_key.clone());
}

std::string or_dash(const std::optional<std::string>& v) {
  return v && !v->empty() ? *v : "-";
}

int secret_request(const std::vector<std::string>& args) {
  if (args.size() < 2) throw UsageError("secret request needs create, list or delete");
  const std::string& sub = args[1];
  if (sub == "create") {
    const auto p = parse(args, 2,
                         {"--description", "--message", "--expiry", "--limit", "--send-to-email",
                          "--secret-max-views", "--secret-expiry"});
    if (!p.words.empty()) throw UsageError("unexpected argument " + p.words.front());
    wire::PlCreateRequest r;
    r.description = p.get("--description");
    r.message = p.get("--message");
    if (auto v = p.get("--expiry")) r.expiration = parse_int(*v, "--expiry");
    if (auto v = p.get("--limit")) r.limit = parse_int(*v, "--limit");
    r.send_to_email = p.get("--send-to-email");
    if (auto v = p.get("--secret-max-views"))
      r.secret_max_views = parse_int(*v, "--secret-max-views");
    if (auto v = p.get("--secret-expiry")) r.secret_expiration = parse_int(*v, "--secret-expiry");
    const Session s = open_session();
    api::HttpClient http;
    auto client = request_client(http, s);
    const auto created = client.create_request(r);
    std::printf("%s\n%s/req/%s\n", created.id.c_str(), client.base_url().c_str(),
                created.id.c_str());
    return 0;
  }
  if (sub == "list") {
    const auto p = parse(args, 2, {});
    if (!p.words.empty()) throw UsageError("unexpected argument " + p.words.front());
    const Session s = open_session();
    api::HttpClient http;
    auto client = request_client(http, s);
    const auto page = client.list_requests();
    for (const auto& r : page.items) {
      std::printf("%s\tlimit=%lld\texpiration=%s\t%s\n", r.id.c_str(),
                  static_cast<long long>(r.limit),
                  r.expiration ? (std::to_string(*r.expiration) + "h").c_str() : "-",
                  or_dash(r.description).c_str());
    }
    return 0;
  }
  if (sub == "delete") {
    const auto p = parse(args, 2, {});
    if (p.words.size() != 1) throw UsageError("secret request delete needs one ID");
    const Session s = open_session();
    api::HttpClient http;
    auto client = request_client(http, s);
    client.delete_request(p.words.front());
    std::printf("deleted secret request %s\n", p.words.front().c_str());
    return 0;
  }
  throw UsageError("unknown secret request subcommand " + sub);
}

}  // namespace

int run_secret(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::fputs(kSecretUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  try {
    if (args[0] == "create") return secret_create(args);
    if (args[0] == "view") return secret_view(args);
    if (args[0] == "request") return secret_request(args);
    throw UsageError("unknown secret subcommand " + args[0]);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "anonfs secret: %s\n%s", e.what(), kSecretUsage);
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "anonfs secret: %s\n", e.what());
    return 1;
  }
}

}  // namespace anonfs::cli
