// SJCL password-based AES-GCM JSON (secrets-protocols.md §2.5).

#include "anonfs/crypto/sjcl.hpp"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "anonfs/crypto/aes_gcm.hpp"
#include "anonfs/crypto/base64.hpp"
#include "anonfs/crypto/error.hpp"
#include "anonfs/crypto/hash.hpp"
#include "anonfs/crypto/random.hpp"
#include "ossl.hpp"

namespace anonfs::crypto {
namespace {

constexpr std::size_t kMinIv = 8;
constexpr std::size_t kMaxIv = 16;
constexpr std::size_t kDefaultIv = 16;
constexpr std::size_t kMaxSalt = 64;

[[noreturn]] void fail(CryptoErrc code, const std::string& what) {
  throw CryptoError(code, "sjcl: " + what);
}

bool valid_key_bits(std::int64_t ks) noexcept {
  return ks == 128 || ks == 192 || ks == 256;
}
bool valid_tag_bits(std::int64_t ts) noexcept {
  return ts == 64 || ts == 96 || ts == 128;
}
bool valid_iterations(std::int64_t iter) noexcept {
  return iter >= kSjclMinIterations && iter <= kSjclMaxIterations;
}

const EVP_CIPHER* gcm_cipher(std::size_t key_size) {
  switch (key_size) {
    case 16:
      return EVP_aes_128_gcm();
    case 24:
      return EVP_aes_192_gcm();
    default:
      fail(CryptoErrc::kInternal, "no GCM cipher for this key size");
  }
}

// AES-128/192-GCM (the shared gcm_* functions are AES-256 only). Layout ciphertext || tag.
Bytes small_gcm_seal(ByteView key, ByteView iv, ByteView aad, ByteView plaintext,
                     std::size_t tag_size) {
  ossl::CipherCtx ctx(ossl::check_ptr(EVP_CIPHER_CTX_new(), "EVP_CIPHER_CTX_new"));
  ossl::check(EVP_EncryptInit_ex(ctx.get(), gcm_cipher(key.size()), nullptr, nullptr, nullptr),
              "EVP_EncryptInit_ex");
  ossl::check(
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()), nullptr),
      "EVP_CTRL_GCM_SET_IVLEN");
  ossl::check(EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), iv.data()),
              "EVP_EncryptInit_ex");
  int n = 0;
  if (!aad.empty()) {
    ossl::check(EVP_EncryptUpdate(ctx.get(), nullptr, &n, aad.data(), static_cast<int>(aad.size())),
                "EVP_EncryptUpdate(aad)");
  }
  Bytes out(plaintext.size() + tag_size);
  int written = 0;
  if (!plaintext.empty()) {
    ossl::check(EVP_EncryptUpdate(ctx.get(), out.data(), &written, plaintext.data(),
                                  static_cast<int>(plaintext.size())),
                "EVP_EncryptUpdate");
  }
  ossl::check(EVP_EncryptFinal_ex(ctx.get(), out.data() + written, &n), "EVP_EncryptFinal_ex");
  ossl::check(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(tag_size),
                                  out.data() + plaintext.size()),
              "EVP_CTRL_GCM_GET_TAG");
  return out;
}

// Returns nullopt when the tag does not verify.
std::optional<SecretBytes> small_gcm_open(ByteView key, ByteView iv, ByteView aad, ByteView input,
                                          std::size_t tag_size) {
  const std::size_t ct_size = input.size() - tag_size;
  ossl::CipherCtx ctx(ossl::check_ptr(EVP_CIPHER_CTX_new(), "EVP_CIPHER_CTX_new"));
  ossl::check(EVP_DecryptInit_ex(ctx.get(), gcm_cipher(key.size()), nullptr, nullptr, nullptr),
              "EVP_DecryptInit_ex");
  ossl::check(
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()), nullptr),
      "EVP_CTRL_GCM_SET_IVLEN");
  ossl::check(EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), iv.data()),
              "EVP_DecryptInit_ex");
  int n = 0;
  if (!aad.empty()) {
    ossl::check(EVP_DecryptUpdate(ctx.get(), nullptr, &n, aad.data(), static_cast<int>(aad.size())),
                "EVP_DecryptUpdate(aad)");
  }
  SecretBytes out(ct_size);
  int written = 0;
  if (ct_size != 0) {
    ossl::check(
        EVP_DecryptUpdate(ctx.get(), out.data(), &written, input.data(), static_cast<int>(ct_size)),
        "EVP_DecryptUpdate");
  }
  // OpenSSL takes a non-const pointer for the expected tag; copy it.
  Bytes tag(input.begin() + static_cast<std::ptrdiff_t>(ct_size), input.end());
  ossl::check(
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(tag_size), tag.data()),
      "EVP_CTRL_GCM_SET_TAG");
  std::uint8_t final_block[16];
  if (EVP_DecryptFinal_ex(ctx.get(), final_block, &n) != 1) {
    ossl::clear_errors();
    return std::nullopt;
  }
  return out;
}

SecretBytes derive_key(ByteView password, ByteView salt, unsigned iterations, unsigned key_bits) {
  // SJCL computes one 32-byte PBKDF2 block and keeps the first ks/32 words; PBKDF2 output is a
  // prefix-stable stream, so asking for ks/8 bytes gives the same key.
  return pbkdf2(HashAlg::kSha256, password, salt, iterations, key_bits / 8);
}

void check_params(const SjclParams& p) {
  if (!valid_iterations(p.iterations)) fail(CryptoErrc::kInvalidArgument, "iter out of range");
  if (!valid_key_bits(p.key_bits)) fail(CryptoErrc::kInvalidArgument, "ks must be 128/192/256");
  if (!valid_tag_bits(p.tag_bits)) fail(CryptoErrc::kInvalidArgument, "ts must be 64/96/128");
}

// --- JSON field access ------------------------------------------------------------------------

const nlohmann::json* field(const nlohmann::json& obj, const char* name) {
  const auto it = obj.find(name);
  return it == obj.end() ? nullptr : &*it;
}

std::int64_t int_field(const nlohmann::json& obj, const char* name, std::int64_t fallback) {
  const nlohmann::json* v = field(obj, name);
  if (v == nullptr) return fallback;
  if (v->is_number_unsigned()) {
    const auto u = v->get<std::uint64_t>();
    // Anything that large is out of every accepted range; clamp so range checks reject it.
    return u > static_cast<std::uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<std::int64_t>(u);
  }
  if (v->is_number_integer()) return v->get<std::int64_t>();
  fail(CryptoErrc::kInvalidFormat, std::string("field \"") + name + "\" must be an integer");
}

std::optional<std::string> string_field(const nlohmann::json& obj, const char* name) {
  const nlohmann::json* v = field(obj, name);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) {
    fail(CryptoErrc::kInvalidFormat, std::string("field \"") + name + "\" must be a string");
  }
  return v->get<std::string>();
}

Bytes b64_field(const nlohmann::json& obj, const char* name, bool required) {
  const std::optional<std::string> s = string_field(obj, name);
  if (!s) {
    if (required) fail(CryptoErrc::kInvalidFormat, std::string("missing field \"") + name + "\"");
    return {};
  }
  try {
    return base64_decode(*s, Padding::kOptional);
  } catch (const CryptoError& e) {
    fail(e.code(), std::string("field \"") + name + "\": " + e.what());
  }
}

std::string build_json(const SjclParams& p, ByteView iv, ByteView salt, ByteView adata,
                       ByteView ct) {
  std::string out;
  out.reserve(160 + base64_encoded_size(ct.size()));
  out += R"({"iv":")";
  out += base64_encode(iv);
  out += R"(","v":1,"iter":)";
  out += std::to_string(p.iterations);
  out += R"(,"ks":)";
  out += std::to_string(p.key_bits);
  out += R"(,"ts":)";
  out += std::to_string(p.tag_bits);
  out += R"(,"mode":"gcm","adata":")";
  out += base64_encode(adata);
  out += R"(","cipher":"aes","salt":")";
  out += base64_encode(salt);
  out += R"(","ct":")";
  out += base64_encode(ct);
  out += R"("})";
  return out;
}

}  // namespace

std::string sjcl_encrypt(ByteView password, ByteView plaintext, const SjclParams& params,
                         ByteView adata) {
  if (params.salt_size != 8 && params.salt_size != 16) {
    fail(CryptoErrc::kInvalidArgument, "salt size must be 8 or 16 bytes");
  }
  const Bytes salt = random_bytes(params.salt_size);
  const Bytes iv = random_bytes(kDefaultIv);
  return sjcl_encrypt(password, plaintext, salt, iv, params, adata);
}

std::string sjcl_encrypt(ByteView password, ByteView plaintext, ByteView salt, ByteView iv,
                         const SjclParams& params, ByteView adata) {
  check_params(params);
  if (salt.size() != 8 && salt.size() != 16) {
    fail(CryptoErrc::kInvalidLength, "salt must be 8 or 16 bytes");
  }
  if (iv.size() < kMinIv || iv.size() > kMaxIv) {
    fail(CryptoErrc::kInvalidLength, "IV must be 8..16 bytes");
  }
  const SecretBytes key = derive_key(password, salt, params.iterations, params.key_bits);
  const std::size_t tag_size = params.tag_bits / 8;
  const Bytes ct = params.key_bits == 256
                       ? gcm_seal(key.view(), iv, adata, plaintext, tag_size)
                       : small_gcm_seal(key.view(), iv, adata, plaintext, tag_size);
  return build_json(params, iv, salt, adata, ct);
}

SjclBlob sjcl_parse(std::string_view json) {
  if (json.size() > kSjclMaxJsonSize) fail(CryptoErrc::kInvalidLength, "JSON text too large");
  const nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) fail(CryptoErrc::kInvalidFormat, "not valid JSON");
  if (!doc.is_object()) fail(CryptoErrc::kInvalidFormat, "not a JSON object");

  // Absent fields take SJCL's defaults ({v:1, iter:10000, ks:128, ts:64, mode:"ccm",
  // adata:"", cipher:"aes"}), exactly as sjcl.decrypt merges them.
  if (int_field(doc, "v", 1) != 1) fail(CryptoErrc::kUnsupported, "version must be 1");
  if (string_field(doc, "cipher").value_or("aes") != "aes") {
    fail(CryptoErrc::kUnsupported, "cipher must be aes");
  }
  if (string_field(doc, "mode").value_or("ccm") != "gcm") {
    fail(CryptoErrc::kUnsupported, "mode must be gcm");
  }
  const std::int64_t iter = int_field(doc, "iter", kSjclDefaultIterations);
  const std::int64_t ks = int_field(doc, "ks", 128);
  const std::int64_t ts = int_field(doc, "ts", 64);
  if (!valid_iterations(iter)) fail(CryptoErrc::kUnsupported, "iter out of range");
  if (!valid_key_bits(ks)) fail(CryptoErrc::kUnsupported, "ks must be 128, 192 or 256");
  if (!valid_tag_bits(ts)) fail(CryptoErrc::kUnsupported, "ts must be 64, 96 or 128");

  SjclBlob blob;
  blob.iterations = static_cast<unsigned>(iter);
  blob.key_bits = static_cast<unsigned>(ks);
  blob.tag_bits = static_cast<unsigned>(ts);
  blob.iv = b64_field(doc, "iv", true);
  blob.salt = b64_field(doc, "salt", true);
  blob.ciphertext = b64_field(doc, "ct", true);
  blob.adata = b64_field(doc, "adata", false);
  if (blob.iv.size() < kMinIv || blob.iv.size() > kMaxIv) {
    fail(CryptoErrc::kInvalidLength, "IV must be 8..16 bytes");
  }
  if (blob.salt.empty() || blob.salt.size() > kMaxSalt) {
    fail(CryptoErrc::kInvalidLength, "salt must be 1..64 bytes");
  }
  if (blob.ciphertext.size() < blob.tag_bits / 8) {
    fail(CryptoErrc::kInvalidLength, "ciphertext shorter than its tag");
  }
  return blob;
}

SecretBytes sjcl_decrypt(const SjclBlob& blob, ByteView password) {
  if (!valid_iterations(blob.iterations) || !valid_key_bits(blob.key_bits) ||
      !valid_tag_bits(blob.tag_bits) || blob.iv.size() < kMinIv || blob.iv.size() > kMaxIv ||
      blob.salt.empty() || blob.salt.size() > kMaxSalt ||
      blob.ciphertext.size() < blob.tag_bits / 8) {
    fail(CryptoErrc::kInvalidArgument, "blob parameters out of range");
  }
  const SecretBytes key = derive_key(password, blob.salt, blob.iterations, blob.key_bits);
  const std::size_t tag_size = blob.tag_bits / 8;
  if (blob.key_bits == 256) {
    SecretBytes out(blob.ciphertext.size() - tag_size);
    if (!gcm_decrypt(key.view(), blob.iv, blob.adata, blob.ciphertext, out.mutable_view(),
                     tag_size)) {
      fail(CryptoErrc::kWrongPassword, "wrong password or corrupted ciphertext");
    }
    return out;
  }
  std::optional<SecretBytes> out =
      small_gcm_open(key.view(), blob.iv, blob.adata, blob.ciphertext, tag_size);
  if (!out) fail(CryptoErrc::kWrongPassword, "wrong password or corrupted ciphertext");
  return std::move(*out);
}

SecretBytes sjcl_decrypt(std::string_view json, ByteView password) {
  return sjcl_decrypt(sjcl_parse(json), password);
}

}  // namespace anonfs::crypto
