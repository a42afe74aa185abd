// Form sealed box: §14.4 vectors in both directions, round trips, bad input, payload validation.
#include "anonfs/crypto/form_seal.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "anonfs/crypto/aes_gcm.hpp"
#include "anonfs/crypto/base64.hpp"
#include "anonfs/crypto/error.hpp"

namespace anonfs::crypto {
namespace {

// §14.4
constexpr char kFormPub[] =
    "BAIX5hfwtkQ5KCePlpmeaaI6TywVK99tbN9m5bgCgtTtGUp968uXcS0t2jyoWqh2Wlb0X8dYWZZS8ol8ZTBuV5Q";
constexpr char kEphPub[] =
    "BNZak5d8qj0bCBhS_1ennkZfFmBXcwS66tUF3TpIWJzzUBheiVNy32Ih6joTdVfkc_3bZ1XwW9UHw8Uz_OnJEoU";
constexpr char kSharedX[] = "ccfc261f58193c98ca4ad4a53bbac6f0ee29bc4d48438090446908622ca79af6";
constexpr char kAesKey[] = "9299fd1934a3270c4569d68ad1bb57d0ab7c52087ce9928b4b94075240dbd566";
constexpr char kIv[] = "UFFSU1RVVldYWVpb";
constexpr char kPlaintext[] =
    R"({"version":1,"answers":{"name":"Alice","rating":4,"topics":["a","b"]},"attachments":null})";
constexpr char kPayload[] =
    "_HGIPJI3SBe1sfmk6ASj2QQGpn0EajvEbdXsEq-m0GKjdtR3qDyhuaUBH3QevNovjmuR7Q0HO7FVrpoucwvykE3-gp6n-"
    "gU7HuS4YJjljMnIHZT1gcvILULYs3OiTUCbDD1pDD0TiCfQ";

Bytes range_bytes(std::uint8_t first, std::size_t n) {
  Bytes out(n);
  for (std::size_t i = 0; i < n; ++i)
    out[i] = static_cast<std::uint8_t>(first + i);
  return out;
}

void expect_errc(const std::function<void()>& fn, CryptoErrc code) {
  try {
    fn();
    ADD_FAILURE() << "expected CryptoError(" << to_string(code) << "), nothing thrown";
  } catch (const CryptoError& e) {
    EXPECT_EQ(e.code(), code) << "got " << to_string(e.code()) << ": " << e.what();
  }
}

P256PrivateKey form_key() {
  return P256PrivateKey::from_scalar(Bytes(32, 0x11));
}
P256PrivateKey eph_key() {
  return P256PrivateKey::from_scalar(Bytes(32, 0x22));
}

// ------------------------------------------------------------------------------------------------
// Vectors

TEST(FormSeal, VectorKeyDerivation) {
  const auto eph = eph_key();
  const SecretBytes shared = eph.ecdh(P256PublicKey::from_base64url(kFormPub));
  EXPECT_EQ(hex_encode(shared.view()), kSharedX);
  EXPECT_EQ(hex_encode(form_submission_key(shared.view()).view()), kAesKey);
  EXPECT_EQ(hex_encode(form_submission_key(hex_decode(kSharedX)).view()), kAesKey);
}

TEST(FormSeal, VectorSealIsExact) {
  const auto sealed = form_seal(P256PublicKey::from_base64url(kFormPub), as_bytes(kPlaintext),
                                eph_key(), range_bytes(0x50, 12));
  EXPECT_EQ(sealed.ephemeral_pub_key, kEphPub);
  EXPECT_EQ(sealed.iv, kIv);
  EXPECT_EQ(sealed.encrypted_payload, kPayload);
}

TEST(FormSeal, VectorOpen) {
  const SecretBytes plain = form_open(form_key(), kEphPub, kIv, kPayload);
  EXPECT_EQ(plain.str(), kPlaintext);
  const SecretBytes again = form_open(form_key(), SealedSubmission{kEphPub, kIv, kPayload});
  EXPECT_EQ(again.str(), kPlaintext);
  EXPECT_FALSE(validate_submission_payload(plain.view()).has_value());
}

TEST(FormSeal, VectorOpenToleratesPadding) {
  // 65 bytes → 87 chars + "=" ; 12 bytes → 16 chars (no padding); payload length % 3.
  const std::string payload = kPayload;
  const std::string padded_payload = payload + std::string((4 - payload.size() % 4) % 4, '=');
  const SecretBytes plain = form_open(form_key(), std::string(kEphPub) + "=", kIv, padded_payload);
  EXPECT_EQ(plain.str(), kPlaintext);
}

// ------------------------------------------------------------------------------------------------
// Round trips

TEST(FormSeal, RandomRoundTrips) {
  const auto owner = P256PrivateKey::generate();
  for (std::size_t size : {0u, 1u, 15u, 16u, 17u, 100u, 4096u, 100000u}) {
    SCOPED_TRACE(size);
    Bytes plain(size);
    for (std::size_t i = 0; i < size; ++i)
      plain[i] = static_cast<std::uint8_t>(i * 31 + 7);
    const auto sealed = form_seal(owner.public_key(), plain);
    EXPECT_EQ(sealed.ephemeral_pub_key.size(), 87u);
    EXPECT_EQ(sealed.iv.size(), 16u);
    EXPECT_EQ(sealed.encrypted_payload.size(), base64url_encoded_size(size + 16));
    const SecretBytes opened = form_open(owner, sealed);
    EXPECT_TRUE(opened.equals(plain));
  }
}

TEST(FormSeal, FreshEphemeralKeyAndIvEachTime) {
  const auto owner = P256PrivateKey::generate();
  const auto a = form_seal(owner.public_key(), as_bytes(kPlaintext));
  const auto b = form_seal(owner.public_key(), as_bytes(kPlaintext));
  EXPECT_NE(a.ephemeral_pub_key, b.ephemeral_pub_key);
  EXPECT_NE(a.iv, b.iv);
  EXPECT_NE(a.encrypted_payload, b.encrypted_payload);
}

TEST(FormSeal, MaximumSize) {
  const auto owner = P256PrivateKey::generate();
  const std::size_t max_plain = kMaxEncryptedPayloadChars / 4 * 3 - 16;
  Bytes plain(max_plain, 'x');
  const auto sealed = form_seal(owner.public_key(), plain);
  EXPECT_EQ(sealed.encrypted_payload.size(), kMaxEncryptedPayloadChars);
  EXPECT_TRUE(form_open(owner, sealed).equals(plain));
  plain.push_back('x');
  expect_errc([&] { form_seal(owner.public_key(), plain); }, CryptoErrc::kInvalidArgument);
  // One more base64url quantum than the server accepts is rejected before decoding.
  const std::string too_long = sealed.encrypted_payload + "AAAA";
  expect_errc([&] { form_open(owner, sealed.ephemeral_pub_key, sealed.iv, too_long); },
              CryptoErrc::kInvalidLength);
  // Two characters (one byte) more: within the pre-decode slack, rejected after decoding.
  expect_errc(
      [&] {
        form_open(owner, sealed.ephemeral_pub_key, sealed.iv, sealed.encrypted_payload + "AA");
      },
      CryptoErrc::kInvalidLength);
}

// ------------------------------------------------------------------------------------------------
// Bad input

TEST(FormSeal, SealRejectsBadIv) {
  const auto pub = P256PublicKey::from_base64url(kFormPub);
  for (std::size_t n : {0u, 11u, 13u, 16u}) {
    expect_errc([&] { form_seal(pub, as_bytes(kPlaintext), eph_key(), Bytes(n, 1)); },
                CryptoErrc::kInvalidLength);
  }
}

TEST(FormSeal, OpenRejectsBadEphemeralKey) {
  const auto owner = form_key();
  const std::string eph = kEphPub;
  const Bytes raw = base64url_decode(eph);
  // Wrong lengths.
  expect_errc([&] { form_open(owner, "", kIv, kPayload); }, CryptoErrc::kInvalidLength);
  expect_errc([&] { form_open(owner, base64url_encode(ByteView(raw).first(64)), kIv, kPayload); },
              CryptoErrc::kInvalidLength);
  expect_errc([&] { form_open(owner, eph + "AAAA", kIv, kPayload); }, CryptoErrc::kInvalidLength);
  Bytes compressed(raw.begin(), raw.begin() + 33);
  compressed[0] = 0x02 | (raw.back() & 1);
  expect_errc([&] { form_open(owner, base64url_encode(compressed), kIv, kPayload); },
              CryptoErrc::kInvalidLength);
  // Bad encodings.
  std::string bad_char = eph;
  bad_char[3] = '/';
  expect_errc([&] { form_open(owner, bad_char, kIv, kPayload); }, CryptoErrc::kInvalidEncoding);
  std::string noncanon = eph;
  ASSERT_EQ(noncanon.back(), 'U');  // 87 chars: the last one carries 2 unused (zero) bits
  noncanon.back() = 'V';
  expect_errc([&] { form_open(owner, noncanon, kIv, kPayload); }, CryptoErrc::kInvalidEncoding);
  expect_errc([&] { form_open(owner, eph.substr(0, 85), kIv, kPayload); },
              CryptoErrc::kInvalidEncoding);
  // Not on the curve / wrong prefix.
  Bytes off = raw;
  off[40] ^= 0x80;
  expect_errc([&] { form_open(owner, base64url_encode(off), kIv, kPayload); },
              CryptoErrc::kInvalidFormat);
  Bytes prefix = raw;
  prefix[0] = 0x06;
  expect_errc([&] { form_open(owner, base64url_encode(prefix), kIv, kPayload); },
              CryptoErrc::kInvalidFormat);
  // A valid but different point: authentication fails.
  const auto other = P256PrivateKey::generate();
  expect_errc([&] { form_open(owner, other.public_key().to_base64url(), kIv, kPayload); },
              CryptoErrc::kAuthenticationFailed);
}

TEST(FormSeal, OpenRejectsBadIv) {
  const auto owner = form_key();
  expect_errc([&] { form_open(owner, kEphPub, "", kPayload); }, CryptoErrc::kInvalidLength);
  expect_errc([&] { form_open(owner, kEphPub, base64url_encode(range_bytes(0x50, 11)), kPayload); },
              CryptoErrc::kInvalidLength);
  expect_errc([&] { form_open(owner, kEphPub, "UFFSU1RVVldYWVpbXA", kPayload); },
              CryptoErrc::kInvalidLength);  // 13 bytes
  expect_errc([&] { form_open(owner, kEphPub, "UFFSU1RVVldYWVpbX", kPayload); },
              CryptoErrc::kInvalidEncoding);  // 17 % 4 == 1
  expect_errc([&] { form_open(owner, kEphPub, "UFFSU1RVVldYWVp!", kPayload); },
              CryptoErrc::kInvalidEncoding);
  // A different valid IV.
  expect_errc([&] { form_open(owner, kEphPub, "UFFSU1RVVldYWVpc", kPayload); },
              CryptoErrc::kAuthenticationFailed);
}

TEST(FormSeal, OpenRejectsBadPayload) {
  const auto owner = form_key();
  expect_errc([&] { form_open(owner, kEphPub, kIv, ""); }, CryptoErrc::kInvalidLength);
  expect_errc([&] { form_open(owner, kEphPub, kIv, base64url_encode(Bytes(15, 1))); },
              CryptoErrc::kInvalidLength);
  expect_errc([&] { form_open(owner, kEphPub, kIv, base64url_encode(Bytes(16, 1))); },
              CryptoErrc::kAuthenticationFailed);
  std::string bad = kPayload;
  bad[5] = '.';
  expect_errc([&] { form_open(owner, kEphPub, kIv, bad); }, CryptoErrc::kInvalidEncoding);
  expect_errc([&] { form_open(owner, kEphPub, kIv, std::string(kPayload) + "A"); },
              CryptoErrc::kInvalidEncoding);
  // Every bit flip of ciphertext and tag.
  const Bytes sealed = base64url_decode(kPayload);
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    Bytes flipped = sealed;
    flipped[i] ^= static_cast<std::uint8_t>(1u << (i % 8));
    expect_errc([&] { form_open(owner, kEphPub, kIv, base64url_encode(flipped)); },
                CryptoErrc::kAuthenticationFailed);
  }
  // Truncated (tag cut off) and extended.
  expect_errc(
      [&] {
        form_open(owner, kEphPub, kIv, base64url_encode(ByteView(sealed).first(sealed.size() - 1)));
      },
      CryptoErrc::kAuthenticationFailed);
  Bytes longer = sealed;
  longer.push_back(0);
  expect_errc([&] { form_open(owner, kEphPub, kIv, base64url_encode(longer)); },
              CryptoErrc::kAuthenticationFailed);
  // Wrong owner key.
  const auto other = P256PrivateKey::generate();
  expect_errc([&] { form_open(other, kEphPub, kIv, kPayload); }, CryptoErrc::kAuthenticationFailed);
}

TEST(FormSeal, KeyDerivationRejectsBadLength) {
  expect_errc([&] { form_submission_key(Bytes(31, 0)); }, CryptoErrc::kInvalidLength);
  expect_errc([&] { form_submission_key(Bytes(33, 0)); }, CryptoErrc::kInvalidLength);
}

// ------------------------------------------------------------------------------------------------
// Payload validation (§10.3)

std::optional<PayloadViolation> check(std::string_view json) {
  return validate_submission_payload(as_bytes(json));
}

void expect_valid(std::string_view json) {
  const auto v = check(json);
  EXPECT_FALSE(v.has_value()) << json << " → " << (v ? v->path + ": " + v->message : "");
}

void expect_issue(std::string_view json, PayloadIssue issue) {
  const auto v = check(json);
  ASSERT_TRUE(v.has_value()) << json;
  EXPECT_EQ(v->issue, issue) << json << " → " << to_string(v->issue) << " at " << v->path << ": "
                             << v->message;
}

std::string repeat(char c, std::size_t n) {
  return std::string(n, c);
}

TEST(FormPayload, AcceptsWebClientShapes) {
  expect_valid(kPlaintext);
  expect_valid(R"({"version":1,"answers":{},"attachments":null})");
  expect_valid(R"({})");                                   // everything optional
  expect_valid(R"({"answers":{"a":"x"}})");                // unversioned (backwards compatible)
  expect_valid(R"({"version":1.0,"answers":{}})");         // JS sees 1
  expect_valid(R"({"version":1,"extra":[1,2,{"x":1}]})");  // extra top-level keys ignored
  expect_valid(
      R"({"answers":{"n":-1.5e3,"b":true,"z":null,"e":"","arr":[],"i":9007199254740993}})");
  expect_valid(R"({"answers":{"addr":{"line1":"1 Main St","city":"Springfield","country":"US"}}})");
  expect_valid(R"({"answers":{"addr":{}}})");
  expect_valid(R"({"answers":{"A-z_0-9":"ok"}})");
  expect_valid(R"({"answers":{"files":["f1","f2"]},"attachments":{"dropId":"d","key":"k",)"
               R"("files":[{"fieldId":"files","fieldLabel":"Upload","fileId":"f1","name":"a.pdf",)"
               R"("size":1234,"mimeType":"application/pdf"},{"fieldId":"files","fileId":"f2",)"
               R"("name":"b","size":0,"mimeType":"x/y"}]}})");
  expect_valid(R"({"attachments":{"dropId":"d","key":"k","files":[]}})");
  expect_valid(R"({"attachments":{"dropId":"d","key":"k","files":[{"fieldId":"f","fileId":"i",)"
               R"("name":"n","size":4.0,"mimeType":"m","fieldLabel":""}]}})");
  // Caps are inclusive and counted in UTF-16 code units (JavaScript string length).
  expect_valid(R"({"answers":{"s":")" + repeat('x', 50000) + R"("}})");
  std::string emoji;
  for (int i = 0; i < 25000; ++i)
    emoji += "\xf0\x9f\x98\x80";  // U+1F600: 2 units each
  expect_valid(R"({"answers":{"s":")" + emoji + R"("}})");
  std::string many = R"({"answers":{)";
  for (int i = 0; i < 50; ++i)
    many += (i ? "," : "") + std::string("\"k") + std::to_string(i) + "\":1";
  expect_valid(many + "}}");
  expect_valid(R"({"answers":{")" + repeat('k', 64) + R"(":1}})");
}

TEST(FormPayload, RejectsBadTopLevel) {
  expect_issue("", PayloadIssue::kNotJson);
  expect_issue("{", PayloadIssue::kNotJson);
  expect_issue(R"({"answers":{}} x)", PayloadIssue::kNotJson);
  expect_issue("[]", PayloadIssue::kNotObject);
  expect_issue("null", PayloadIssue::kNotObject);
  expect_issue(R"("str")", PayloadIssue::kNotObject);
  expect_issue(R"({"version":2})", PayloadIssue::kBadVersion);
  expect_issue(R"({"version":"1"})", PayloadIssue::kBadVersion);
  expect_issue(R"({"version":null})", PayloadIssue::kBadVersion);
  expect_issue(R"({"version":1.5})", PayloadIssue::kBadVersion);
  expect_issue(R"({"answers":null})", PayloadIssue::kBadAnswers);
  expect_issue(R"({"answers":[]})", PayloadIssue::kBadAnswers);
  expect_issue(R"({"answers":"x"})", PayloadIssue::kBadAnswers);
}

TEST(FormPayload, RejectsBadAnswers) {
  std::string many = R"({"answers":{)";
  for (int i = 0; i < 51; ++i)
    many += (i ? "," : "") + std::string("\"k") + std::to_string(i) + "\":1";
  expect_issue(many + "}}", PayloadIssue::kTooManyAnswers);
  expect_issue(R"({"answers":{"":1}})", PayloadIssue::kBadAnswerKey);
  expect_issue(R"({"answers":{"a b":1}})", PayloadIssue::kBadAnswerKey);
  expect_issue(R"({"answers":{"a.b":1}})", PayloadIssue::kBadAnswerKey);
  expect_issue(R"({"answers":{"é":1}})", PayloadIssue::kBadAnswerKey);
  expect_issue(R"({"answers":{")" + repeat('k', 65) + R"(":1}})", PayloadIssue::kBadAnswerKey);
  expect_issue(R"({"answers":{"s":")" + repeat('x', 50001) + R"("}})",
               PayloadIssue::kBadAnswerValue);
  std::string emoji = "x";
  for (int i = 0; i < 25000; ++i)
    emoji += "\xf0\x9f\x98\x80";
  expect_issue(R"({"answers":{"s":")" + emoji + R"("}})", PayloadIssue::kBadAnswerValue);
  // JavaScript reads 1e400 as Infinity (not finite → invalid); nlohmann refuses to parse it.
  // Either way the payload is invalid.
  expect_issue(R"({"answers":{"n":1e400}})", PayloadIssue::kNotJson);
  expect_issue(R"({"answers":{"n":-1e400}})", PayloadIssue::kNotJson);
  const auto inf = validate_submission_document(
      nlohmann::json{{"answers", {{"n", std::numeric_limits<double>::infinity()}}}});
  ASSERT_TRUE(inf.has_value());
  EXPECT_EQ(inf->issue, PayloadIssue::kBadAnswerValue);
  const auto nan = validate_submission_document(
      nlohmann::json{{"answers", {{"n", std::numeric_limits<double>::quiet_NaN()}}}});
  ASSERT_TRUE(nan.has_value());
  EXPECT_EQ(nan->issue, PayloadIssue::kBadAnswerValue);
  expect_issue(R"({"answers":{"a":[1]}})", PayloadIssue::kBadAnswerValue);
  expect_issue(R"({"answers":{"a":[null]}})", PayloadIssue::kBadAnswerValue);
  expect_issue(R"({"answers":{"a":[["x"]]}})", PayloadIssue::kBadAnswerValue);
  expect_issue(R"({"answers":{"a":[")" + repeat('x', 50001) + R"("]}})",
               PayloadIssue::kBadAnswerValue);
  std::string arr = R"({"answers":{"a":[)";
  for (int i = 0; i < 101; ++i)
    arr += (i ? "," : "") + std::string("\"x\"");
  expect_issue(arr + "]}}", PayloadIssue::kBadAnswerValue);
  expect_issue(R"({"answers":{"addr":{"street":"x"}}})", PayloadIssue::kBadAnswerValue);
  expect_issue(R"({"answers":{"addr":{"line1":1}}})", PayloadIssue::kBadAnswerValue);
  expect_issue(R"({"answers":{"addr":{"line1":null}}})", PayloadIssue::kBadAnswerValue);
  expect_issue(R"({"answers":{"addr":{"postalCode":")" + repeat('9', 41) + R"("}}})",
               PayloadIssue::kBadAnswerValue);
  expect_valid(R"({"answers":{"addr":{"postalCode":")" + repeat('9', 40) + R"("}}})");
  expect_issue(R"({"answers":{"addr":{"city":")" + repeat('c', 121) + R"("}}})",
               PayloadIssue::kBadAnswerValue);
  expect_issue(R"({"answers":{"addr":{"line2":")" + repeat('c', 201) + R"("}}})",
               PayloadIssue::kBadAnswerValue);
}

TEST(FormPayload, RejectsBadAttachments) {
  const std::string file = R"({"fieldId":"f","fileId":"i","name":"n","size":1,"mimeType":"m"})";
  auto with_files = [](const std::string& files) {
    return R"({"attachments":{"dropId":"d","key":"k","files":[)" + files + "]}}";
  };
  expect_valid(with_files(file));
  expect_issue(R"({"attachments":[]})", PayloadIssue::kBadAttachments);
  expect_issue(R"({"attachments":"x"})", PayloadIssue::kBadAttachments);
  expect_issue(R"({"attachments":{"dropId":"d","key":"k"}})", PayloadIssue::kBadAttachments);
  expect_issue(R"({"attachments":{"dropId":"d","files":[]}})", PayloadIssue::kBadAttachments);
  expect_issue(R"({"attachments":{"dropId":"","key":"k","files":[]}})",
               PayloadIssue::kBadAttachments);
  expect_issue(R"({"attachments":{"dropId":")" + repeat('d', 129) + R"(","key":"k","files":[]}})",
               PayloadIssue::kBadAttachments);
  expect_issue(R"({"attachments":{"dropId":"d","key":")" + repeat('k', 1025) + R"(","files":[]}})",
               PayloadIssue::kBadAttachments);
  expect_issue(R"({"attachments":{"dropId":"d","key":"k","files":{}}})",
               PayloadIssue::kBadAttachments);
  expect_issue(R"({"attachments":{"dropId":"d","key":"k","files":[],"extra":1}})",
               PayloadIssue::kBadAttachments);
  std::string files;
  for (int i = 0; i < 101; ++i)
    files += (i ? "," : "") + file;
  expect_issue(with_files(files), PayloadIssue::kBadAttachments);

  expect_issue(with_files("1"), PayloadIssue::kBadAttachmentFile);
  expect_issue(with_files(R"({"fieldId":"f","fileId":"i","name":"n","size":1})"),
               PayloadIssue::kBadAttachmentFile);
  expect_issue(
      with_files(R"({"fieldId":"f","fileId":"i","name":"n","size":1,"mimeType":"m","x":1})"),
      PayloadIssue::kBadAttachmentFile);
  expect_issue(with_files(R"({"fieldId":"f","fileId":"i","name":"n","size":-1,"mimeType":"m"})"),
               PayloadIssue::kBadAttachmentFile);
  expect_issue(with_files(R"({"fieldId":"f","fileId":"i","name":"n","size":1.5,"mimeType":"m"})"),
               PayloadIssue::kBadAttachmentFile);
  expect_issue(with_files(R"({"fieldId":"f","fileId":"i","name":"n","size":"1","mimeType":"m"})"),
               PayloadIssue::kBadAttachmentFile);
  expect_issue(
      with_files(
          R"({"fieldId":"f","fileId":"i","name":"n","size":9007199254740992,"mimeType":"m"})"),
      PayloadIssue::kBadAttachmentFile);
  expect_valid(with_files(
      R"({"fieldId":"f","fileId":"i","name":"n","size":9007199254740991,"mimeType":"m"})"));
  expect_issue(with_files(R"({"fieldId":"f","fileId":"i","name":"","size":1,"mimeType":"m"})"),
               PayloadIssue::kBadAttachmentFile);
  expect_issue(with_files(R"({"fieldId":"f","fileId":"i","name":"n","size":1,"mimeType":""})"),
               PayloadIssue::kBadAttachmentFile);
  expect_issue(
      with_files(
          R"({"fieldId":"f","fileId":"i","name":"n","size":1,"mimeType":"m","fieldLabel":null})"),
      PayloadIssue::kBadAttachmentFile);
  expect_issue(with_files(R"({"fieldId":")" + repeat('f', 65) +
                          R"(","fileId":"i","name":"n","size":1,"mimeType":"m"})"),
               PayloadIssue::kBadAttachmentFile);
  expect_issue(with_files(R"({"fieldId":"f","fileId":"i","name":")" + repeat('n', 1025) +
                          R"(","size":1,"mimeType":"m"})"),
               PayloadIssue::kBadAttachmentFile);
  expect_issue(with_files(R"({"fieldId":"f","fileId":"i","name":"n","size":1,"mimeType":")" +
                          repeat('m', 201) + R"("})"),
               PayloadIssue::kBadAttachmentFile);
  expect_issue(
      with_files(
          R"({"fieldId":"f","fileId":"i","name":"n","size":1,"mimeType":"m","fieldLabel":")" +
          repeat('l', 301) + R"("})"),
      PayloadIssue::kBadAttachmentFile);
}

TEST(FormPayload, ViolationsNeverEchoValues) {
  const auto v = check(R"({"answers":{"secret-field":{"line1":"TOP SECRET VALUE","x":1}}})");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->path, "answers.secret-field");
  EXPECT_EQ(v->message.find("TOP SECRET"), std::string::npos);
  const auto k = check(R"({"answers":{"bad key with secret":1}})");
  ASSERT_TRUE(k.has_value());
  EXPECT_EQ(k->path.find("secret"), std::string::npos);
  EXPECT_EQ(k->message.find("secret"), std::string::npos);
}

TEST(FormPayload, DecodesLikeTextDecoder) {
  // A leading BOM is stripped; invalid UTF-8 inside strings becomes U+FFFD and stays valid.
  expect_valid("\xef\xbb\xbf{\"answers\":{\"a\":\"x\"}}");
  expect_valid("{\"answers\":{\"a\":\"\xff\xfe\xc3\"}}");
  expect_valid("{\"answers\":{\"a\":\"\xed\xa0\x80\"}}");  // encoded surrogate
  expect_valid("{\"answers\":{\"a\":\"\xf0\x9f\x98\"}}");  // truncated sequence
  // Invalid bytes outside strings still make it non-JSON.
  expect_issue("\xff{}", PayloadIssue::kNotJson);
  // The replacement character counts as one UTF-16 unit: 50 000 invalid bytes are still fine.
  expect_valid(R"({"answers":{"a":")" + std::string(50000, '\x80') + R"("}})");
  expect_issue(R"({"answers":{"a":")" + std::string(50001, '\x80') + R"("}})",
               PayloadIssue::kBadAnswerValue);
}

TEST(FormPayload, DeepNestingAndGarbageDoNotCrash) {
  const std::string deep =
      R"({"extra":)" + std::string(100000, '[') + std::string(100000, ']') + "}";
  expect_valid(deep);
  const std::string deep_answer =
      R"({"answers":{"a":)" + std::string(50000, '[') + std::string(50000, ']') + "}}";
  expect_issue(deep_answer, PayloadIssue::kBadAnswerValue);
  expect_issue(std::string(100000, '['), PayloadIssue::kNotJson);
  std::string garbage;
  for (int i = 0; i < 5000; ++i)
    garbage.push_back(static_cast<char>((i * 7919) & 0xff));
  EXPECT_TRUE(check(garbage).has_value());
}

TEST(FormPayload, ParsedDocumentOverload) {
  EXPECT_FALSE(validate_submission_document(nlohmann::json::parse(kPlaintext)).has_value());
  const auto v = validate_submission_document(nlohmann::json{{"version", 3}});
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->issue, PayloadIssue::kBadVersion);
  EXPECT_STREQ(to_string(PayloadIssue::kBadVersion), "unsupported version");
  // The string_view overload parses text.
  EXPECT_FALSE(validate_submission_payload(std::string_view(kPlaintext)).has_value());
  EXPECT_FALSE(validate_submission_payload(std::string(kPlaintext)).has_value());
}

}  // namespace
}  // namespace anonfs::crypto
