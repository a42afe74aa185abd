// Forms: a WebCrypto respondent (Node's globalThis.crypto.subtle, as a browser would run it) and
// anonfs seal and open each other's submissions; PKCS#8 keys cross in both directions.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "../support/temp_dir.hpp"
#include "anonfs/crypto/base64.hpp"
#include "anonfs/crypto/form_seal.hpp"
#include "anonfs/crypto/p256.hpp"
#include "node_peer.hpp"

namespace ac = anonfs::crypto;
namespace at = anonfs::test_support;

namespace {

const std::string kAnswers =
    R"({"version":1,"answers":{"name":"Ålice ✓","rating":4,"topics":["a","b"],)"
    R"("addr":{"line1":"1 Main St","city":"Oslo","country":"NO"}},"attachments":null})";

TEST(FormInterop, WebCryptoRespondentSealsAnonfsOpens) {
  at::TempDir tmp;
  const ac::P256PrivateKey form_key = ac::P256PrivateKey::generate();
  at::write_file(tmp.file("answers.json"), kAnswers);
  const auto sealed = nlohmann::json::parse(at::run_node(
      "form_peer.mjs", {"seal", form_key.public_key().to_base64url(), tmp.file("answers.json")}));
  const ac::SecretBytes plaintext = ac::form_open(
      form_key, sealed.at("ephemeralPubKey").get<std::string>(), sealed.at("iv").get<std::string>(),
      sealed.at("encryptedPayload").get<std::string>());
  EXPECT_EQ(plaintext.str(), kAnswers);
  EXPECT_FALSE(ac::validate_submission_payload(plaintext.view()).has_value());
}

TEST(FormInterop, AnonfsSealsWebCryptoOwnerOpensWithItsOwnPkcs8) {
  at::TempDir tmp;
  const auto pair = nlohmann::json::parse(at::run_node("form_peer.mjs", {"keypair"}));
  const auto form_pub = ac::P256PublicKey::from_base64url(pair.at("publicKey").get<std::string>());
  const ac::SealedSubmission sealed = ac::form_seal(form_pub, ac::as_bytes(kAnswers));
  const nlohmann::json doc = {{"ephemeralPubKey", sealed.ephemeral_pub_key},
                              {"iv", sealed.iv},
                              {"encryptedPayload", sealed.encrypted_payload}};
  at::write_file(tmp.file("sealed.json"), doc.dump());
  EXPECT_EQ(at::run_node("form_peer.mjs",
                         {"open", pair.at("pkcs8").get<std::string>(), tmp.file("sealed.json")}),
            kAnswers);
}

TEST(FormInterop, WebCryptoPkcs8ParsesInAnonfs) {
  at::TempDir tmp;
  const auto pair = nlohmann::json::parse(at::run_node("form_peer.mjs", {"keypair"}));
  const ac::Bytes der = ac::base64url_decode(pair.at("pkcs8").get<std::string>());
  const ac::P256PrivateKey key = ac::P256PrivateKey::from_pkcs8(der);
  EXPECT_EQ(key.public_key().to_base64url(), pair.at("publicKey").get<std::string>());
  // Node's WebCrypto export is the layout anonfs writes, byte for byte.
  EXPECT_TRUE(key.to_pkcs8().equals(der));

  at::write_file(tmp.file("answers.json"), kAnswers);
  const auto sealed = nlohmann::json::parse(
      at::run_node("form_peer.mjs",
                   {"seal", pair.at("publicKey").get<std::string>(), tmp.file("answers.json")}));
  EXPECT_EQ(ac::form_open(key, sealed.at("ephemeralPubKey").get<std::string>(),
                          sealed.at("iv").get<std::string>(),
                          sealed.at("encryptedPayload").get<std::string>())
                .str(),
            kAnswers);
}

TEST(FormInterop, AnonfsPkcs8ImportsIntoWebCrypto) {
  at::TempDir tmp;
  const ac::P256PrivateKey key = ac::P256PrivateKey::generate();
  const ac::SecretBytes der = key.to_pkcs8();
  ASSERT_EQ(der.size(), ac::kP256Pkcs8Size);
  const ac::SealedSubmission sealed = ac::form_seal(key.public_key(), ac::as_bytes(kAnswers));
  const nlohmann::json doc = {{"ephemeralPubKey", sealed.ephemeral_pub_key},
                              {"iv", sealed.iv},
                              {"encryptedPayload", sealed.encrypted_payload}};
  at::write_file(tmp.file("sealed.json"), doc.dump());
  EXPECT_EQ(at::run_node("form_peer.mjs",
                         {"open", ac::base64url_encode(der.view()), tmp.file("sealed.json")}),
            kAnswers);
}

}  // namespace
