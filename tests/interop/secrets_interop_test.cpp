// Secrets: EnigmaCrypt blobs against the seed 002 sample on crypto-js 4.2.0 (PBKDF2-SHA256) and
// 4.1.1 (PBKDF2-SHA1); password.link / SJCL against sjcl 1.0.9, in both directions.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "anonfs/crypto/base64.hpp"
#include "anonfs/crypto/enigmacrypt.hpp"
#include "anonfs/crypto/passwordlink.hpp"
#include "anonfs/crypto/sjcl.hpp"
#include "node_peer.hpp"

namespace ac = anonfs::crypto;
namespace at = anonfs::test_support;

namespace {

const std::string kPassword = "p\xC3\xA4ssword";                // "pässword"
const std::string kSecret = "hello w\xC3\xB6rld \xE2\x9C\x93";  // "hello wörld ✓"

TEST(EnigmaInterop, CryptoJs420BlobOpensWithSha256) {
  const std::string blob =
      at::run_node("secrets_peer.cjs", {"enigma-encrypt", "4.2.0", kPassword, kSecret});
  const ac::EnigmaMessage msg = ac::enigma_decrypt(blob, ac::as_bytes(kPassword));
  EXPECT_EQ(msg.content.str(), kSecret);
  EXPECT_EQ(msg.hash, ac::HashAlg::kSha256);
  EXPECT_FALSE(msg.created.empty());
}

TEST(EnigmaInterop, CryptoJs411BlobOpensWithSha1) {
  const std::string blob =
      at::run_node("secrets_peer.cjs", {"enigma-encrypt", "4.1.1", kPassword, kSecret});
  const ac::EnigmaMessage msg = ac::enigma_decrypt(blob, ac::as_bytes(kPassword));
  EXPECT_EQ(msg.content.str(), kSecret);
  EXPECT_EQ(msg.hash, ac::HashAlg::kSha1);
}

TEST(EnigmaInterop, AnonfsBlobsOpenInCryptoJs) {
  const std::string created = ac::enigma_created_now();
  const std::string sha256_blob =
      ac::enigma_encrypt(ac::as_bytes(kSecret), ac::as_bytes(kPassword), created);
  auto doc = nlohmann::json::parse(
      at::run_node("secrets_peer.cjs", {"enigma-decrypt", "4.2.0", kPassword, sha256_blob}));
  EXPECT_EQ(doc.at("version"), "v1");
  EXPECT_EQ(doc.at("content"), kSecret);
  EXPECT_EQ(doc.at("created"), created);

  const std::string sha1_blob = ac::enigma_encrypt(ac::as_bytes(kSecret), ac::as_bytes(kPassword),
                                                   created, ac::HashAlg::kSha1);
  doc = nlohmann::json::parse(
      at::run_node("secrets_peer.cjs", {"enigma-decrypt", "4.1.1", kPassword, sha1_blob}));
  EXPECT_EQ(doc.at("content"), kSecret);
}

TEST(SjclInterop, SjclBlobOpensInAnonfs) {
  const std::string json = at::run_node("secrets_peer.cjs", {"sjcl-encrypt", kPassword, kSecret});
  EXPECT_EQ(ac::sjcl_decrypt(json, ac::as_bytes(kPassword)).str(), kSecret);
}

TEST(SjclInterop, AnonfsBlobsOpenInSjcl) {
  for (unsigned tag_bits : {64u, 128u}) {
    for (std::size_t salt : {8u, 16u}) {
      ac::SjclParams params;
      params.tag_bits = tag_bits;
      params.salt_size = salt;
      const std::string json =
          ac::sjcl_encrypt(ac::as_bytes(kPassword), ac::as_bytes(kSecret), params);
      EXPECT_EQ(at::run_node("secrets_peer.cjs", {"sjcl-decrypt", kPassword, json}), kSecret)
          << "ts=" << tag_bits << " salt=" << salt;
    }
  }
}

TEST(PasswordLinkInterop, ApiExampleSecretOpensInAnonfs) {
  const auto doc =
      nlohmann::json::parse(at::run_node("secrets_peer.cjs", {"passwordlink-seal", kSecret}));
  EXPECT_EQ(ac::passwordlink_open(doc.at("ciphertext").get<std::string>(),
                                  doc.at("password_part_private").get<std::string>(),
                                  doc.at("public").get<std::string>())
                .str(),
            kSecret);
}

TEST(PasswordLinkInterop, AnonfsSecretOpensWithSjcl) {
  const ac::PasswordLinkSealed sealed = ac::passwordlink_seal(ac::as_bytes(kSecret));
  EXPECT_EQ(at::run_node("secrets_peer.cjs", {"passwordlink-open", sealed.ciphertext,
                                              std::string(sealed.password_part_private.str()),
                                              std::string(sealed.public_part_b64.str())}),
            kSecret);
}

}  // namespace
