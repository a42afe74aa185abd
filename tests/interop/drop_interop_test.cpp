// Drops: the seed 000 reference JavaScript (Node crypto) and anonfs encrypt and decrypt each
// other's multi-chunk files, names, titles and messages, in both nonce schemes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "../support/temp_dir.hpp"
#include "anonfs/crypto/drop_codec.hpp"
#include "anonfs/crypto/hash.hpp"
#include "anonfs/crypto/random.hpp"
#include "node_peer.hpp"

namespace ac = anonfs::crypto;
namespace at = anonfs::test_support;

namespace {

constexpr std::size_t kChunk = 64 * 1024;
const std::string kName = "folder/sub/r\xC3\xA9port \xE2\x9C\x93.pdf";  // "folder/sub/réport ✓.pdf"
const std::string kTitle = "Quarterly report";

std::string random_text(std::size_t n) {
  const ac::Bytes b = ac::random_bytes(n);
  return std::string(b.begin(), b.end());
}

void expect_js_encrypted_file_opens(const char* scheme) {
  at::TempDir tmp;
  const std::string plaintext = random_text(3 * kChunk + 12345);  // 4 chunks, short last one
  at::write_file(tmp.file("plain"), plaintext);
  at::run_node("drop_peer.mjs", {"encrypt", scheme, tmp.file("plain"), std::to_string(kChunk),
                                 kName, kTitle, tmp.file("out")});
  const auto meta = nlohmann::json::parse(at::read_file(tmp.file("out.json")));
  std::string ciphertext = at::read_file(tmp.file("out.bin"));

  const ac::DropKey key = ac::DropKey::parse(meta.at("key").get<std::string>());
  const ac::DropIv drop_iv = ac::parse_drop_iv(meta.at("iv").get<std::string>());
  const ac::DropIv file_iv = ac::parse_drop_iv(meta.at("fileIv").get<std::string>());
  const ac::NonceScheme expected =
      std::string(scheme) == "x" ? ac::NonceScheme::kX : ac::NonceScheme::kL;

  const auto name = ac::decrypt_name(key, file_iv, meta.at("encryptedName").get<std::string>());
  EXPECT_EQ(name.text, kName);
  EXPECT_EQ(name.scheme, expected);
  EXPECT_EQ(ac::decrypt_title(key, drop_iv, meta.at("encryptedTitle").get<std::string>()).text,
            kTitle);
  EXPECT_EQ(ac::decrypt_message(key, drop_iv, meta.at("encryptedMessage").get<std::string>()).text,
            "message for " + kTitle);

  const std::size_t count = meta.at("chunkCount").get<std::size_t>();
  ASSERT_EQ(count, 4u);
  ASSERT_EQ(ciphertext.size(), plaintext.size() + 16 * count);
  std::string decrypted;
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t begin = i * (kChunk + 16);
    const std::size_t len = std::min(kChunk + 16, ciphertext.size() - begin);
    ac::MutableByteView buf(reinterpret_cast<std::uint8_t*>(ciphertext.data()) + begin, len);
    EXPECT_EQ(
        ac::decrypt_chunk_in_place(key, file_iv, static_cast<std::uint32_t>(i), buf, name.scheme),
        expected);
    decrypted.append(reinterpret_cast<const char*>(buf.data()), len - 16);
  }
  EXPECT_TRUE(decrypted == plaintext);
}

TEST(DropInterop, SeedReferenceEncryptsAnonfsDecrypts) {
  expect_js_encrypted_file_opens("l");
}

TEST(DropInterop, WebClientSchemeXEncryptsAnonfsDecrypts) {
  expect_js_encrypted_file_opens("x");
}

TEST(DropInterop, AnonfsEncryptsSeedReferenceDecrypts) {
  at::TempDir tmp;
  const std::string plaintext = random_text(2 * kChunk + 777);
  const ac::DropKey key = ac::DropKey::generate();
  const ac::DropIv drop_iv = ac::generate_drop_iv();
  const ac::DropIv file_iv = ac::generate_drop_iv();
  std::string ciphertext;
  const std::size_t count = (plaintext.size() + kChunk - 1) / kChunk;
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t len = std::min(kChunk, plaintext.size() - i * kChunk);
    ac::Bytes out(len + 16);
    ac::encrypt_chunk(key, file_iv, static_cast<std::uint32_t>(i),
                      ac::as_bytes(std::string_view(plaintext).substr(i * kChunk, len)), out);
    ciphertext.append(out.begin(), out.end());
  }
  at::write_file(tmp.file("c.bin"), ciphertext);
  const nlohmann::json meta = {
      {"key", std::string(key.to_string().str())},
      {"iv", ac::format_drop_iv(drop_iv)},
      {"fileIv", ac::format_drop_iv(file_iv)},
      {"encryptedName", ac::encrypt_name(key, file_iv, kName)},
      {"encryptedTitle", ac::encrypt_title(key, drop_iv, kTitle)},
      {"encryptedMessage", ac::encrypt_message(key, drop_iv, "hello from anonfs")},
      {"chunkSize", kChunk},
      {"chunkCount", count},
      {"ciphertextFile", tmp.file("c.bin")},
  };
  at::write_file(tmp.file("meta.json"), meta.dump());
  const auto result =
      nlohmann::json::parse(at::run_node("drop_peer.mjs", {"decrypt", tmp.file("meta.json")}));
  EXPECT_EQ(result.at("name"), kName);
  EXPECT_EQ(result.at("title"), kTitle);
  EXPECT_EQ(result.at("message"), "hello from anonfs");
  EXPECT_EQ(result.at("size"), plaintext.size());
  EXPECT_EQ(result.at("sha256"), ac::hex_encode(ac::sha256(ac::as_bytes(plaintext))));
}

}  // namespace
