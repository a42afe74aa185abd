// Form submission sealed box (§10.2) and decrypted-payload validation (§10.3).
#include "anonfs/crypto/form_seal.hpp"

#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

#include "anonfs/crypto/aes_gcm.hpp"
#include "anonfs/crypto/base64.hpp"
#include "anonfs/crypto/error.hpp"
#include "anonfs/crypto/hash.hpp"
#include "anonfs/crypto/random.hpp"
#include "utf8.hpp"

namespace anonfs::crypto {

namespace {

// Largest ciphertext||tag whose unpadded base64url encoding fits kMaxEncryptedPayloadChars.
constexpr std::size_t kMaxEncryptedPayloadBytes = kMaxEncryptedPayloadChars / 4 * 3;
static_assert(base64url_encoded_size(kMaxEncryptedPayloadBytes) == kMaxEncryptedPayloadChars);

SealedSubmission seal_with(const P256PublicKey& form_public_key, ByteView plaintext,
                           const P256PrivateKey& ephemeral_key, ByteView iv) {
  if (iv.size() != kGcmIvSize) {
    throw CryptoError(CryptoErrc::kInvalidLength, "form submission IV must be 12 bytes");
  }
  if (plaintext.size() > kMaxEncryptedPayloadBytes - kGcmTagSize) {
    throw CryptoError(CryptoErrc::kInvalidArgument,
                      "form submission is larger than the server accepts");
  }
  const SecretBytes shared = ephemeral_key.ecdh(form_public_key);
  const SecretBytes key = form_submission_key(shared.view());
  const Bytes sealed = gcm_seal(key.view(), iv, {}, plaintext);
  return SealedSubmission{
      .ephemeral_pub_key = ephemeral_key.public_key().to_base64url(),
      .iv = base64url_encode(iv),
      .encrypted_payload = base64url_encode(sealed),
  };
}

}  // namespace

SecretBytes form_submission_key(ByteView shared_x) {
  if (shared_x.size() != kP256SharedSize) {
    throw CryptoError(CryptoErrc::kInvalidLength, "ECDH shared secret must be 32 bytes");
  }
  return hkdf_sha256(shared_x, {}, as_bytes(kFormSubmissionInfo), kAesKeySize);
}

SealedSubmission form_seal(const P256PublicKey& form_public_key, ByteView plaintext) {
  const P256PrivateKey ephemeral = P256PrivateKey::generate();
  const Bytes iv = random_bytes(kGcmIvSize);
  return seal_with(form_public_key, plaintext, ephemeral, iv);
}

SealedSubmission form_seal(const P256PublicKey& form_public_key, ByteView plaintext,
                           const P256PrivateKey& ephemeral_key, ByteView iv) {
  return seal_with(form_public_key, plaintext, ephemeral_key, iv);
}

SecretBytes form_open(const P256PrivateKey& form_private_key, std::string_view ephemeral_pub_key,
                      std::string_view iv, std::string_view encrypted_payload) {
  const P256PublicKey peer = P256PublicKey::from_base64url(ephemeral_pub_key);
  const Bytes nonce = base64url_decode_exact(iv, kGcmIvSize);
  // Reject oversized input before decoding it (two padding characters are tolerated).
  if (encrypted_payload.size() > kMaxEncryptedPayloadChars + 2) {
    throw CryptoError(CryptoErrc::kInvalidLength, "encrypted payload is too large");
  }
  const Bytes sealed = base64url_decode(encrypted_payload);
  if (sealed.size() > kMaxEncryptedPayloadBytes) {
    throw CryptoError(CryptoErrc::kInvalidLength, "encrypted payload is too large");
  }
  if (sealed.size() < kGcmTagSize) {
    throw CryptoError(CryptoErrc::kInvalidLength, "encrypted payload is shorter than a GCM tag");
  }
  const SecretBytes shared = form_private_key.ecdh(peer);
  const SecretBytes key = form_submission_key(shared.view());
  return gcm_open(key.view(), nonce, {}, sealed);
}

// ---------------------------------------------------------------------------------------------
// Payload validation

const char* to_string(PayloadIssue issue) noexcept {
  switch (issue) {
    case PayloadIssue::kNotJson:
      return "not JSON";
    case PayloadIssue::kNotObject:
      return "not a JSON object";
    case PayloadIssue::kBadVersion:
      return "unsupported version";
    case PayloadIssue::kBadAnswers:
      return "invalid answers";
    case PayloadIssue::kTooManyAnswers:
      return "too many answers";
    case PayloadIssue::kBadAnswerKey:
      return "invalid answer key";
    case PayloadIssue::kBadAnswerValue:
      return "invalid answer value";
    case PayloadIssue::kBadAttachments:
      return "invalid attachments";
    case PayloadIssue::kBadAttachmentFile:
      return "invalid attachment file";
  }
  return "invalid submission payload";
}

namespace {

using nlohmann::json;

constexpr std::size_t kMaxAnswers = 50;
constexpr std::size_t kMaxAnswerKeyLength = 64;
constexpr std::size_t kMaxStringAnswer = 50'000;
constexpr std::size_t kMaxArrayAnswer = 100;
constexpr std::size_t kMaxAttachmentFiles = 100;
constexpr double kMaxSafeInteger = 9007199254740991.0;  // Number.MAX_SAFE_INTEGER

// Appends the UTF-8 encoding of a code point (< 0x110000, not a surrogate).
void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

// The WHATWG "UTF-8 decode" algorithm (what TextDecoder does by default): strips one leading
// BOM and replaces each maximal invalid subsequence with U+FFFD. Returns valid UTF-8.
std::string whatwg_utf8_decode(ByteView in) {
  std::size_t i = 0;
  if (in.size() >= 3 && in[0] == 0xef && in[1] == 0xbb && in[2] == 0xbf) i = 3;
  // Reserve the worst case (every byte becomes a 3-byte U+FFFD) so the buffer never moves and
  // leaves an unwiped copy behind.
  std::string out;
  out.reserve(3 * (in.size() - i));
  constexpr std::uint32_t kReplacement = 0xfffd;
  std::uint32_t cp = 0;
  unsigned needed = 0;
  unsigned seen = 0;
  std::uint8_t lower = 0x80;
  std::uint8_t upper = 0xbf;
  while (i < in.size()) {
    const std::uint8_t b = in[i];
    if (needed == 0) {
      ++i;
      if (b < 0x80) {
        out.push_back(static_cast<char>(b));
      } else if (b >= 0xc2 && b <= 0xdf) {
        needed = 1;
        cp = b & 0x1f;
      } else if (b >= 0xe0 && b <= 0xef) {
        if (b == 0xe0) lower = 0xa0;
        if (b == 0xed) upper = 0x9f;
        needed = 2;
        cp = b & 0x0f;
      } else if (b >= 0xf0 && b <= 0xf4) {
        if (b == 0xf0) lower = 0x90;
        if (b == 0xf4) upper = 0x8f;
        needed = 3;
        cp = b & 0x07;
      } else {
        append_utf8(out, kReplacement);
      }
      continue;
    }
    if (b < lower || b > upper) {
      // Invalid continuation: emit U+FFFD and reprocess this byte as a lead byte.
      cp = needed = seen = 0;
      lower = 0x80;
      upper = 0xbf;
      append_utf8(out, kReplacement);
      continue;
    }
    ++i;
    lower = 0x80;
    upper = 0xbf;
    cp = (cp << 6) | (b & 0x3f);
    if (++seen == needed) {
      append_utf8(out, cp);
      cp = needed = seen = 0;
    }
  }
  if (needed != 0) append_utf8(out, kReplacement);
  return out;
}

// Best-effort wipe of every string value of a parsed document (iterative: the document may be
// nested arbitrarily deep). Object keys are immutable in nlohmann::json and are not wiped.
void wipe_strings(json& doc) {
  std::vector<json*> stack{&doc};
  while (!stack.empty()) {
    json* v = stack.back();
    stack.pop_back();
    if (v->is_string()) {
      auto& s = v->get_ref<std::string&>();
      secure_wipe(s.data(), s.size());
    } else if (v->is_array() || v->is_object()) {
      for (json& child : *v)
        stack.push_back(&child);
    }
  }
}

// Length in UTF-16 code units (JavaScript's String.length) of valid UTF-8.
std::size_t utf16_length(std::string_view s) noexcept {
  std::size_t n = 0;
  for (const char c : s) {
    const auto b = static_cast<std::uint8_t>(c);
    if ((b & 0xc0) != 0x80) ++n;  // one unit per code point...
    if (b >= 0xf0) ++n;           // ...two for code points beyond the BMP
  }
  return n;
}

bool is_string_within(const json& v, std::size_t min, std::size_t max) {
  if (!v.is_string()) return false;
  const std::size_t len = utf16_length(v.get_ref<const std::string&>());
  return len >= min && len <= max;
}

bool is_finite_number(const json& v) {
  if (v.is_number_integer()) return true;  // includes unsigned
  return v.is_number_float() && std::isfinite(v.get<double>());
}

// JavaScript Number.isInteger(x) && 0 <= x <= MAX_SAFE_INTEGER.
bool is_safe_nonnegative_integer(const json& v) {
  if (v.is_number_unsigned()) return v.get<std::uint64_t>() <= 9007199254740991ULL;
  if (v.is_number_integer())
    return v.get<std::int64_t>() >= 0 && v.get<std::int64_t>() <= 9007199254740991LL;
  if (!v.is_number_float()) return false;
  const double d = v.get<double>();
  return std::isfinite(d) && std::floor(d) == d && d >= 0 && d <= kMaxSafeInteger;
}

bool is_answer_key(std::string_view key) noexcept {
  if (key.empty() || key.size() > kMaxAnswerKeyLength) return false;
  for (const char c : key) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

struct AddressPart {
  const char* name;
  std::size_t max;
};
constexpr AddressPart kAddressParts[] = {
    {"line1", 200}, {"line2", 200},     {"city", 120},
    {"state", 120}, {"postalCode", 40}, {"country", 120},
};

// Returns a description of why `v` is not an allowed answer value, or nullptr.
const char* answer_value_problem(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
    case json::value_t::boolean:
      return nullptr;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return is_finite_number(v) ? nullptr : "number is not finite";
    case json::value_t::string:
      return is_string_within(v, 0, kMaxStringAnswer) ? nullptr
                                                      : "string longer than 50000 characters";
    case json::value_t::array:
      if (v.size() > kMaxArrayAnswer) return "array longer than 100 entries";
      for (const json& item : v) {
        if (!is_string_within(item, 0, kMaxStringAnswer)) {
          return "array entries must be strings of at most 50000 characters";
        }
      }
      return nullptr;
    case json::value_t::object:
      for (const auto& [key, value] : v.items()) {
        const AddressPart* part = nullptr;
        for (const AddressPart& p : kAddressParts) {
          if (key == p.name) part = &p;
        }
        if (part == nullptr) return "object is not an address (unknown key)";
        if (!is_string_within(value, 0, part->max)) {
          return "address part is not a string within its length cap";
        }
      }
      return nullptr;
    default:
      return "value type is not allowed";
  }
}

PayloadViolation violation(PayloadIssue issue, std::string path, std::string message) {
  return PayloadViolation{issue, std::move(path), std::move(message)};
}

std::optional<PayloadViolation> check_answers(const json& answers) {
  if (!answers.is_object()) {
    return violation(PayloadIssue::kBadAnswers, "answers", "answers must be an object");
  }
  if (answers.size() > kMaxAnswers) {
    return violation(PayloadIssue::kTooManyAnswers, "answers", "more than 50 answers");
  }
  std::size_t index = 0;
  for (const auto& [key, value] : answers.items()) {
    if (!is_answer_key(key)) {
      return violation(
          PayloadIssue::kBadAnswerKey, "answers",
          "answer key #" + std::to_string(index + 1) + " does not match ^[a-zA-Z0-9_-]{1,64}$");
    }
    if (const char* problem = answer_value_problem(value)) {
      return violation(PayloadIssue::kBadAnswerValue, "answers." + key, problem);
    }
    ++index;
  }
  return std::nullopt;
}

std::optional<PayloadViolation> check_attachment_file(const json& file, const std::string& path) {
  auto bad = [&](const std::string& where, const char* message) {
    return violation(PayloadIssue::kBadAttachmentFile, where, message);
  };
  if (!file.is_object()) return bad(path, "file entry must be an object");
  for (const auto& [key, value] : file.items()) {
    const std::string where = path + "." + key;
    if (key == "fieldId" || key == "fileId") {
      if (!is_string_within(value, 1, 64)) return bad(where, "must be a string of 1..64 chars");
    } else if (key == "fieldLabel") {
      if (!is_string_within(value, 0, 300)) return bad(where, "must be a string of <= 300 chars");
    } else if (key == "name") {
      if (!is_string_within(value, 1, 1024)) return bad(where, "must be a string of 1..1024 chars");
    } else if (key == "mimeType") {
      if (!is_string_within(value, 1, 200)) return bad(where, "must be a string of 1..200 chars");
    } else if (key == "size") {
      if (!is_safe_nonnegative_integer(value)) {
        return bad(where, "must be a non-negative safe integer");
      }
    } else {
      return bad(path, "unknown key in file entry");
    }
  }
  for (const char* required : {"fieldId", "fileId", "name", "size", "mimeType"}) {
    if (!file.contains(required)) return bad(path + "." + required, "missing");
  }
  return std::nullopt;
}

std::optional<PayloadViolation> check_attachments(const json& att) {
  if (att.is_null()) return std::nullopt;
  auto bad = [](const std::string& where, const char* message) {
    return violation(PayloadIssue::kBadAttachments, where, message);
  };
  if (!att.is_object()) return bad("attachments", "attachments must be null or an object");
  for (const auto& [key, value] : att.items()) {
    if (key == "dropId") {
      if (!is_string_within(value, 1, 128)) {
        return bad("attachments.dropId", "must be a string of 1..128 chars");
      }
    } else if (key == "key") {
      if (!is_string_within(value, 1, 1024)) {
        return bad("attachments.key", "must be a string of 1..1024 chars");
      }
    } else if (key == "files") {
      if (!value.is_array()) return bad("attachments.files", "must be an array");
      if (value.size() > kMaxAttachmentFiles) {
        return bad("attachments.files", "more than 100 files");
      }
    } else {
      return bad("attachments", "unknown key in attachments");
    }
  }
  for (const char* required : {"dropId", "key", "files"}) {
    if (!att.contains(required)) return bad(std::string("attachments.") + required, "missing");
  }
  std::size_t i = 0;
  for (const json& file : att["files"]) {
    if (auto v = check_attachment_file(file, "attachments.files[" + std::to_string(i) + "]")) {
      return v;
    }
    ++i;
  }
  return std::nullopt;
}

}  // namespace

std::optional<PayloadViolation> validate_submission_document(const json& doc) {
  if (!doc.is_object()) {
    return violation(PayloadIssue::kNotObject, "", "payload must be a JSON object");
  }
  if (const auto it = doc.find("version"); it != doc.end()) {
    if (!it->is_number() || it->get<double>() != 1.0) {
      return violation(PayloadIssue::kBadVersion, "version", "version must be 1 when present");
    }
  }
  if (const auto it = doc.find("answers"); it != doc.end()) {
    if (auto v = check_answers(*it)) return v;
  }
  if (const auto it = doc.find("attachments"); it != doc.end()) {
    if (auto v = check_attachments(*it)) return v;
  }
  return std::nullopt;
}

std::optional<PayloadViolation> validate_submission_payload(ByteView plaintext) {
  // The payload carries the attachment drop key: wipe every copy made here.
  std::string decoded;
  json doc;
  const bool has_bom =
      plaintext.size() >= 3 && plaintext[0] == 0xef && plaintext[1] == 0xbb && plaintext[2] == 0xbf;
  if (!has_bom && detail::is_valid_utf8(plaintext)) {
    doc = json::parse(plaintext.begin(), plaintext.end(), nullptr, /*allow_exceptions=*/false);
  } else {
    decoded = whatwg_utf8_decode(plaintext);
    doc = json::parse(decoded, nullptr, /*allow_exceptions=*/false);
    secure_wipe(decoded.data(), decoded.size());
  }
  std::optional<PayloadViolation> result;
  if (doc.is_discarded()) {
    result = violation(PayloadIssue::kNotJson, "", "payload is not valid JSON");
  } else {
    result = validate_submission_document(doc);
  }
  wipe_strings(doc);
  return result;
}

std::optional<PayloadViolation> validate_submission_payload(std::string_view plaintext) {
  return validate_submission_payload(as_bytes(plaintext));
}

}  // namespace anonfs::crypto
