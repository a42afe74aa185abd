// SJCL GCM JSON: the password.link vector of secrets-protocols.md §4b, byte-exact re-encryption,
// other key/tag sizes, and malformed documents.

#include "anonfs/crypto/sjcl.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "../../support/crypto_error.hpp"
#include "anonfs/crypto/base64.hpp"
#include "anonfs/crypto/error.hpp"

namespace anonfs::crypto {
namespace {

constexpr std::string_view kPassword = "fkgjbnvlakwiejgutnFIGKEOTIRUBNAKQJRL";
constexpr std::string_view kPlaintext = "secret \xe2\x9c\x93";  // "secret ✓"
constexpr std::string_view kVector =
    R"({"iv":"xGfyDwvv+bjyYimCJbxDqA==","v":1,"iter":10000,"ks":256,"ts":64,"mode":"gcm",)"
    R"("adata":"","cipher":"aes","salt":"v/4VCySUT5U=","ct":"CC/82NJhSmFMltQtF/UmeldR"})";

// Generated with Python `cryptography` (PBKDF2-HMAC-SHA256 truncated to ks bits, AES-GCM with the
// given IV, tag truncated to ts bits); the same recipe reproduces kVector exactly.
struct Kat {
  std::string_view password;
  std::string_view plaintext;
  std::string_view json;
};
constexpr Kat kKats[] = {
    {"pw-128", "ks128 test",
     R"({"iv":"EBESExQVFhc=","v":1,"iter":1000,"ks":128,"ts":96,"mode":"gcm","adata":"aGVsbG8=",)"
     R"("cipher":"aes","salt":"AAECAwQFBgcICQoLDA0ODw==","ct":"ykIVp2VBAN/vLpgaFxLuYAKystzDwg=="})"},
    {"pw-192", "ks192 test",
     R"({"iv":"MDEyMzQ1Njc4OTo7PD0+Pw==","v":1,"iter":2000,"ks":192,"ts":128,"mode":"gcm",)"
     R"("adata":"","cipher":"aes","salt":"ICEiIyQlJic=","ct":"gXfF5uJr+a6bNFncmbwa65qkpdO2KIilbAk="})"},
    {"pw-256", "ks256 aad",
     R"({"iv":"UFFSU1RVVldYWVpb","v":1,"iter":500,"ks":256,"ts":128,"mode":"gcm","adata":"AAEC",)"
     R"("cipher":"aes","salt":"QEFCQ0RFRkdISUpLTE1OTw==","ct":"3sc1J4dBmdwlCm7nYvfZTTcCc3cynNVoAA=="})"},
};

ByteView pw() {
  return as_bytes(kPassword);
}

CryptoErrc error_of(const std::function<void()>& fn) {
  return anonfs::test_support::crypto_error_of(fn);
}

CryptoErrc decrypt_error(std::string_view json, std::string_view password = kPassword) {
  return error_of([&] { (void)sjcl_decrypt(json, as_bytes(password)); });
}

// The vector with one field replaced (or removed when value is discarded).
std::string with(std::string_view key, const nlohmann::json& value,
                 std::string_view base = kVector) {
  nlohmann::json doc = nlohmann::json::parse(base);
  if (value.is_discarded()) {
    doc.erase(std::string(key));
  } else {
    doc[std::string(key)] = value;
  }
  return doc.dump();
}
const nlohmann::json kRemove = nlohmann::json(nlohmann::json::value_t::discarded);

TEST(Sjcl, DecryptsPasswordLinkVector) {
  EXPECT_EQ(sjcl_decrypt(kVector, pw()).str(), kPlaintext);
  const SjclBlob blob = sjcl_parse(kVector);
  EXPECT_EQ(blob.iterations, 10000u);
  EXPECT_EQ(blob.key_bits, 256u);
  EXPECT_EQ(blob.tag_bits, 64u);
  EXPECT_EQ(blob.iv.size(), 16u);
  EXPECT_EQ(blob.salt.size(), 8u);
  EXPECT_TRUE(blob.adata.empty());
  EXPECT_EQ(blob.ciphertext.size(), 10u + 8u);
}

TEST(Sjcl, ReEncryptionWithFixedSaltAndIvReproducesTheVector) {
  const SjclBlob blob = sjcl_parse(kVector);
  EXPECT_EQ(sjcl_encrypt(pw(), as_bytes(kPlaintext), blob.salt, blob.iv), kVector);
  EXPECT_EQ(sjcl_encrypt(pw(), as_bytes(kPlaintext), blob.salt, blob.iv, SjclParams{}), kVector);
}

TEST(Sjcl, OtherKeyAndTagSizesAndAdata) {
  for (const Kat& kat : kKats) {
    SCOPED_TRACE(kat.json);
    EXPECT_EQ(sjcl_decrypt(kat.json, as_bytes(kat.password)).str(), kat.plaintext);
    const SjclBlob blob = sjcl_parse(kat.json);
    SjclParams params;
    params.iterations = blob.iterations;
    params.key_bits = blob.key_bits;
    params.tag_bits = blob.tag_bits;
    EXPECT_EQ(sjcl_encrypt(as_bytes(kat.password), as_bytes(kat.plaintext), blob.salt, blob.iv,
                           params, blob.adata),
              kat.json);
    // The AAD is authenticated.
    EXPECT_EQ(decrypt_error(with("adata", "AAED", kat.json), kat.password),
              CryptoErrc::kWrongPassword);
  }
}

TEST(Sjcl, RoundTripsAllParameterCombinations) {
  for (unsigned ks : {128u, 192u, 256u}) {
    for (unsigned ts : {64u, 96u, 128u}) {
      for (std::size_t salt : {8u, 16u}) {
        SjclParams params;
        params.iterations = 1000;
        params.key_bits = ks;
        params.tag_bits = ts;
        params.salt_size = salt;
        const std::string json =
            sjcl_encrypt(pw(), as_bytes("round trip"), params, as_bytes("aad"));
        const SjclBlob blob = sjcl_parse(json);
        EXPECT_EQ(blob.key_bits, ks);
        EXPECT_EQ(blob.tag_bits, ts);
        EXPECT_EQ(blob.salt.size(), salt);
        EXPECT_EQ(blob.iv.size(), 16u);
        EXPECT_EQ(as_chars(blob.adata), "aad");
        EXPECT_EQ(sjcl_decrypt(json, pw()).str(), "round trip");
      }
    }
  }
}

TEST(Sjcl, DefaultsMatchSjclAndPasswordLink) {
  const std::string json = sjcl_encrypt(pw(), as_bytes(kPlaintext));
  const nlohmann::json doc = nlohmann::json::parse(json);
  EXPECT_EQ(doc["v"], 1);
  EXPECT_EQ(doc["iter"], 10000);
  EXPECT_EQ(doc["ks"], 256);
  EXPECT_EQ(doc["ts"], 64);
  EXPECT_EQ(doc["mode"], "gcm");
  EXPECT_EQ(doc["adata"], "");
  EXPECT_EQ(doc["cipher"], "aes");
  EXPECT_EQ(base64_decode(doc["salt"].get<std::string>()).size(), 8u);
  EXPECT_EQ(base64_decode(doc["iv"].get<std::string>()).size(), 16u);
  // SJCL's key order.
  EXPECT_EQ(json.rfind(R"({"iv":")", 0), 0u);
  EXPECT_LT(json.find(R"("v":1,"iter":10000,"ks":256,"ts":64,"mode":"gcm","adata":"",)"
                      R"("cipher":"aes","salt":")"),
            json.find(R"("ct":")"));
  EXPECT_EQ(sjcl_decrypt(json, pw()).str(), kPlaintext);
  EXPECT_NE(json, sjcl_encrypt(pw(), as_bytes(kPlaintext)));
}

TEST(Sjcl, EmptyPlaintext) {
  const std::string json = sjcl_encrypt(pw(), {});
  EXPECT_EQ(sjcl_parse(json).ciphertext.size(), 8u);
  EXPECT_TRUE(sjcl_decrypt(json, pw()).empty());
  SjclParams p;
  p.key_bits = 128;
  const std::string json128 = sjcl_encrypt(pw(), {}, p);
  EXPECT_TRUE(sjcl_decrypt(json128, pw()).empty());
}

TEST(Sjcl, ToleratesKeyOrderUnpaddedBase64UnknownKeysAndSjclDefaults) {
  const std::string reordered =
      R"({"ct":"CC/82NJhSmFMltQtF/UmeldR","salt":"v/4VCySUT5U","cipher":"aes","mode":"gcm",)"
      R"("ts":64,"ks":256,"iter":10000,"v":1,"iv":"xGfyDwvv+bjyYimCJbxDqA","extra":[1,2]})";
  EXPECT_EQ(sjcl_decrypt(reordered, pw()).str(), kPlaintext);
  // Absent v, cipher, adata, iter and ts take SJCL's defaults (1, aes, "", 10000, 64).
  std::string minimal = with("v", kRemove);
  minimal = with("cipher", kRemove, minimal);
  minimal = with("adata", kRemove, minimal);
  minimal = with("iter", kRemove, minimal);
  minimal = with("ts", kRemove, minimal);
  EXPECT_EQ(sjcl_decrypt(minimal, pw()).str(), kPlaintext);
  // Absent ks means SJCL's 128: a different key, so the tag fails.
  EXPECT_EQ(decrypt_error(with("ks", kRemove)), CryptoErrc::kWrongPassword);
  // Whitespace between tokens is fine.
  EXPECT_EQ(sjcl_decrypt(" \n" + std::string(kVector) + "\t", pw()).str(), kPlaintext);
}

TEST(Sjcl, WrongPasswordAndTampering) {
  EXPECT_EQ(decrypt_error(kVector, "FIGKEOTIRUBNAKQJRLfkgjbnvlakwiejgutn"),
            CryptoErrc::kWrongPassword);
  EXPECT_EQ(decrypt_error(kVector, ""), CryptoErrc::kWrongPassword);
  const Bytes ct = base64_decode("CC/82NJhSmFMltQtF/UmeldR");
  for (std::size_t i = 0; i < ct.size(); ++i) {
    Bytes flipped = ct;
    flipped[i] ^= 0x80;
    EXPECT_EQ(decrypt_error(with("ct", base64_encode(flipped))), CryptoErrc::kWrongPassword) << i;
  }
  EXPECT_EQ(decrypt_error(with("iv", "xGfyDwvv+bjyYimCJbxDqQ==")), CryptoErrc::kWrongPassword);
  EXPECT_EQ(decrypt_error(with("salt", "v/4VCySUT5Q=")), CryptoErrc::kWrongPassword);
  EXPECT_EQ(decrypt_error(with("iter", 10001)), CryptoErrc::kWrongPassword);
  EXPECT_EQ(decrypt_error(with("adata", "AA==")), CryptoErrc::kWrongPassword);
  // A shorter declared tag moves the tag boundary: still refused.
  EXPECT_EQ(decrypt_error(with("ts", 96)), CryptoErrc::kWrongPassword);
}

TEST(Sjcl, UnsupportedParameters) {
  EXPECT_EQ(decrypt_error(with("mode", "ccm")), CryptoErrc::kUnsupported);
  EXPECT_EQ(decrypt_error(with("mode", "GCM")), CryptoErrc::kUnsupported);
  EXPECT_EQ(decrypt_error(with("mode", kRemove)), CryptoErrc::kUnsupported);  // SJCL: ccm
  EXPECT_EQ(decrypt_error(with("cipher", "des")), CryptoErrc::kUnsupported);
  EXPECT_EQ(decrypt_error(with("v", 2)), CryptoErrc::kUnsupported);
  EXPECT_EQ(decrypt_error(with("v", 0)), CryptoErrc::kUnsupported);
  EXPECT_EQ(decrypt_error(with("ks", 512)), CryptoErrc::kUnsupported);
  EXPECT_EQ(decrypt_error(with("ks", 0)), CryptoErrc::kUnsupported);
  EXPECT_EQ(decrypt_error(with("ts", 32)), CryptoErrc::kUnsupported);
  EXPECT_EQ(decrypt_error(with("ts", 256)), CryptoErrc::kUnsupported);
  EXPECT_EQ(decrypt_error(with("iter", 100)), CryptoErrc::kUnsupported);
  EXPECT_EQ(decrypt_error(with("iter", 0)), CryptoErrc::kUnsupported);
  EXPECT_EQ(decrypt_error(with("iter", -10000)), CryptoErrc::kUnsupported);
  EXPECT_EQ(decrypt_error(with("iter", 10'000'001)), CryptoErrc::kUnsupported);
  EXPECT_EQ(decrypt_error(with("iter", UINT64_MAX)), CryptoErrc::kUnsupported);
  EXPECT_EQ(decrypt_error(with("iter", INT64_MIN)), CryptoErrc::kUnsupported);
}

TEST(Sjcl, WrongJsonTypes) {
  EXPECT_EQ(decrypt_error(with("iter", "10000")), CryptoErrc::kInvalidFormat);
  EXPECT_EQ(decrypt_error(with("iter", 10000.0)), CryptoErrc::kInvalidFormat);
  EXPECT_EQ(decrypt_error(with("ks", true)), CryptoErrc::kInvalidFormat);
  EXPECT_EQ(decrypt_error(with("v", nullptr)), CryptoErrc::kInvalidFormat);
  EXPECT_EQ(decrypt_error(with("mode", 1)), CryptoErrc::kInvalidFormat);
  EXPECT_EQ(decrypt_error(with("ct", nlohmann::json::array())), CryptoErrc::kInvalidFormat);
  EXPECT_EQ(decrypt_error(with("adata", nlohmann::json::object())), CryptoErrc::kInvalidFormat);
  EXPECT_EQ(decrypt_error(with("iv", kRemove)), CryptoErrc::kInvalidFormat);
  EXPECT_EQ(decrypt_error(with("salt", kRemove)), CryptoErrc::kInvalidFormat);
  EXPECT_EQ(decrypt_error(with("ct", kRemove)), CryptoErrc::kInvalidFormat);
}

TEST(Sjcl, MalformedJson) {
  EXPECT_EQ(decrypt_error(""), CryptoErrc::kInvalidFormat);
  EXPECT_EQ(decrypt_error("null"), CryptoErrc::kInvalidFormat);
  EXPECT_EQ(decrypt_error("[]"), CryptoErrc::kInvalidFormat);
  EXPECT_EQ(decrypt_error(R"("{\"iv\":1}")"), CryptoErrc::kInvalidFormat);
  EXPECT_EQ(decrypt_error(kVector.substr(0, kVector.size() - 1)), CryptoErrc::kInvalidFormat);
  EXPECT_EQ(decrypt_error(kVector.substr(0, 40)), CryptoErrc::kInvalidFormat);
  EXPECT_EQ(decrypt_error(std::string(kVector) + "x"), CryptoErrc::kInvalidFormat);
  EXPECT_EQ(decrypt_error(std::string(kVector) + std::string(kVector)), CryptoErrc::kInvalidFormat);
  // SJCL's own decoder accepts single quotes; a JSON parser does not. Nobody emits them.
  EXPECT_EQ(decrypt_error("{'iv':'xGfyDwvv+bjyYimCJbxDqA=='}"), CryptoErrc::kInvalidFormat);
  EXPECT_EQ(decrypt_error("{\"iv\":\"\xff\"}"), CryptoErrc::kInvalidFormat);
  EXPECT_EQ(decrypt_error(std::string(100000, '[') + std::string(100000, ']')),
            CryptoErrc::kInvalidFormat);
  EXPECT_EQ(decrypt_error(std::string(kSjclMaxJsonSize + 1, ' ')), CryptoErrc::kInvalidLength);
}

TEST(Sjcl, BadBase64AndLengths) {
  EXPECT_EQ(decrypt_error(with("ct", "CC/82NJhSmFMltQtF/Umeld!")), CryptoErrc::kInvalidEncoding);
  EXPECT_EQ(decrypt_error(with("ct", "CC_82NJhSmFMltQtF-UmeldR")), CryptoErrc::kInvalidEncoding);
  EXPECT_EQ(decrypt_error(with("iv", "xGfyDwvv+bjyYimCJbxDqA=")), CryptoErrc::kInvalidEncoding);
  EXPECT_EQ(decrypt_error(with("iv", "xGfyDwvv+bjyYimCJbxDqB==")), CryptoErrc::kInvalidEncoding);
  EXPECT_EQ(decrypt_error(with("salt", "v/4VCySUT5U= ")), CryptoErrc::kInvalidEncoding);
  EXPECT_EQ(decrypt_error(with("adata", "A")), CryptoErrc::kInvalidEncoding);
  // IV 7 and 17 bytes, empty IV.
  EXPECT_EQ(decrypt_error(with("iv", base64_encode(Bytes(7)))), CryptoErrc::kInvalidLength);
  EXPECT_EQ(decrypt_error(with("iv", base64_encode(Bytes(17)))), CryptoErrc::kInvalidLength);
  EXPECT_EQ(decrypt_error(with("iv", "")), CryptoErrc::kInvalidLength);
  // Salt empty and oversized.
  EXPECT_EQ(decrypt_error(with("salt", "")), CryptoErrc::kInvalidLength);
  EXPECT_EQ(decrypt_error(with("salt", base64_encode(Bytes(65)))), CryptoErrc::kInvalidLength);
  // Ciphertext shorter than the 8-byte tag; exactly the tag is a (wrong) empty message.
  EXPECT_EQ(decrypt_error(with("ct", base64_encode(Bytes(7)))), CryptoErrc::kInvalidLength);
  EXPECT_EQ(decrypt_error(with("ct", "")), CryptoErrc::kInvalidLength);
  EXPECT_EQ(decrypt_error(with("ct", base64_encode(Bytes(8)))), CryptoErrc::kWrongPassword);
  // An 8-byte IV is SJCL's minimum and accepted (the tag then fails for this vector).
  EXPECT_EQ(decrypt_error(with("iv", base64_encode(Bytes(8)))), CryptoErrc::kWrongPassword);
}

TEST(Sjcl, EncryptRejectsBadParameters) {
  const auto enc = [](SjclParams p) { (void)sjcl_encrypt(pw(), as_bytes("x"), p); };
  SjclParams p;
  p.key_bits = 100;
  EXPECT_EQ(error_of([&] { enc(p); }), CryptoErrc::kInvalidArgument);
  p = {};
  p.tag_bits = 32;
  EXPECT_EQ(error_of([&] { enc(p); }), CryptoErrc::kInvalidArgument);
  p = {};
  p.iterations = 100;
  EXPECT_EQ(error_of([&] { enc(p); }), CryptoErrc::kInvalidArgument);
  p = {};
  p.iterations = kSjclMaxIterations + 1;
  EXPECT_EQ(error_of([&] { enc(p); }), CryptoErrc::kInvalidArgument);
  p = {};
  p.salt_size = 12;
  EXPECT_EQ(error_of([&] { enc(p); }), CryptoErrc::kInvalidArgument);
  EXPECT_EQ(error_of([] { (void)sjcl_encrypt(pw(), as_bytes("x"), Bytes(8), Bytes(7)); }),
            CryptoErrc::kInvalidLength);
  EXPECT_EQ(error_of([] { (void)sjcl_encrypt(pw(), as_bytes("x"), Bytes(8), Bytes(17)); }),
            CryptoErrc::kInvalidLength);
  EXPECT_EQ(error_of([] { (void)sjcl_encrypt(pw(), as_bytes("x"), Bytes(4), Bytes(16)); }),
            CryptoErrc::kInvalidLength);
}

TEST(Sjcl, DecryptRejectsHandBuiltBlobsOutOfRange) {
  SjclBlob blob = sjcl_parse(kVector);
  blob.iterations = 0;
  EXPECT_EQ(error_of([&] { (void)sjcl_decrypt(blob, pw()); }), CryptoErrc::kInvalidArgument);
  blob = sjcl_parse(kVector);
  blob.ciphertext.resize(3);
  EXPECT_EQ(error_of([&] { (void)sjcl_decrypt(blob, pw()); }), CryptoErrc::kInvalidArgument);
}

}  // namespace
}  // namespace anonfs::crypto
