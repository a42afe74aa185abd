#include "anonfs/vfs/secret_sharing.hpp"

#include <chrono>
#include <ctime>

#include "anonfs/crypto/drop_codec.hpp"
#include "anonfs/crypto/enigmacrypt.hpp"
#include "anonfs/crypto/passwordlink.hpp"
#include "anonfs/crypto/share_url.hpp"
#include "anonfs/vfs/vfs_error.hpp"

namespace anonfs::vfs {

namespace {

constexpr std::int64_t kMaxEnigmaAccess = 1000;
constexpr std::int64_t kMaxPlViews = 100;
constexpr std::int64_t kMaxPlExpiryHours = 350;
constexpr std::int64_t kMaxEnigmaExpiryHours = 365 * 24;

// UTF-8 (crypto's strict check) without NUL: the text editors and viewers of a secret expect.
bool valid_utf8_text(crypto::ByteView text) noexcept {
  const auto chars = crypto::as_chars(text);
  return chars.find('\0') == std::string_view::npos && crypto::is_valid_utf8(chars);
}

std::string iso_hours_from_now(std::int64_t hours) {
  const auto t = std::chrono::system_clock::now() + std::chrono::hours(hours);
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
  return buf;
}

void check_range(std::int64_t v, std::int64_t lo, std::int64_t hi, const char* what) {
  if (v < lo || v > hi) {
    throw VfsError(VfsErrc::kInvalidArgument, std::string(what) + " must be from " +
                                                  std::to_string(lo) + " to " + std::to_string(hi));
  }
}

}  // namespace

const char* to_string(SecretService service) noexcept {
  return service == SecretService::kEnigmaCrypt ? "enigmacrypt" : "passwordlink";
}

std::optional<SecretService> parse_secret_service(std::string_view name) noexcept {
  if (name == "enigmacrypt") return SecretService::kEnigmaCrypt;
  if (name == "passwordlink") return SecretService::kPasswordLink;
  return std::nullopt;
}

void check_secret_text(crypto::ByteView text) {
  if (text.size() > kMaxSecretTextSize) {
    throw VfsError(VfsErrc::kFileTooLarge, "secret too large: " + std::to_string(text.size()) +
                                               " bytes (at most " +
                                               std::to_string(kMaxSecretTextSize) + ")");
  }
  if (text.empty()) throw VfsError(VfsErrc::kInvalidArgument, "empty secret");
  if (!valid_utf8_text(text)) {
    throw VfsError(VfsErrc::kInvalidArgument,
                   "not UTF-8 text (binary data cannot be sent as a one-time secret)");
  }
}

SentSecret send_enigmacrypt(api::EnigmaCryptClient& client, crypto::ByteView text,
                            const SecretOptions& options) {
  check_secret_text(text);
  check_range(options.max_views, 1, kMaxEnigmaAccess, "max views");
  if (options.expiry_hours)
    check_range(*options.expiry_hours, 1, kMaxEnigmaExpiryHours, "expiry hours");
  SentSecret out;
  out.service = SecretService::kEnigmaCrypt;
  out.password = crypto::enigma_generate_password();
  wire::EnigmaCreateRequest request;
  request.encryptedContent = crypto::enigma_encrypt(
      text, out.password.view(), crypto::enigma_created_now(), options.enigma_hash);
  request.maxAccess = options.max_views;
  if (options.expiry_hours) request.expiresAt = iso_hours_from_now(*options.expiry_hours);
  const auto created = client.create(request);
  out.id = created.messageId;
  out.delete_token = created.deleteToken;
  out.url = crypto::SecretBytes::from_string(
      crypto::build_enigmacrypt_url({client.base_url(), created.messageId}));
  return out;
}

SentSecret send_passwordlink(api::PasswordLinkClient& client, crypto::ByteView text,
                             const SecretOptions& options) {
  check_secret_text(text);
  check_range(options.max_views, 1, kMaxPlViews, "max views");
  if (options.expiry_hours)
    check_range(*options.expiry_hours, 1, kMaxPlExpiryHours, "expiry hours");
  SentSecret out;
  out.service = SecretService::kPasswordLink;
  auto sealed = crypto::passwordlink_seal(text);
  wire::PlCreateSecret request;
  request.ciphertext = std::move(sealed.ciphertext);
  request.password_part_private = std::string(sealed.password_part_private.str());
  request.max_views = options.max_views;
  request.expiration = options.expiry_hours;
  auto created = client.create_secret(request);
  crypto::secure_wipe(request.password_part_private.data(), request.password_part_private.size());
  out.id = created.id;
  crypto::PasswordLinkShareLink link;
  link.base = client.base_url();
  link.secret_id = created.id;
  link.public_part_b64 = std::move(sealed.public_part_b64);
  link.style = crypto::PasswordLinkUrlStyle::kPath;
  out.url = crypto::build_passwordlink_url(link);
  return out;
}

crypto::SecretBytes share_text(const SentSecret& secret) {
  std::string text;
  if (secret.service == SecretService::kEnigmaCrypt) {
    text.append("# EnigmaCrypt: send the link and the password through two different channels.\n");
    text.append(secret.url.str()).append("\n");
    text.append(secret.password.str()).append("\n");
  } else {
    text.append(secret.url.str()).append("\n");
  }
  auto out = crypto::SecretBytes::from_string(text);
  crypto::secure_wipe(text.data(), text.size());
  return out;
}

}  // namespace anonfs::vfs
