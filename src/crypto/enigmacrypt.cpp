// EnigmaCrypt blobs: PBKDF2 + AES-256-CBC around a small JSON document (secrets-protocols.md §1).

#include "anonfs/crypto/enigmacrypt.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>

#include "anonfs/crypto/base64.hpp"
#include "anonfs/crypto/error.hpp"
#include "anonfs/crypto/random.hpp"
#include "ossl.hpp"
#include "utf8.hpp"

namespace anonfs::crypto {
namespace {

constexpr std::size_t kHexPrefix = 2 * (kEnigmaSaltSize + kEnigmaIvSize);  // 64 chars
constexpr std::size_t kBlock = 16;
constexpr std::string_view kSaltedPrefix = "U2FsdGVkX1";  // base64("Salted__")
static_assert(kEnigmaPasswordAlphabet.size() == 57);

[[noreturn]] void fail(CryptoErrc code, const char* what) {
  throw CryptoError(code, std::string("enigmacrypt: ") + what);
}

// ---------------------------------------------------------------------------------------------
// JSON.stringify-compatible writer for the three-field message.

// Bytes JSON.stringify writes for one UTF-8 string body (without the quotes). Valid UTF-8 in,
// so only '"', '\\' and C0 controls are escaped; everything else (incl. U+2028) is copied.
std::size_t escaped_size(ByteView s) noexcept {
  std::size_t n = 0;
  for (std::uint8_t c : s) {
    if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t') {
      n += 2;
    } else if (c < 0x20) {
      n += 6;
    } else {
      n += 1;
    }
  }
  return n;
}

class Writer {
 public:
  explicit Writer(MutableByteView out) : out_(out) {}
  void raw(std::string_view s) {
    for (char c : s)
      put(static_cast<std::uint8_t>(c));
  }
  void escaped(ByteView s) {
    static constexpr char kHex[] = "0123456789abcdef";
    for (std::uint8_t c : s) {
      switch (c) {
        case '"':
          raw("\\\"");
          break;
        case '\\':
          raw("\\\\");
          break;
        case '\b':
          raw("\\b");
          break;
        case '\f':
          raw("\\f");
          break;
        case '\n':
          raw("\\n");
          break;
        case '\r':
          raw("\\r");
          break;
        case '\t':
          raw("\\t");
          break;
        default:
          if (c < 0x20) {
            raw("\\u00");
            put(static_cast<std::uint8_t>(kHex[c >> 4]));
            put(static_cast<std::uint8_t>(kHex[c & 0xF]));
          } else {
            put(c);
          }
      }
    }
  }
  std::size_t written() const noexcept { return pos_; }

 private:
  void put(std::uint8_t c) {
    if (pos_ >= out_.size()) fail(CryptoErrc::kInternal, "JSON size miscalculated");
    out_[pos_++] = c;
  }
  MutableByteView out_;
  std::size_t pos_ = 0;
};

SecretBytes build_message_json(ByteView content, std::string_view created) {
  constexpr std::string_view kHead = R"({"version":"v1","content":")";
  constexpr std::string_view kMid = R"(","created":")";
  constexpr std::string_view kTail = R"("})";
  SecretBytes json(kHead.size() + escaped_size(content) + kMid.size() + created.size() +
                   kTail.size());
  Writer w(json.mutable_view());
  w.raw(kHead);
  w.escaped(content);
  w.raw(kMid);
  w.raw(created);  // validated: digits, '-', ':', '.', 'T', 'Z' only
  w.raw(kTail);
  if (w.written() != json.size()) fail(CryptoErrc::kInternal, "JSON size miscalculated");
  return json;
}

bool is_iso_timestamp(std::string_view s) noexcept {
  // YYYY-MM-DDTHH:MM:SS.sssZ
  constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd.dddZ";
  if (s.size() != kShape.size()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (kShape[i] == 'd') {
      if (s[i] < '0' || s[i] > '9') return false;
    } else if (s[i] != kShape[i]) {
      return false;
    }
  }
  auto num = [&](std::size_t pos, std::size_t len) {
    int v = 0;
    for (std::size_t i = pos; i < pos + len; ++i)
      v = v * 10 + (s[i] - '0');
    return v;
  };
  const int month = num(5, 2), day = num(8, 2), hour = num(11, 2), minute = num(14, 2),
            second = num(17, 2);
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 &&
         second <= 59;
}

// ---------------------------------------------------------------------------------------------
// A strict RFC 8259 reader for the decrypted message. It decodes string values straight into
// SecretBytes, so the secret never lands in an unwiped heap buffer of a general JSON library.

struct Field {
  bool present = false;
  std::optional<SecretBytes> text;  // set when the value is a string
};

struct ParsedMessage {
  Field version, content, created;
};

enum class ParseResult { kGarbage, kNotObject, kDuplicate, kObject };

class Reader {
 public:
  explicit Reader(ByteView in) : in_(in) {}

  // Parses the whole input. kGarbage: not JSON; kNotObject: valid JSON whose top-level value is
  // not an object; kDuplicate: an object repeating version/content/created; kObject: an object,
  // with the known fields filled in.
  ParseResult parse(ParsedMessage& out) {
    bool duplicate = false;
    skip_ws();
    if (peek() != '{') {
      if (!value(0)) return ParseResult::kGarbage;
      skip_ws();
      return at_end() ? ParseResult::kNotObject : ParseResult::kGarbage;
    }
    ++pos_;
    skip_ws();
    if (peek() == '}') {
      ++pos_;
    } else {
      for (;;) {
        skip_ws();
        std::optional<SecretBytes> key = string();
        if (!key) return ParseResult::kGarbage;
        skip_ws();
        if (peek() != ':') return ParseResult::kGarbage;
        ++pos_;
        skip_ws();
        Field* field = nullptr;
        const std::string_view k = key->str();
        if (k == "version") field = &out.version;
        if (k == "content") field = &out.content;
        if (k == "created") field = &out.created;
        if (field != nullptr && field->present) {
          // Valid JSON, but which value counts is ambiguous: parse on, then reject.
          duplicate = true;
          field = nullptr;
        }
        if (field != nullptr) {
          field->present = true;
          if (peek() == '"') {
            field->text = string();
            if (!field->text) return ParseResult::kGarbage;
          } else if (!value(1)) {
            return ParseResult::kGarbage;
          }
        } else if (!value(1)) {
          return ParseResult::kGarbage;
        }
        skip_ws();
        if (peek() == ',') {
          ++pos_;
          continue;
        }
        if (peek() == '}') {
          ++pos_;
          break;
        }
        return ParseResult::kGarbage;
      }
    }
    skip_ws();
    if (!at_end()) return ParseResult::kGarbage;
    return duplicate ? ParseResult::kDuplicate : ParseResult::kObject;
  }

 private:
  static constexpr int kMaxDepth = 64;

  bool at_end() const noexcept { return pos_ >= in_.size(); }
  int peek() const noexcept { return at_end() ? -1 : in_[pos_]; }
  void skip_ws() noexcept {
    while (!at_end() &&
           (in_[pos_] == ' ' || in_[pos_] == '\t' || in_[pos_] == '\n' || in_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool literal(std::string_view word) noexcept {
    if (in_.size() - pos_ < word.size()) return false;
    for (std::size_t i = 0; i < word.size(); ++i) {
      if (in_[pos_ + i] != static_cast<std::uint8_t>(word[i])) return false;
    }
    pos_ += word.size();
    return true;
  }
  static bool is_digit(int c) noexcept { return c >= '0' && c <= '9'; }
  bool digits() noexcept {
    if (!is_digit(peek())) return false;
    while (is_digit(peek()))
      ++pos_;
    return true;
  }
  bool number() noexcept {
    if (peek() == '-') ++pos_;
    if (peek() == '0') {
      ++pos_;
    } else if (!digits()) {
      return false;
    }
    if (peek() == '.') {
      ++pos_;
      if (!digits()) return false;
    }
    if (peek() == 'e' || peek() == 'E') {
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      if (!digits()) return false;
    }
    return true;
  }

  // Any JSON value, discarded.
  bool value(int depth) {
    if (depth > kMaxDepth) return false;
    switch (peek()) {
      case '"':
        return string().has_value();
      case 't':
        return literal("true");
      case 'f':
        return literal("false");
      case 'n':
        return literal("null");
      case '[': {
        ++pos_;
        skip_ws();
        if (peek() == ']') {
          ++pos_;
          return true;
        }
        for (;;) {
          skip_ws();
          if (!value(depth + 1)) return false;
          skip_ws();
          if (peek() == ',') {
            ++pos_;
            continue;
          }
          if (peek() != ']') return false;
          ++pos_;
          return true;
        }
      }
      case '{': {
        ++pos_;
        skip_ws();
        if (peek() == '}') {
          ++pos_;
          return true;
        }
        for (;;) {
          skip_ws();
          if (!string()) return false;
          skip_ws();
          if (peek() != ':') return false;
          ++pos_;
          skip_ws();
          if (!value(depth + 1)) return false;
          skip_ws();
          if (peek() == ',') {
            ++pos_;
            continue;
          }
          if (peek() != '}') return false;
          ++pos_;
          return true;
        }
      }
      default:
        return number();
    }
  }

  int hex4() noexcept {
    if (in_.size() - pos_ < 4) return -1;
    int v = 0;
    for (int i = 0; i < 4; ++i) {
      const std::uint8_t c = in_[pos_++];
      int d;
      if (c >= '0' && c <= '9') {
        d = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        d = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        d = c - 'A' + 10;
      } else {
        return -1;
      }
      v = v * 16 + d;
    }
    return v;
  }

  // A string token at pos_ ('"' expected), decoded to UTF-8. The input was checked to be valid
  // UTF-8 beforehand. A lone UTF-16 surrogate escape (which JSON.parse accepts) becomes U+FFFD,
  // as TextEncoder would encode it.
  std::optional<SecretBytes> string() {
    if (peek() != '"') return std::nullopt;
    ++pos_;
    // Decoded size never exceeds the encoded size: find the closing quote first.
    std::size_t end = pos_;
    while (end < in_.size() && in_[end] != '"')
      end += (in_[end] == '\\') ? 2 : 1;
    if (end >= in_.size()) return std::nullopt;
    SecretBytes buf(end - pos_);
    std::size_t n = 0;
    auto put = [&](std::uint32_t cp) {
      if (cp < 0x80) {
        buf.data()[n++] = static_cast<std::uint8_t>(cp);
      } else if (cp < 0x800) {
        buf.data()[n++] = static_cast<std::uint8_t>(0xC0 | (cp >> 6));
        buf.data()[n++] = static_cast<std::uint8_t>(0x80 | (cp & 0x3F));
      } else if (cp < 0x10000) {
        buf.data()[n++] = static_cast<std::uint8_t>(0xE0 | (cp >> 12));
        buf.data()[n++] = static_cast<std::uint8_t>(0x80 | ((cp >> 6) & 0x3F));
        buf.data()[n++] = static_cast<std::uint8_t>(0x80 | (cp & 0x3F));
      } else {
        buf.data()[n++] = static_cast<std::uint8_t>(0xF0 | (cp >> 18));
        buf.data()[n++] = static_cast<std::uint8_t>(0x80 | ((cp >> 12) & 0x3F));
        buf.data()[n++] = static_cast<std::uint8_t>(0x80 | ((cp >> 6) & 0x3F));
        buf.data()[n++] = static_cast<std::uint8_t>(0x80 | (cp & 0x3F));
      }
    };
    while (pos_ < end) {
      const std::uint8_t c = in_[pos_];
      if (c < 0x20) return std::nullopt;  // raw control characters are not allowed
      if (c != '\\') {
        buf.data()[n++] = c;
        ++pos_;
        continue;
      }
      ++pos_;
      const std::uint8_t e = in_[pos_++];
      switch (e) {
        case '"':
          put('"');
          break;
        case '\\':
          put('\\');
          break;
        case '/':
          put('/');
          break;
        case 'b':
          put('\b');
          break;
        case 'f':
          put('\f');
          break;
        case 'n':
          put('\n');
          break;
        case 'r':
          put('\r');
          break;
        case 't':
          put('\t');
          break;
        case 'u': {
          // Bound the escape by the closing quote so that hex4 never reads past the string.
          if (end - pos_ < 4) return std::nullopt;
          const int u = hex4();
          if (u < 0) return std::nullopt;
          std::uint32_t cp = static_cast<std::uint32_t>(u);
          if (cp >= 0xD800 && cp <= 0xDBFF && end - pos_ >= 6 && in_[pos_] == '\\' &&
              in_[pos_ + 1] == 'u') {
            const std::size_t save = pos_;
            pos_ += 2;
            const int lo = hex4();
            if (lo < 0) return std::nullopt;
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (static_cast<std::uint32_t>(lo) - 0xDC00);
            } else {
              pos_ = save;  // not a pair: the next escape is decoded on its own
            }
          }
          if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;
          put(cp);
          break;
        }
        default:
          return std::nullopt;
      }
    }
    ++pos_;  // closing quote
    if (n == buf.size()) return buf;
    return SecretBytes(buf.view().first(n));
  }

  ByteView in_;
  std::size_t pos_ = 0;
};

// ---------------------------------------------------------------------------------------------
// AES-256-CBC with PKCS7 padding.

Bytes cbc_encrypt(ByteView key, ByteView iv, ByteView plaintext) {
  ossl::CipherCtx ctx(ossl::check_ptr(EVP_CIPHER_CTX_new(), "EVP_CIPHER_CTX_new"));
  ossl::check(EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_cbc(), nullptr, key.data(), iv.data()),
              "EVP_EncryptInit_ex");
  Bytes out(plaintext.size() + kBlock);
  int n1 = 0;
  int n2 = 0;
  ossl::check(EVP_EncryptUpdate(ctx.get(), out.data(), &n1, plaintext.data(),
                                static_cast<int>(plaintext.size())),
              "EVP_EncryptUpdate");
  ossl::check(EVP_EncryptFinal_ex(ctx.get(), out.data() + n1, &n2), "EVP_EncryptFinal_ex");
  out.resize(static_cast<std::size_t>(n1) + static_cast<std::size_t>(n2));
  return out;
}

// Returns the plaintext, or nullopt when the PKCS7 padding is invalid.
std::optional<SecretBytes> cbc_decrypt(ByteView key, ByteView iv, ByteView ciphertext) {
  ossl::CipherCtx ctx(ossl::check_ptr(EVP_CIPHER_CTX_new(), "EVP_CIPHER_CTX_new"));
  ossl::check(EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_cbc(), nullptr, key.data(), iv.data()),
              "EVP_DecryptInit_ex");
  SecretBytes out(ciphertext.size() + kBlock);
  int n1 = 0;
  int n2 = 0;
  ossl::check(EVP_DecryptUpdate(ctx.get(), out.data(), &n1, ciphertext.data(),
                                static_cast<int>(ciphertext.size())),
              "EVP_DecryptUpdate");
  if (EVP_DecryptFinal_ex(ctx.get(), out.data() + n1, &n2) != 1) {
    ossl::clear_errors();  // bad padding: expected with a wrong key
    return std::nullopt;
  }
  return SecretBytes(out.view().first(static_cast<std::size_t>(n1) + static_cast<std::size_t>(n2)));
}

// ---------------------------------------------------------------------------------------------

struct Blob {
  Bytes salt;
  Bytes iv;
  Bytes ciphertext;
};

Blob parse_blob(std::string_view blob) {
  if (blob.starts_with(kSaltedPrefix) ||
      (blob.size() > kHexPrefix && blob.substr(kHexPrefix).starts_with(kSaltedPrefix))) {
    fail(CryptoErrc::kUnsupported,
         "CryptoJS passphrase (\"Salted__\") format; EnigmaCrypt blobs carry hex salt and IV");
  }
  if (blob.size() > kEnigmaMaxBlobSize) fail(CryptoErrc::kInvalidLength, "blob too large");
  // One block of ciphertext is 24 base64 characters.
  if (blob.size() < kHexPrefix + base64_encoded_size(kBlock)) {
    fail(CryptoErrc::kInvalidLength, "blob too short");
  }
  Blob out;
  out.salt = hex_decode(blob.substr(0, 2 * kEnigmaSaltSize));
  out.iv = hex_decode(blob.substr(2 * kEnigmaSaltSize, 2 * kEnigmaIvSize));
  out.ciphertext = base64_decode(blob.substr(kHexPrefix), Padding::kRequired);
  if (out.ciphertext.empty() || out.ciphertext.size() % kBlock != 0) {
    fail(CryptoErrc::kInvalidLength, "ciphertext is not a whole number of AES blocks");
  }
  return out;
}

// Outcome of one hash candidate.
enum class Attempt {
  kOpened,
  kBadPadding,
  kGarbage,
  kNotObject,
  kDuplicate,
  kBadVersion,
  kNoContent,
};

Attempt try_open(const Blob& blob, ByteView password, HashAlg hash, EnigmaMessage& out) {
  const SecretBytes key =
      pbkdf2(hash, password, blob.salt, kEnigmaPbkdf2Iterations, kEnigmaKeySize);
  std::optional<SecretBytes> plain = cbc_decrypt(key.view(), blob.iv, blob.ciphertext);
  if (!plain) return Attempt::kBadPadding;
  if (!detail::is_valid_utf8(plain->view())) return Attempt::kGarbage;
  ParsedMessage msg;
  switch (Reader(plain->view()).parse(msg)) {
    case ParseResult::kGarbage:
      return Attempt::kGarbage;
    case ParseResult::kNotObject:
      return Attempt::kNotObject;
    case ParseResult::kDuplicate:
      return Attempt::kDuplicate;
    case ParseResult::kObject:
      break;
  }
  if (!msg.version.text || msg.version.text->str() != "v1") return Attempt::kBadVersion;
  if (!msg.content.text) return Attempt::kNoContent;
  // `created` is informational: kept when it is a string, ignored otherwise.
  out.content = std::move(*msg.content.text);
  out.created = msg.created.text ? std::string(msg.created.text->str()) : std::string();
  out.hash = hash;
  return Attempt::kOpened;
}

EnigmaMessage decrypt_with(std::string_view blob_text, ByteView password,
                           std::initializer_list<HashAlg> hashes) {
  const Blob blob = parse_blob(blob_text);
  EnigmaMessage msg{SecretBytes(), std::string(), HashAlg::kSha256};
  Attempt worst = Attempt::kBadPadding;
  for (HashAlg h : hashes) {
    const Attempt a = try_open(blob, password, h, msg);
    if (a == Attempt::kOpened) return msg;
    // A structured JSON document means the key was right and the format is the problem.
    if (a == Attempt::kBadVersion || a == Attempt::kNoContent || a == Attempt::kNotObject ||
        a == Attempt::kDuplicate) {
      worst = a;
    }
  }
  switch (worst) {
    case Attempt::kBadVersion:
      fail(CryptoErrc::kUnsupported, "message version is not v1");
    case Attempt::kNoContent:
      fail(CryptoErrc::kInvalidFormat, "message has no string content");
    case Attempt::kNotObject:
      fail(CryptoErrc::kInvalidFormat, "message is not a JSON object");
    case Attempt::kDuplicate:
      fail(CryptoErrc::kInvalidFormat, "message repeats a field");
    default:
      fail(CryptoErrc::kWrongPassword, "wrong password or corrupted blob");
  }
}

void check_encrypt_inputs(ByteView content, ByteView password, std::string_view created) {
  if (!detail::is_valid_utf8(content)) fail(CryptoErrc::kInvalidArgument, "content is not UTF-8");
  if (password.empty()) fail(CryptoErrc::kInvalidArgument, "empty password");
  if (!detail::is_valid_utf8(password)) {
    fail(CryptoErrc::kInvalidArgument, "password is not UTF-8");
  }
  if (!is_iso_timestamp(created)) {
    fail(CryptoErrc::kInvalidArgument, "created must look like 2026-11-23T08:16:25.188Z");
  }
}

}  // namespace

std::string enigma_created_now() {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  const std::time_t t = system_clock::to_time_t(now);
  std::tm tm{};
  if (gmtime_r(&t, &tm) == nullptr) fail(CryptoErrc::kInternal, "gmtime_r failed");
  std::array<char, 32> buf{};
  const int n = std::snprintf(buf.data(), buf.size(), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                              tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                              tm.tm_sec, static_cast<int>(ms));
  if (n != 24) fail(CryptoErrc::kInternal, "timestamp out of range");
  return std::string(buf.data(), static_cast<std::size_t>(n));
}

std::string enigma_encrypt(ByteView content, ByteView password, std::string_view created,
                           HashAlg hash) {
  const Bytes salt = random_bytes(kEnigmaSaltSize);
  const Bytes iv = random_bytes(kEnigmaIvSize);
  return enigma_encrypt(content, password, created, salt, iv, hash);
}

std::string enigma_encrypt(ByteView content, ByteView password, std::string_view created,
                           ByteView salt, ByteView iv, HashAlg hash) {
  check_encrypt_inputs(content, password, created);
  if (salt.size() != kEnigmaSaltSize) fail(CryptoErrc::kInvalidLength, "salt must be 16 bytes");
  if (iv.size() != kEnigmaIvSize) fail(CryptoErrc::kInvalidLength, "IV must be 16 bytes");
  const SecretBytes json = build_message_json(content, created);
  const SecretBytes key = pbkdf2(hash, password, salt, kEnigmaPbkdf2Iterations, kEnigmaKeySize);
  const Bytes ct = cbc_encrypt(key.view(), iv, json.view());
  return hex_encode(salt) + hex_encode(iv) + base64_encode(ct);
}

EnigmaMessage enigma_decrypt(std::string_view blob, ByteView password) {
  return decrypt_with(blob, password, {HashAlg::kSha256, HashAlg::kSha1});
}

EnigmaMessage enigma_decrypt(std::string_view blob, ByteView password, HashAlg hash) {
  return decrypt_with(blob, password, {hash});
}

SecretBytes enigma_generate_password(std::size_t length) {
  if (length < 12 || length > 256) {
    fail(CryptoErrc::kInvalidArgument, "password length must be 12..256");
  }
  SecretBytes out(length);
  for (std::size_t i = 0; i < length; ++i) {
    const std::uint32_t idx =
        random_uniform(static_cast<std::uint32_t>(kEnigmaPasswordAlphabet.size()));
    out.data()[i] = static_cast<std::uint8_t>(kEnigmaPasswordAlphabet[idx]);
  }
  return out;
}

}  // namespace anonfs::crypto
