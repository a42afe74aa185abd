// EnigmaCrypt blobs: the known-answer vectors of secrets-protocols.md §4b, byte-exact
// re-encryption, and every way a blob can be malformed.

#include "anonfs/crypto/enigmacrypt.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <functional>
#include <memory>
#include <set>
#include <string>

#include "../../support/crypto_error.hpp"
#include "anonfs/crypto/base64.hpp"
#include "anonfs/crypto/error.hpp"
#include "anonfs/crypto/hash.hpp"

namespace anonfs::crypto {
namespace {

// secrets-protocols.md §4b.
constexpr std::string_view kPassword = "p\xc3\xa4ssword";    // "pässword"
constexpr std::string_view kContent = "hello w\xc3\xb6rld";  // "hello wörld"
constexpr std::string_view kBlobSha256 =
    "1847a17414347a18cdd1baf32a80da9348169821facce49d2f721ce6cf2d0f9a0Kr2Wokr//"
    "alstFbl6bgdA92OtuHg2c2zLY9tWr4XyfYYG0prb9xrhjzsSza/"
    "tPIXHcGeWYtTEVHcPz1IMQgeaXhfJxOfoJtS5r4McTE33A=";
constexpr std::string_view kCreatedSha256 = "2026-11-23T08:16:25.188Z";
constexpr std::string_view kBlobSha1 =
    "9ecca72143212614f350ed027d473f156759e03b11bfac6ebab4e85da1ffbc60i2ppRllLrpy6VCJgydJCKviRXze9RU"
    "/"
    "Sr/CpGied3l2yOmZj/JUmWYP6qoMx6EsR5uE4oJlZwKAOdfJeJW0785nEDolyvOLngbKWTFuX64I=";
constexpr std::string_view kCreatedSha1 = "2026-11-23T08:16:27.551Z";

// Generated with Node.js: JSON.stringify + crypto.pbkdf2Sync + aes-256-cbc, salt a0..af,
// IV b0..bf, password "pässword", content with every character class JSON.stringify treats
// specially.
constexpr std::string_view kTrickyContentHex =
    "7122625c732f0001080c0a0d091f7f20c3a9f09f9880e280a8656e64";
constexpr std::string_view kTrickyCreated = "2026-01-02T03:04:05.678Z";
constexpr std::string_view kTrickyBlobSha256 =
    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebftffWg+"
    "ujTbEuB1gGJtVdng5lTkiPBGZK2zZ53Ve9gFplQTC06opapjJ4ImC4SIXn4/"
    "cAZeE1x3pNJYRp3RZSPZhAfRCYZUn7wOFWDXOOKI1OzGHlunZWN0Ui70R2h6LEmxMxT7fU1aXGHIUKs9c9WENlIluAwz4C"
    "UG2"
    "raNbMOJ0=";
constexpr std::string_view kTrickyBlobSha1 =
    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfUwNRui4pQoVGFGfiTjPMLMjGRsWX4o"
    "sO+"
    "vYLDrOPfchZnWVeSHKMXYigMTHR1rjR6vetAoD0Tq8C2wBeU/"
    "nOz8kjKPLuuAXHI2UNKFESn8d8l6dJXuiEb0EmAIrEJFsLdzMq6q5LDegCdbX8WlvMkeEiTrvZH4oosvZEehSAgMU=";

ByteView pw() {
  return as_bytes(kPassword);
}

CryptoErrc error_of(const std::function<void()>& fn) {
  return anonfs::test_support::crypto_error_of(fn);
}

CryptoErrc decrypt_error(std::string_view blob, std::string_view password = kPassword) {
  return error_of([&] { (void)enigma_decrypt(blob, as_bytes(password)); });
}

// Encrypts arbitrary plaintext bytes the EnigmaCrypt way, to reach the JSON checks.
std::string craft_blob(std::string_view plaintext, HashAlg hash = HashAlg::kSha256) {
  const Bytes salt(16, 0x11);
  const Bytes iv(16, 0x22);
  const SecretBytes key = pbkdf2(hash, pw(), salt, kEnigmaPbkdf2Iterations, 32);
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(),
                                                                      &EVP_CIPHER_CTX_free);
  EXPECT_EQ(EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_cbc(), nullptr, key.data(), iv.data()), 1);
  Bytes out(plaintext.size() + 16);
  int n1 = 0, n2 = 0;
  EXPECT_EQ(EVP_EncryptUpdate(ctx.get(), out.data(), &n1,
                              reinterpret_cast<const unsigned char*>(plaintext.data()),
                              static_cast<int>(plaintext.size())),
            1);
  EXPECT_EQ(EVP_EncryptFinal_ex(ctx.get(), out.data() + n1, &n2), 1);
  out.resize(static_cast<std::size_t>(n1 + n2));
  return hex_encode(salt) + hex_encode(iv) + base64_encode(out);
}

TEST(EnigmaCrypt, DecryptsCryptoJs420VectorWithSha256) {
  const EnigmaMessage msg = enigma_decrypt(kBlobSha256, pw());
  EXPECT_EQ(msg.content.str(), kContent);
  EXPECT_EQ(msg.created, kCreatedSha256);
  EXPECT_EQ(msg.hash, HashAlg::kSha256);
}

TEST(EnigmaCrypt, DecryptsCryptoJs411VectorWithSha1) {
  const EnigmaMessage msg = enigma_decrypt(kBlobSha1, pw());
  EXPECT_EQ(msg.content.str(), kContent);
  EXPECT_EQ(msg.created, kCreatedSha1);
  EXPECT_EQ(msg.hash, HashAlg::kSha1);
}

TEST(EnigmaCrypt, SingleHashDecryptUsesOnlyThatHash) {
  EXPECT_EQ(enigma_decrypt(kBlobSha256, pw(), HashAlg::kSha256).content.str(), kContent);
  EXPECT_EQ(enigma_decrypt(kBlobSha1, pw(), HashAlg::kSha1).content.str(), kContent);
  EXPECT_EQ(error_of([] { (void)enigma_decrypt(kBlobSha256, pw(), HashAlg::kSha1); }),
            CryptoErrc::kWrongPassword);
  EXPECT_EQ(error_of([] { (void)enigma_decrypt(kBlobSha1, pw(), HashAlg::kSha256); }),
            CryptoErrc::kWrongPassword);
}

TEST(EnigmaCrypt, ReEncryptionReproducesTheVectorsExactly) {
  // Same salt, IV, content and timestamp give the same bytes: the plaintext JSON is exactly what
  // JSON.stringify writes.
  const Bytes salt256 = hex_decode(kBlobSha256.substr(0, 32));
  const Bytes iv256 = hex_decode(kBlobSha256.substr(32, 32));
  EXPECT_EQ(
      enigma_encrypt(as_bytes(kContent), pw(), kCreatedSha256, salt256, iv256, HashAlg::kSha256),
      kBlobSha256);
  const Bytes salt1 = hex_decode(kBlobSha1.substr(0, 32));
  const Bytes iv1 = hex_decode(kBlobSha1.substr(32, 32));
  EXPECT_EQ(enigma_encrypt(as_bytes(kContent), pw(), kCreatedSha1, salt1, iv1, HashAlg::kSha1),
            kBlobSha1);
}

TEST(EnigmaCrypt, JsonEscapingMatchesJsonStringify) {
  const Bytes content = hex_decode(kTrickyContentHex);
  const Bytes salt = hex_decode(kTrickyBlobSha256.substr(0, 32));
  const Bytes iv = hex_decode(kTrickyBlobSha256.substr(32, 32));
  EXPECT_EQ(enigma_encrypt(content, pw(), kTrickyCreated, salt, iv, HashAlg::kSha256),
            kTrickyBlobSha256);
  EXPECT_EQ(enigma_encrypt(content, pw(), kTrickyCreated, salt, iv, HashAlg::kSha1),
            kTrickyBlobSha1);
  const EnigmaMessage msg = enigma_decrypt(kTrickyBlobSha1, pw());
  EXPECT_EQ(hex_encode(msg.content.view()), kTrickyContentHex);
  EXPECT_EQ(msg.created, kTrickyCreated);
  EXPECT_EQ(msg.hash, HashAlg::kSha1);
}

TEST(EnigmaCrypt, RoundTripWithRandomSaltAndIv) {
  const std::string created = enigma_created_now();
  const std::string a = enigma_encrypt(as_bytes("top secret"), pw(), created);
  const std::string b = enigma_encrypt(as_bytes("top secret"), pw(), created);
  EXPECT_NE(a, b);                                                      // fresh salt and IV
  EXPECT_EQ(a.substr(0, 64), hex_encode(hex_decode(a.substr(0, 64))));  // lowercase hex
  const EnigmaMessage msg = enigma_decrypt(a, pw());
  EXPECT_EQ(msg.content.str(), "top secret");
  EXPECT_EQ(msg.created, created);
  EXPECT_EQ(msg.hash, HashAlg::kSha256);

  const std::string c = enigma_encrypt(as_bytes(""), pw(), created, HashAlg::kSha1);
  const EnigmaMessage empty = enigma_decrypt(c, pw());
  EXPECT_TRUE(empty.content.empty());
  EXPECT_EQ(empty.hash, HashAlg::kSha1);
}

TEST(EnigmaCrypt, CreatedNowHasIsoShape) {
  const std::string now = enigma_created_now();
  ASSERT_EQ(now.size(), 24u);
  EXPECT_EQ(now[4], '-');
  EXPECT_EQ(now[10], 'T');
  EXPECT_EQ(now[19], '.');
  EXPECT_EQ(now[23], 'Z');
  EXPECT_NO_THROW((void)enigma_encrypt(as_bytes("x"), pw(), now));
}

TEST(EnigmaCrypt, UppercaseHexIsAccepted) {
  std::string blob(kBlobSha256);
  for (std::size_t i = 0; i < 64; ++i) {
    if (blob[i] >= 'a' && blob[i] <= 'f') blob[i] = static_cast<char>(blob[i] - 32);
  }
  EXPECT_EQ(enigma_decrypt(blob, pw()).content.str(), kContent);
}

TEST(EnigmaCrypt, WrongPassword) {
  EXPECT_EQ(decrypt_error(kBlobSha256, "password"), CryptoErrc::kWrongPassword);
  EXPECT_EQ(decrypt_error(kBlobSha1, ""), CryptoErrc::kWrongPassword);
  // The NFD spelling of the same password is a different byte string.
  EXPECT_EQ(decrypt_error(kBlobSha256, "pa\xcc\x88ssword"), CryptoErrc::kWrongPassword);
}

TEST(EnigmaCrypt, SaltedCryptoJsBlobsAreUnsupported) {
  // CryptoJS.AES.encrypt(msg, "string key").toString(): base64("Salted__" || salt || ct).
  const std::string salted = "U2FsdGVkX1+u9V2VfVN0p2N2xkM1F4M5mYf2TqL4B0s=";
  EXPECT_EQ(decrypt_error(salted), CryptoErrc::kUnsupported);
  EXPECT_EQ(decrypt_error(std::string(kBlobSha256.substr(0, 64)) + salted),
            CryptoErrc::kUnsupported);
}

TEST(EnigmaCrypt, TruncatedAndOversizedBlobs) {
  EXPECT_EQ(decrypt_error(""), CryptoErrc::kInvalidLength);
  EXPECT_EQ(decrypt_error(kBlobSha256.substr(0, 63)), CryptoErrc::kInvalidLength);
  EXPECT_EQ(decrypt_error(kBlobSha256.substr(0, 64)), CryptoErrc::kInvalidLength);
  EXPECT_EQ(decrypt_error(kBlobSha256.substr(0, 64 + 20)), CryptoErrc::kInvalidLength);
  // 64 + 28 base64 characters = 21 bytes: not a whole number of blocks.
  EXPECT_EQ(decrypt_error(kBlobSha256.substr(0, 64 + 28)), CryptoErrc::kInvalidLength);
  // Truncated at a block boundary: the padding/JSON check catches it.
  const Bytes full = base64_decode(kBlobSha256.substr(64));
  const Bytes three_blocks(full.begin(), full.begin() + 48);
  EXPECT_EQ(decrypt_error(std::string(kBlobSha256.substr(0, 64)) + base64_encode(three_blocks)),
            CryptoErrc::kWrongPassword);
  // Truncated mid-character: bad base64 length.
  EXPECT_EQ(decrypt_error(kBlobSha256.substr(0, kBlobSha256.size() - 2)),
            CryptoErrc::kInvalidEncoding);
  std::string huge(kEnigmaMaxBlobSize + 1, 'A');
  EXPECT_EQ(decrypt_error(huge), CryptoErrc::kInvalidLength);
  // Appending a block of ciphertext: the last block no longer ends in valid padding + JSON.
  const Bytes ct = base64_decode(kBlobSha256.substr(64));
  Bytes longer = ct;
  longer.insert(longer.end(), ct.begin(), ct.begin() + 16);
  EXPECT_EQ(decrypt_error(std::string(kBlobSha256.substr(0, 64)) + base64_encode(longer)),
            CryptoErrc::kWrongPassword);
}

TEST(EnigmaCrypt, NonCanonicalEncodings) {
  std::string blob(kBlobSha256);
  blob[5] = 'g';  // not hex
  EXPECT_EQ(decrypt_error(blob), CryptoErrc::kInvalidEncoding);
  blob = std::string(kBlobSha256);
  blob[40] = ' ';
  EXPECT_EQ(decrypt_error(blob), CryptoErrc::kInvalidEncoding);
  // Missing '=' padding.
  EXPECT_EQ(decrypt_error(kBlobSha256.substr(0, kBlobSha256.size() - 1)),
            CryptoErrc::kInvalidEncoding);
  // Extra padding.
  EXPECT_EQ(decrypt_error(std::string(kBlobSha256) + "="), CryptoErrc::kInvalidEncoding);
  // base64url alphabet instead of standard.
  blob = std::string(kBlobSha256);
  const std::size_t slash = blob.find('/', 64);
  ASSERT_NE(slash, std::string::npos);
  blob[slash] = '_';
  EXPECT_EQ(decrypt_error(blob), CryptoErrc::kInvalidEncoding);
  // Non-zero unused bits before the padding ("...A=" -> "...B=").
  blob = std::string(kBlobSha256);
  ASSERT_EQ(blob[blob.size() - 2], 'A');
  blob[blob.size() - 2] = 'B';
  EXPECT_EQ(decrypt_error(blob), CryptoErrc::kInvalidEncoding);
  // Whitespace / newline inside the base64.
  blob = std::string(kBlobSha256);
  blob.insert(100, "\n");
  EXPECT_EQ(decrypt_error(blob), CryptoErrc::kInvalidEncoding);
}

TEST(EnigmaCrypt, BitFlipsAreCaughtByPaddingJsonAndVersionChecks) {
  const Bytes ct = base64_decode(kBlobSha256.substr(64));
  ASSERT_EQ(ct.size(), 80u);
  const std::string prefix(kBlobSha256.substr(0, 64));
  // One flip in every ciphertext block, at different bit positions.
  for (std::size_t pos : {0u, 21u, 39u, 50u, 64u, 79u}) {
    Bytes flipped = ct;
    flipped[pos] ^= static_cast<std::uint8_t>(1u << (pos % 8));
    EXPECT_EQ(decrypt_error(prefix + base64_encode(flipped)), CryptoErrc::kWrongPassword)
        << "flip at " << pos;
  }
  // Flips in the IV change the first plaintext block ({"version":"v1",) predictably; every one
  // must still be refused.
  for (std::size_t byte : {0u, 3u, 12u, 13u}) {
    Bytes iv = hex_decode(kBlobSha256.substr(32, 32));
    iv[byte] ^= 0x01;
    const std::string blob = std::string(kBlobSha256.substr(0, 32)) + hex_encode(iv) +
                             std::string(kBlobSha256.substr(64));
    const CryptoErrc code = decrypt_error(blob);
    EXPECT_TRUE(code == CryptoErrc::kWrongPassword || code == CryptoErrc::kUnsupported ||
                code == CryptoErrc::kInvalidFormat)
        << "IV flip at " << byte;
  }
  // IV byte 13 is the '1' of "v1": the flip gives version "v0".
  {
    Bytes iv = hex_decode(kBlobSha256.substr(32, 32));
    iv[13] ^= 0x01;
    EXPECT_EQ(decrypt_error(std::string(kBlobSha256.substr(0, 32)) + hex_encode(iv) +
                            std::string(kBlobSha256.substr(64))),
              CryptoErrc::kUnsupported);
  }
  // A flipped salt derives an unrelated key.
  std::string blob(kBlobSha256);
  blob[0] = blob[0] == '1' ? '0' : '1';
  EXPECT_EQ(decrypt_error(blob), CryptoErrc::kWrongPassword);
}

TEST(EnigmaCrypt, PlaintextJsonChecks) {
  // Well-formed messages in other spellings are accepted.
  EXPECT_EQ(enigma_decrypt(craft_blob(R"({"content":"a","version":"v1"})"), pw()).content.str(),
            "a");
  EXPECT_EQ(enigma_decrypt(craft_blob(" {\"version\" : \"v1\",\n\"content\":\"b\",\"x\":[1,{\"y\":"
                                      "null}],\"created\":1} "),
                           pw())
                .created,
            "");
  EXPECT_EQ(
      enigma_decrypt(craft_blob(R"({"\u0076ersion":"v1","content":"\ud83d\ude00\u00e9\/"})"), pw())
          .content.str(),
      "\xf0\x9f\x98\x80\xc3\xa9/");
  // A lone surrogate (JSON.parse accepts it) becomes U+FFFD.
  EXPECT_EQ(enigma_decrypt(craft_blob(R"({"version":"v1","content":"a\udc00b\ud800"})"), pw())
                .content.str(),
            "a\xef\xbf\xbd"
            "b\xef\xbf\xbd");
  // Found with SHA-1 as well.
  const EnigmaMessage sha1 =
      enigma_decrypt(craft_blob(R"({"version":"v1","content":"c"})", HashAlg::kSha1), pw());
  EXPECT_EQ(sha1.hash, HashAlg::kSha1);

  // Right key, wrong document.
  EXPECT_EQ(decrypt_error(craft_blob(R"({"version":"v2","content":"a"})")),
            CryptoErrc::kUnsupported);
  EXPECT_EQ(decrypt_error(craft_blob(R"({"content":"a"})")), CryptoErrc::kUnsupported);
  EXPECT_EQ(decrypt_error(craft_blob(R"({"version":1,"content":"a"})")), CryptoErrc::kUnsupported);
  EXPECT_EQ(decrypt_error(craft_blob(R"({"version":"v1","content":5})")),
            CryptoErrc::kInvalidFormat);
  EXPECT_EQ(decrypt_error(craft_blob(R"({"version":"v1"})")), CryptoErrc::kInvalidFormat);
  EXPECT_EQ(decrypt_error(craft_blob(R"(["v1","a"])")), CryptoErrc::kInvalidFormat);
  EXPECT_EQ(decrypt_error(craft_blob(R"("text")")), CryptoErrc::kInvalidFormat);
  EXPECT_EQ(decrypt_error(craft_blob(R"({"version":"v1","content":"a","content":"b"})")),
            CryptoErrc::kInvalidFormat);

  // Not JSON at all, or not UTF-8: indistinguishable from a wrong key.
  EXPECT_EQ(decrypt_error(craft_blob("hello")), CryptoErrc::kWrongPassword);
  EXPECT_EQ(decrypt_error(craft_blob("")), CryptoErrc::kWrongPassword);
  EXPECT_EQ(decrypt_error(craft_blob("{\"version\":\"v1\",\"content\":\"\xff\"}")),
            CryptoErrc::kWrongPassword);
  EXPECT_EQ(decrypt_error(craft_blob("{\"version\":\"v1\",\"content\":\"a\tb\"}")),
            CryptoErrc::kWrongPassword);  // raw control character in a string
  EXPECT_EQ(decrypt_error(craft_blob(R"({"version":"v1","content":"a"} x)")),
            CryptoErrc::kWrongPassword);
  EXPECT_EQ(decrypt_error(craft_blob(R"({"version":"v1","content":"a",})")),
            CryptoErrc::kWrongPassword);
  EXPECT_EQ(decrypt_error(craft_blob(R"({"version":"v1","content":"\x"})")),
            CryptoErrc::kWrongPassword);
  EXPECT_EQ(decrypt_error(craft_blob(R"({"version":"v1","content":"\u12"})")),
            CryptoErrc::kWrongPassword);
  EXPECT_EQ(decrypt_error(craft_blob(R"({"version":"v1","content":"a)")),
            CryptoErrc::kWrongPassword);
  EXPECT_EQ(decrypt_error(craft_blob(R"({"version":"v1","content":"a\)")),
            CryptoErrc::kWrongPassword);
  EXPECT_EQ(decrypt_error(craft_blob(R"({"version":"v1","content":"a","n":01})")),
            CryptoErrc::kWrongPassword);
  // Nesting deeper than the reader allows is refused without recursion trouble.
  EXPECT_EQ(decrypt_error(craft_blob("{\"version\":\"v1\",\"content\":\"a\",\"x\":" +
                                     std::string(5000, '[') + std::string(5000, ']') + "}")),
            CryptoErrc::kWrongPassword);
}

TEST(EnigmaCrypt, EncryptRejectsBadArguments) {
  const std::string now = enigma_created_now();
  EXPECT_EQ(error_of([&] { (void)enigma_encrypt(as_bytes("\xc3"), pw(), now); }),
            CryptoErrc::kInvalidArgument);
  EXPECT_EQ(error_of([&] { (void)enigma_encrypt(as_bytes("x"), as_bytes(""), now); }),
            CryptoErrc::kInvalidArgument);
  EXPECT_EQ(error_of([&] { (void)enigma_encrypt(as_bytes("x"), as_bytes("\xff"), now); }),
            CryptoErrc::kInvalidArgument);
  for (std::string_view created :
       {"", "2026-11-23T08:16:25Z", "2026-11-23 08:16:25.188Z", "2026-13-23T08:16:25.188Z",
        "2026-11-23T08:16:25.188Z\"", "2026-11-23T24:16:25.188Z"}) {
    EXPECT_EQ(error_of([&] { (void)enigma_encrypt(as_bytes("x"), pw(), created); }),
              CryptoErrc::kInvalidArgument)
        << created;
  }
  EXPECT_EQ(error_of([&] { (void)enigma_encrypt(as_bytes("x"), pw(), now, Bytes(15), Bytes(16)); }),
            CryptoErrc::kInvalidLength);
  EXPECT_EQ(error_of([&] { (void)enigma_encrypt(as_bytes("x"), pw(), now, Bytes(16), Bytes(17)); }),
            CryptoErrc::kInvalidLength);
}

TEST(EnigmaCrypt, PasswordGenerator) {
  const SecretBytes a = enigma_generate_password();
  const SecretBytes b = enigma_generate_password();
  EXPECT_EQ(a.size(), kEnigmaPasswordLength);
  EXPECT_FALSE(a.equals(b.view()));
  std::set<char> seen;
  for (int i = 0; i < 200; ++i) {
    const SecretBytes p = enigma_generate_password(32);
    ASSERT_EQ(p.size(), 32u);
    for (char c : p.str()) {
      ASSERT_NE(kEnigmaPasswordAlphabet.find(c), std::string_view::npos);
      seen.insert(c);
    }
  }
  // 6400 draws over 57 symbols: every symbol shows up (failure odds ~1e-47).
  EXPECT_EQ(seen.size(), kEnigmaPasswordAlphabet.size());
  for (char c : std::string_view("0O1lI"))
    EXPECT_EQ(seen.count(c), 0u);
  EXPECT_EQ(error_of([] { (void)enigma_generate_password(11); }), CryptoErrc::kInvalidArgument);
  EXPECT_EQ(error_of([] { (void)enigma_generate_password(257); }), CryptoErrc::kInvalidArgument);
  EXPECT_EQ(enigma_generate_password(12).size(), 12u);
  EXPECT_EQ(enigma_generate_password(256).size(), 256u);
}

}  // namespace
}  // namespace anonfs::crypto
