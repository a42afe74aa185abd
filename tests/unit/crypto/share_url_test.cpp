// Share URLs of anon.li, password.link and EnigmaCrypt: every accepted form, canonical building,
// self-hosted bases, and malformed links.

#include "anonfs/crypto/share_url.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "../../support/crypto_error.hpp"
#include "anonfs/crypto/error.hpp"

namespace anonfs::crypto {
namespace {

// anonli-protocol.md §14.1: key bytes 0x00..0x1f.
constexpr std::string_view kKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
constexpr std::string_view kKeyHex =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr std::string_view kToken = "tok_en-43charsABCDEFGHIJKLMNOPQRSTUVWXYZ012";
constexpr std::string_view kDrop = "k3x9a0b1c2d3e4f5";
constexpr std::string_view kPub = "RklHS0VPVElSVUJOQUtRSlJM";      // base64("FIGKEOTIRUBNAKQJRL")
constexpr std::string_view kPubSeen = "ak4rMjcqeG9PTERVU3dTSEMh";  // base64("jN+27*xoOLDUSwSHC!")
constexpr std::string_view kPubPlus = "YT5iP2N+ZD4+Pnh5ej8+P1Eh";  // base64("a>b?c~d>>>xyz?>?Q!")

static_assert(kToken.size() == 43);

CryptoErrc error_of(const std::function<void()>& fn) {
  return anonfs::test_support::crypto_error_of(fn);
}

std::string s(std::string_view a, std::string_view b = {}, std::string_view c = {},
              std::string_view d = {}) {
  return std::string(a) + std::string(b) + std::string(c) + std::string(d);
}

CryptoErrc anonli_error(const std::string& url) {
  return error_of([&] { (void)parse_anonli_drop_url(url); });
}
CryptoErrc pl_error(const std::string& url) {
  return error_of([&] { (void)parse_passwordlink_url(url); });
}
CryptoErrc enigma_error(const std::string& url) {
  return error_of([&] { (void)parse_enigmacrypt_url(url); });
}

// --- anon.li ------------------------------------------------------------------------------------

TEST(ShareUrlAnonLi, NormalLink) {
  const AnonLiDropLink link = parse_anonli_drop_url(s("https://anon.li/d/", kDrop, "#", kKey));
  EXPECT_EQ(link.base, "https://anon.li");
  EXPECT_EQ(link.drop_id, kDrop);
  ASSERT_TRUE(link.key.has_value());
  EXPECT_EQ(hex_encode(link.key->view()), kKeyHex);
  EXPECT_FALSE(link.recipient_token.has_value());
  EXPECT_EQ(build_anonli_drop_url(link).str(), s("https://anon.li/d/", kDrop, "#", kKey));
}

TEST(ShareUrlAnonLi, RecipientForms) {
  for (const std::string& url : {s("https://anon.li/d/", kDrop, "#k=", s(kKey, "&r=", kToken)),
                                 s("https://anon.li/d/", kDrop, "#r=", s(kToken, "&k=", kKey))}) {
    const AnonLiDropLink link = parse_anonli_drop_url(url);
    ASSERT_TRUE(link.key && link.recipient_token);
    EXPECT_EQ(hex_encode(link.key->view()), kKeyHex);
    EXPECT_EQ(link.recipient_token->str(), kToken);
    EXPECT_EQ(build_anonli_drop_url(link).str(),
              s("https://anon.li/d/", kDrop, "#k=", s(kKey, "&r=", kToken)));
  }
  // Password drop with a named recipient.
  AnonLiDropLink link = parse_anonli_drop_url(s("https://anon.li/d/", kDrop, "#r=", kToken));
  EXPECT_FALSE(link.key);
  EXPECT_EQ(link.recipient_token->str(), kToken);
  EXPECT_EQ(build_anonli_drop_url(link).str(), s("https://anon.li/d/", kDrop, "#r=", kToken));
  // k alone.
  link = parse_anonli_drop_url(s("https://anon.li/d/", kDrop, "#k=", kKey));
  EXPECT_EQ(hex_encode(link.key->view()), kKeyHex);
  EXPECT_EQ(build_anonli_drop_url(link).str(), s("https://anon.li/d/", kDrop, "#", kKey));
}

TEST(ShareUrlAnonLi, PasswordAndLegacyForms) {
  AnonLiDropLink link = parse_anonli_drop_url(s("https://anon.li/d/", kDrop));
  EXPECT_FALSE(link.key);
  EXPECT_FALSE(link.recipient_token);
  EXPECT_EQ(build_anonli_drop_url(link).str(), s("https://anon.li/d/", kDrop));
  link = parse_anonli_drop_url(s("https://anon.li/d/", kDrop, "#"));  // empty fragment
  EXPECT_FALSE(link.key);
  // Legacy e-mail form: token in the query.
  link = parse_anonli_drop_url(s("https://anon.li/d/", kDrop, "?r=", kToken));
  EXPECT_FALSE(link.key);
  EXPECT_EQ(link.recipient_token->str(), kToken);
  EXPECT_EQ(build_anonli_drop_url(link).str(), s("https://anon.li/d/", kDrop, "#r=", kToken));
  link = parse_anonli_drop_url(s("https://anon.li/d/", kDrop, "?r=", s(kToken, "#", kKey)));
  EXPECT_EQ(hex_encode(link.key->view()), kKeyHex);
  EXPECT_EQ(link.recipient_token->str(), kToken);
}

TEST(ShareUrlAnonLi, SelfHostedBases) {
  AnonLiDropLink link = parse_anonli_drop_url(s("http://127.0.0.1:8080/d/", kDrop, "#", kKey));
  EXPECT_EQ(link.base, "http://127.0.0.1:8080");
  EXPECT_EQ(build_anonli_drop_url(link).str(), s("http://127.0.0.1:8080/d/", kDrop, "#", kKey));
  link = parse_anonli_drop_url(s("HTTPS://Files.Example.COM:08443/anon/li/d/abc#", kKey));
  EXPECT_EQ(link.base, "https://files.example.com:8443/anon/li");
  EXPECT_EQ(link.drop_id, "abc");
  link = parse_anonli_drop_url(s("http://[::1]:9000/d/", kDrop));
  EXPECT_EQ(link.base, "http://[::1]:9000");
  link = parse_anonli_drop_url(s("http://localhost/d/", kDrop));
  EXPECT_EQ(link.base, "http://localhost");
  // The reference server's ids may differ in length.
  EXPECT_EQ(parse_anonli_drop_url("https://anon.li/d/a").drop_id, "a");
  EXPECT_EQ(parse_anonli_drop_url(s("https://anon.li/d/", std::string(64, 'z'))).drop_id.size(),
            64u);
}

TEST(ShareUrlAnonLi, BuilderNormalisesAndValidates) {
  AnonLiDropLink link;
  link.base = "https://anon.li/";
  link.drop_id = std::string(kDrop);
  EXPECT_EQ(build_anonli_drop_url(link).str(), s("https://anon.li/d/", kDrop));
  link.key = SecretBytes(31);
  EXPECT_EQ(error_of([&] { (void)build_anonli_drop_url(link); }), CryptoErrc::kInvalidArgument);
  link.key.reset();
  link.recipient_token = SecretBytes::from_string("short");
  EXPECT_EQ(error_of([&] { (void)build_anonli_drop_url(link); }), CryptoErrc::kInvalidArgument);
  link.recipient_token.reset();
  link.drop_id = "ABC";
  EXPECT_EQ(error_of([&] { (void)build_anonli_drop_url(link); }), CryptoErrc::kInvalidArgument);
  link.drop_id = std::string(kDrop);
  for (const char* base : {"ftp://anon.li", "https://anon.li?x", "https://anon.li#x",
                           "https://u@anon.li", "anon.li", ""}) {
    link.base = base;
    EXPECT_EQ(error_of([&] { (void)build_anonli_drop_url(link); }), CryptoErrc::kInvalidArgument)
        << base;
  }
}

TEST(ShareUrlAnonLi, Malformed) {
  const std::string good = s("https://anon.li/d/", kDrop, "#", kKey);
  const std::string bad_urls[] = {
      "",
      s("ftp://anon.li/d/", kDrop, "#", kKey),
      s("javascript://anon.li/d/", kDrop),
      s("//anon.li/d/", kDrop),
      s("https://user@anon.li/d/", kDrop, "#", kKey),
      s("https://user:pw@anon.li/d/", kDrop),
      s("https://anon.li/d/", kDrop, "#", kKey.substr(1)),              // 42 chars
      s("https://anon.li/d/", kDrop, "#", s(kKey, "A")),                // 44 chars
      s("https://anon.li/d/", kDrop, "#", s(kKey.substr(1), "=")),      // padding
      s("https://anon.li/d/", kDrop, "#", s(kKey.substr(0, 42), "h")),  // non-canonical
      s("https://anon.li/d/", kDrop, "#", s(kKey.substr(0, 42), "+")),  // base64 alphabet
      s("https://anon.li/d/", kDrop, "#k=", s(kKey, "&k=", kKey)),      // duplicate k
      s("https://anon.li/d/", kDrop, "#r=", s(kToken, "&r=", kToken)),  // duplicate r
      s("https://anon.li/d/", kDrop, "?r=", s(kToken, "#r=", kToken)),  // r twice
      s("https://anon.li/d/", kDrop, "#k=", s(kKey, "&x=1")),           // unknown param
      s("https://anon.li/d/", kDrop, "#k=", s(kKey, "&")),              // empty param
      s("https://anon.li/d/", kDrop, "#k=", s(kKey, "&r=")),            // empty token
      s("https://anon.li/d/", kDrop, "#k=&r=", kToken),                 // empty key
      s("https://anon.li/d/", kDrop, "#", s(kKey, "#", kKey)),          // two '#'
      s("https://anon.li/d/", kDrop, "?utm=1#", kKey),                  // other query
      s("https://anon.li/d/", kDrop, "?#", kKey),                       // empty query
      s("https://anon.li/d/", kDrop, "?r=short"),
      s("https://anon.li/d/", kDrop, "/#", kKey),  // trailing slash
      s("https://anon.li/d/#", kKey),              // empty id
      s("https://anon.li/d/ABC#", kKey),           // uppercase id
      s("https://anon.li/d/a_b#", kKey),
      s("https://anon.li/d/", std::string(65, 'a'), "#", kKey),  // id too long
      s("https://anon.li/f/", kDrop, "#", kKey),                 // a form link
      s("https://anon.li/", kDrop, "#", kKey),
      s("https://anon.li/d/", kDrop, "/extra#", kKey),
      s("https://anon.li//d/", kDrop, "#", kKey),      // empty segment
      s("https://anon.li/x/../d/", kDrop, "#", kKey),  // dot segment
      s("https://anon.li/%zz/d/", kDrop, "#", kKey),   // bad escape
      s("https://anon.li/d/", kDrop, "#", s(kKey.substr(0, 20), " ", kKey.substr(21))),
      s(" https://anon.li/d/", kDrop, "#", kKey),
      s("https://anon.li/d/", kDrop, "#", s(kKey, "\n")),
      s("https://anon.li/d/", kDrop, "\t#", kKey),
      s("https://anon.li\\d\\", kDrop, "#", kKey),
      s("https://an\xc3\xb6n.li/d/", kDrop, "#", kKey),  // non-ASCII host
      s("https://anon.li:0/d/", kDrop),
      s("https://anon.li:65536/d/", kDrop),
      s("https://anon.li:/d/", kDrop),
      s("https://anon.li:12a/d/", kDrop),
      s("https://:443/d/", kDrop),
      s("https:///d/", kDrop),
      s("https://anon..li/d/", kDrop),
      s("https://anon.li./d/", kDrop),
      s("https://anon_li/d/", kDrop),
      s("https://[::1/d/", kDrop),
      s("https://[zz::1]/d/", kDrop),
      s("https://anon.li/d/", kDrop, "#", std::string(5000, 'a')),  // too long
  };
  EXPECT_NO_THROW((void)parse_anonli_drop_url(good));
  for (const std::string& url : bad_urls) {
    EXPECT_EQ(anonli_error(url), CryptoErrc::kInvalidFormat) << url;
  }
  std::string with_nul = good;
  with_nul[20] = '\0';
  EXPECT_EQ(anonli_error(with_nul), CryptoErrc::kInvalidFormat);
}

// --- password.link ------------------------------------------------------------------------------

TEST(ShareUrlPasswordLink, HostedForms) {
  for (const std::string& url :
       {s("https://password.link/J1pLcf3T/#", kPub), s("https://password.link/J1pLcf3T#", kPub)}) {
    const PasswordLinkShareLink link = parse_passwordlink_url(url);
    EXPECT_EQ(link.base, "https://password.link");
    EXPECT_EQ(link.secret_id, "J1pLcf3T");
    EXPECT_EQ(link.public_part_b64.str(), kPub);
    EXPECT_EQ(link.style, PasswordLinkUrlStyle::kPath);
    EXPECT_EQ(build_passwordlink_url(link).str(), s("https://password.link/J1pLcf3T/#", kPub));
  }
  EXPECT_EQ(parse_passwordlink_url(s("https://password.link/J1pLcf3T/#", kPubSeen)).secret_id,
            "J1pLcf3T");
  // A '+' in the fragment stays a '+'.
  const PasswordLinkShareLink plus =
      parse_passwordlink_url(s("https://password.link/J1pLcf3T/#", kPubPlus));
  EXPECT_EQ(plus.public_part_b64.str(), kPubPlus);
  // Custom domain with a path prefix.
  const PasswordLinkShareLink custom =
      parse_passwordlink_url(s("http://127.0.0.1:8080/pl/dT5g/#", kPub));
  EXPECT_EQ(custom.base, "http://127.0.0.1:8080/pl");
  EXPECT_EQ(custom.secret_id, "dT5g");
  EXPECT_EQ(build_passwordlink_url(custom).str(), s("http://127.0.0.1:8080/pl/dT5g/#", kPub));
}

TEST(ShareUrlPasswordLink, QueryForms) {
  PasswordLinkShareLink link = parse_passwordlink_url(s("https://password.link/?dT5g#", kPub));
  EXPECT_EQ(link.style, PasswordLinkUrlStyle::kQuery);
  EXPECT_EQ(link.base, "https://password.link/");
  EXPECT_EQ(link.secret_id, "dT5g");
  EXPECT_EQ(build_passwordlink_url(link).str(), s("https://password.link/?dT5g#", kPub));

  link = parse_passwordlink_url(s("https://example.com/view.html?dT5g#", kPub));
  EXPECT_EQ(link.style, PasswordLinkUrlStyle::kQuery);
  EXPECT_EQ(link.base, "https://example.com/view.html");
  EXPECT_EQ(build_passwordlink_url(link).str(), s("https://example.com/view.html?dT5g#", kPub));

  link = parse_passwordlink_url(s("https://example.com?dT5g#", kPub));
  EXPECT_EQ(link.base, "https://example.com");
  EXPECT_EQ(build_passwordlink_url(link).str(), s("https://example.com?dT5g#", kPub));
}

TEST(ShareUrlPasswordLink, BuilderValidates) {
  PasswordLinkShareLink link;
  link.base = "https://password.link/";
  link.secret_id = "abc";
  link.public_part_b64 = SecretBytes::from_string(kPub);
  EXPECT_EQ(build_passwordlink_url(link).str(), s("https://password.link/abc/#", kPub));
  link.public_part_b64 = SecretBytes::from_string("RklHS0VPVElSVUJOQUtRSlJ");
  EXPECT_EQ(error_of([&] { (void)build_passwordlink_url(link); }), CryptoErrc::kInvalidArgument);
  link.public_part_b64 = SecretBytes::from_string(kPub);
  link.secret_id = "a/b";
  EXPECT_EQ(error_of([&] { (void)build_passwordlink_url(link); }), CryptoErrc::kInvalidArgument);
  link.secret_id = "";
  EXPECT_EQ(error_of([&] { (void)build_passwordlink_url(link); }), CryptoErrc::kInvalidArgument);
  link.secret_id = "abc";
  link.base = "https://password.link?x";
  EXPECT_EQ(error_of([&] { (void)build_passwordlink_url(link); }), CryptoErrc::kInvalidArgument);
}

TEST(ShareUrlPasswordLink, Malformed) {
  const std::string bad_urls[] = {
      "https://password.link/J1pLcf3T/",   // no fragment
      "https://password.link/J1pLcf3T/#",  // empty fragment
      s("https://password.link/#", kPub),  // no id
      s("https://password.link#", kPub),
      s("https://password.link/?#", kPub),  // empty query id
      s("https://password.link/?a&b#", kPub),
      s("https://password.link/?id=abc#", kPub),
      s("https://password.link/a.b/#", kPub),  // bad id character
      s("https://password.link/", std::string(65, 'a'), "/#", kPub),
      s("https://password.link/J1pLcf3T/#", kPub.substr(1)),            // 23 characters
      s("https://password.link/J1pLcf3T/#", kPub, "AAAA"),              // 28 characters
      s("https://password.link/J1pLcf3T/#", kPub.substr(0, 22), "=="),  // 16 bytes
      "https://password.link/J1pLcf3T/#ak4rMjcqeG9PTERVU3dTSEMh=",
      "https://password.link/J1pLcf3T/#ak4%2BMjcqeG9PTERVU3dTSEMh",  // percent-encoded
      "https://password.link/J1pLcf3T/#ak4-MjcqeG9PTERVU3dTSEMh",    // base64url alphabet
      s("https://password.link/J1pLcf3T/#p=", kPub),
      s("https://password.link/J1pLcf3T//#", kPub),
      s("ftp://password.link/J1pLcf3T/#", kPub),
      s("https://x@password.link/J1pLcf3T/#", kPub),
      s("https://password.link/J1pLcf3T/#", kPub, "#"),
      "https://password.link/req/5e976e6e-d205-4f58-8df9-5ac0048bc702",  // a secret request
  };
  for (const std::string& url : bad_urls) {
    EXPECT_EQ(pl_error(url), CryptoErrc::kInvalidFormat) << url;
  }
  std::string spaced = s("https://password.link/J1pLcf3T/#", kPubPlus);
  ASSERT_NE(spaced.find('+'), std::string::npos);
  spaced[spaced.find('+')] = ' ';  // what a form decoder would have done
  EXPECT_EQ(pl_error(spaced), CryptoErrc::kInvalidFormat);
}

// --- EnigmaCrypt --------------------------------------------------------------------------------

TEST(ShareUrlEnigma, Forms) {
  EnigmaShareLink link = parse_enigmacrypt_url("https://enigmacrypt.app/s/a8Kx9pQ2");
  EXPECT_EQ(link.base, "https://enigmacrypt.app");
  EXPECT_EQ(link.message_id, "a8Kx9pQ2");
  EXPECT_EQ(build_enigmacrypt_url(link), "https://enigmacrypt.app/s/a8Kx9pQ2");
  link = parse_enigmacrypt_url("https://enigmacrypt.app/s/a8Kx9pQ2#");
  EXPECT_EQ(link.message_id, "a8Kx9pQ2");
  link = parse_enigmacrypt_url("http://127.0.0.1:3000/enigma/s/x_y-Z");
  EXPECT_EQ(link.base, "http://127.0.0.1:3000/enigma");
  EXPECT_EQ(link.message_id, "x_y-Z");
  EXPECT_EQ(build_enigmacrypt_url(link), "http://127.0.0.1:3000/enigma/s/x_y-Z");
  link.base = "https://enigmacrypt.app/";
  EXPECT_EQ(build_enigmacrypt_url(link), "https://enigmacrypt.app/s/x_y-Z");
  link.message_id = "";
  EXPECT_EQ(error_of([&] { (void)build_enigmacrypt_url(link); }), CryptoErrc::kInvalidArgument);
  link.message_id = "a b";
  EXPECT_EQ(error_of([&] { (void)build_enigmacrypt_url(link); }), CryptoErrc::kInvalidArgument);
  link.message_id = "ok";
  link.base = "https://enigmacrypt.app/#frag";
  EXPECT_EQ(error_of([&] { (void)build_enigmacrypt_url(link); }), CryptoErrc::kInvalidArgument);
}

TEST(ShareUrlEnigma, Malformed) {
  const std::string bad_urls[] = {
      "https://enigmacrypt.app/s/",
      "https://enigmacrypt.app/s",
      "https://enigmacrypt.app/a8Kx9pQ2",
      "https://enigmacrypt.app/s/a8Kx9pQ2/",
      "https://enigmacrypt.app/s/a8Kx9pQ2?x=1",
      "https://enigmacrypt.app/s/a8Kx9pQ2#password",
      "https://enigmacrypt.app/s/a8K%20pQ2",
      "https://enigmacrypt.app/s/a8K.pQ2",
      s("https://enigmacrypt.app/s/", std::string(65, 'a')),
      "https://enigmacrypt.app/s/a8Kx 9pQ2",
      "https://enigmacrypt.app/s/a8Kx9pQ2\r\n",
      "https://me@enigmacrypt.app/s/a8Kx9pQ2",
      "file:///s/a8Kx9pQ2",
      "enigmacrypt.app/s/a8Kx9pQ2",
  };
  for (const std::string& url : bad_urls) {
    EXPECT_EQ(enigma_error(url), CryptoErrc::kInvalidFormat) << url;
  }
}

// --- dispatch -----------------------------------------------------------------------------------

TEST(ShareUrlAny, DispatchesByHostAndShape) {
  ShareLink link = parse_share_url(s("https://anon.li/d/", kDrop, "#", kKey));
  EXPECT_TRUE(std::holds_alternative<AnonLiDropLink>(link));
  link = parse_share_url(s("https://password.link/J1pLcf3T/#", kPub));
  EXPECT_TRUE(std::holds_alternative<PasswordLinkShareLink>(link));
  link = parse_share_url("https://enigmacrypt.app/s/a8Kx9pQ2");
  EXPECT_TRUE(std::holds_alternative<EnigmaShareLink>(link));
  // Known hosts use only their own parser: /d/x#<24 chars> on password.link is a secret.
  link = parse_share_url(s("https://password.link/d/abc/#", kPub));
  ASSERT_TRUE(std::holds_alternative<PasswordLinkShareLink>(link));
  EXPECT_EQ(std::get<PasswordLinkShareLink>(link).secret_id, "abc");
  EXPECT_EQ(error_of([] { (void)parse_share_url("https://anon.li/s/a8Kx9pQ2"); }),
            CryptoErrc::kInvalidFormat);
  // Unknown hosts (a local reference server): by shape.
  link = parse_share_url(s("http://127.0.0.1:8080/d/", kDrop, "#", kKey));
  EXPECT_TRUE(std::holds_alternative<AnonLiDropLink>(link));
  link = parse_share_url("http://127.0.0.1:8080/s/a8Kx9pQ2");
  EXPECT_TRUE(std::holds_alternative<EnigmaShareLink>(link));
  link = parse_share_url(s("http://127.0.0.1:8080/J1pLcf3T/#", kPub));
  EXPECT_TRUE(std::holds_alternative<PasswordLinkShareLink>(link));
  link = parse_share_url(s("https://www.anon.li/d/", kDrop));
  EXPECT_TRUE(std::holds_alternative<AnonLiDropLink>(link));
  for (const char* bad : {"", "https://example.com/", "https://example.com/x/y/z",
                          "mailto:someone@example.com", "https://anon.li/d/ABC"}) {
    EXPECT_EQ(error_of([&] { (void)parse_share_url(bad); }), CryptoErrc::kInvalidFormat) << bad;
  }
}

}  // namespace
}  // namespace anonfs::crypto
