// Drop codec: nonce schemes, key/IV parsing, chunks and metadata strings against the vectors of
// anonli-protocol.md §14.1, plus malformed and tampered input.
#include "anonfs/crypto/drop_codec.hpp"

#include <gtest/gtest.h>

#include <numeric>
#include <string>

#include "../../support/crypto_error.hpp"
#include "anonfs/crypto/aes_gcm.hpp"
#include "anonfs/crypto/base64.hpp"
#include "anonfs/crypto/drop_nonce.hpp"
#include "anonfs/crypto/error.hpp"
#include "anonfs/crypto/random.hpp"

namespace anonfs::crypto {
namespace {

// §14.1 fixed inputs.
constexpr std::string_view kKeyString = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
constexpr std::string_view kDropIvText = "oKGio6Slpqeoqaqr";
constexpr std::string_view kFileIvText = "wMHCw8TFxsfIycrL";
constexpr std::string_view kTitle = "Quarterly report";
constexpr std::string_view kTitleX = "X-289tE0P6LSfjFArGDtHAn_32juKWjbtNkKjZN8uDE";
constexpr std::string_view kTitleL = "cm80x-aiwsFjWWgI7fY-Ho76B2b0oSyvrZF8OO1BxBc";
constexpr std::string_view kMessage = "Hello from anon.li";
constexpr std::string_view kMessageX = "fXnH_heGjFI4C6AJz7VzQtAFbTB0Q7C5UfyrYryUm8k9eg";
constexpr std::string_view kName = "folder/sub/report.pdf";
constexpr std::string_view kNameX = "Zu7jx55VeShvhsJE-bKJZgK_y4B-oZM9H1Bvye5VdZwwY8d52g";
constexpr std::string_view kNameL = "72QUN1uf5THiIbkrvON3dUMEuMw_QNtQf5V4CowHc7P-C_FO0g";
constexpr std::string_view kChunk0 = "The quick brown fox";
constexpr std::string_view kChunk0X =
    "54204247060dff3df3f99fd05ddb86762a1c9b4de86ef3228c95ed9e734611a132d53d";
constexpr std::string_view kChunk1 = "jumps over the lazy dog";
constexpr std::string_view kChunk1X =
    "885c2a12fad39d62c583c758109cde42481204c140ded265ca10e7b3d711d2f16cb90ccb2bbf29";
constexpr std::string_view kChunk1L =
    "781e3163e2078db96c8bb140dd75cd89923b07600406034362d44927fb06d6a89eba32eaeda082";

// Not in the spec: computed independently with pyca/cryptography (AESGCM) from the §14.1 inputs
// and the §5.2 scheme L definition, to pin scheme-L encryption of items the spec gives only in X.
constexpr std::string_view kChunk0L =
    "af3df84ff23301464b02678836961fe54ef12160a74ba6c645474f0b95bb829abea5fd";
constexpr std::string_view kMessageL = "9J6oGBhlYP5wsYXmyT2O3Evq_koMtKsVrMOqjUq8y8vswQ";
// The message encrypted the old way (title domain 0xFFFFFFFF), as CLI 1.1.0 does (L) and X.
constexpr std::string_view kMessageOldL = "a3852f3n1t91FDoM8_YiRAvAaLxxEW4jKIqugLXYaQ2big";
constexpr std::string_view kMessageOldX = "Rv2x6MpxK7zEM2NEsmDxRo8FvpjWGu13wYzogIs7e3Nbtg";

DropKey test_key() {
  Bytes raw(32);
  std::iota(raw.begin(), raw.end(), std::uint8_t{0});
  return DropKey::from_bytes(raw);
}
DropKey other_key() {
  Bytes raw(32, 0x42);
  return DropKey::from_bytes(raw);
}
DropIv drop_iv() {
  return parse_drop_iv(kDropIvText);
}
DropIv file_iv() {
  return parse_drop_iv(kFileIvText);
}

std::string hex(const DropNonce& n) {
  return hex_encode(n);
}
Bytes bytes_of(std::string_view s) {
  return Bytes(s.begin(), s.end());
}
std::string text_of(ByteView b) {
  return std::string(as_chars(b));
}

// Flips one bit of a base64url string's decoded bytes and re-encodes it.
std::string flip_bit(std::string_view encoded, std::size_t byte, std::uint8_t mask = 0x01) {
  Bytes raw = base64url_decode(encoded);
  raw.at(byte) ^= mask;
  return base64url_encode(raw);
}

// ---- Nonces ------------------------------------------------------------------------------

TEST(DropNonce, SchemeXVectors) {
  const DropIv iv = file_iv();
  EXPECT_EQ(hex(derive_nonce(iv, 0, NonceScheme::kX)), "c0c1c2c3c4c5c6c7c8c9cacb");
  EXPECT_EQ(hex(derive_nonce(iv, 1, NonceScheme::kX)), "c0c1c2c3c4c5c6c7c8c9caca");
  EXPECT_EQ(hex(derive_nonce(iv, kMessageDomain, NonceScheme::kX)), "c0c1c2c3c4c5c6c737363535");
  EXPECT_EQ(hex(derive_nonce(iv, kNameDomain, NonceScheme::kX)), "c0c1c2c3c4c5c6c737363534");
}

TEST(DropNonce, SchemeLVectors) {
  const DropIv iv = file_iv();
  EXPECT_EQ(hex(derive_nonce(iv, 0, NonceScheme::kL)), "c0c1c2c3c4c5c6c700000000");
  EXPECT_EQ(hex(derive_nonce(iv, 1, NonceScheme::kL)), "c0c1c2c3c4c5c6c700000001");
  EXPECT_EQ(hex(derive_nonce(iv, kNameDomain, NonceScheme::kL)), "c0c1c2c3c4c5c6c7ffffffff");
  EXPECT_EQ(hex(derive_nonce(iv, kMessageDomain, NonceScheme::kL)), "c0c1c2c3c4c5c6c7fffffffe");
  EXPECT_EQ(hex(derive_nonce(iv, 0x01020304, NonceScheme::kL)), "c0c1c2c3c4c5c6c701020304");
}

TEST(DropNonce, IsConstexprAndNamed) {
  constexpr DropIv iv{};
  static_assert(derive_nonce(iv, 0x01020304, NonceScheme::kX)[11] == 0x04);
  static_assert(derive_nonce(iv, 0x01020304, NonceScheme::kL)[8] == 0x01);
  EXPECT_STREQ(to_string(NonceScheme::kX), "X");
  EXPECT_STREQ(to_string(NonceScheme::kL), "L");
  EXPECT_EQ(other_scheme(NonceScheme::kX), NonceScheme::kL);
}

// ---- Keys and IVs --------------------------------------------------------------------------

TEST(DropKey, ParsesAndFormatsTheFragmentKey) {
  const DropKey key = DropKey::parse(kKeyString);
  EXPECT_EQ(hex_encode(key.bytes()),
            "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  EXPECT_EQ(key.to_string().str(), kKeyString);
  EXPECT_EQ(test_key().to_string().str(), kKeyString);
  EXPECT_EQ(key.clone().to_string().str(), kKeyString);
}

TEST(DropKey, AcceptsPaddingAndTheLegacyDerivedForm) {
  EXPECT_EQ(DropKey::parse(std::string(kKeyString) + "=").to_string().str(), kKeyString);
  const std::string legacy =
      "derived:QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8:" + std::string(kKeyString);
  EXPECT_EQ(DropKey::parse(legacy).to_string().str(), kKeyString);
}

TEST(DropKey, GeneratesDistinctKeys) {
  const DropKey a = DropKey::generate();
  const DropKey b = DropKey::generate();
  EXPECT_EQ(a.bytes().size(), kDropKeySize);
  EXPECT_EQ(a.to_string().size(), kDropKeyStringSize);
  EXPECT_FALSE(constant_time_equal(a.bytes(), b.bytes()));
}

TEST(DropKey, RejectsBadKeyStrings) {
  const std::string key(kKeyString);
  EXPECT_CRYPTO_ERROR(DropKey::parse(""), CryptoErrc::kInvalidLength);
  EXPECT_CRYPTO_ERROR(DropKey::parse(key.substr(0, 42)), CryptoErrc::kInvalidLength);  // 31 bytes
  EXPECT_CRYPTO_ERROR(DropKey::parse(key + "A"), CryptoErrc::kInvalidLength);          // 33 bytes
  EXPECT_CRYPTO_ERROR(DropKey::parse(key + key), CryptoErrc::kInvalidLength);
  EXPECT_CRYPTO_ERROR(DropKey::parse(std::string(10000, 'A')), CryptoErrc::kInvalidLength);
  // Last char '8' has zero unused bits; '9' sets one of them: non-canonical.
  EXPECT_CRYPTO_ERROR(DropKey::parse(key.substr(0, 42) + "9"), CryptoErrc::kInvalidEncoding);
  EXPECT_CRYPTO_ERROR(DropKey::parse("+" + key.substr(1)), CryptoErrc::kInvalidEncoding);
  EXPECT_CRYPTO_ERROR(DropKey::parse(" " + key.substr(1)), CryptoErrc::kInvalidEncoding);
  EXPECT_CRYPTO_ERROR(DropKey::parse("derived:" + key), CryptoErrc::kInvalidFormat);
  EXPECT_CRYPTO_ERROR(DropKey::parse("derived:a:b:" + key), CryptoErrc::kInvalidFormat);
  EXPECT_CRYPTO_ERROR(DropKey::parse("derived:salt:"), CryptoErrc::kInvalidLength);
  EXPECT_CRYPTO_ERROR(DropKey::from_bytes(Bytes(31)), CryptoErrc::kInvalidLength);
  EXPECT_CRYPTO_ERROR(DropKey::from_bytes(Bytes(33)), CryptoErrc::kInvalidLength);
}

TEST(DropKey, ErrorMessagesDoNotContainTheKey) {
  const std::string bad = std::string(kKeyString).substr(0, 42) + "9";
  try {
    (void)DropKey::parse(bad);
    FAIL();
  } catch (const CryptoError& e) {
    EXPECT_EQ(std::string(e.what()).find(bad.substr(0, 20)), std::string::npos);
  }
}

TEST(DropIvParse, RoundTripsAndRejectsBadInput) {
  EXPECT_EQ(hex_encode(drop_iv()), "a0a1a2a3a4a5a6a7a8a9aaab");
  EXPECT_EQ(hex_encode(file_iv()), "c0c1c2c3c4c5c6c7c8c9cacb");
  EXPECT_EQ(format_drop_iv(file_iv()), kFileIvText);
  EXPECT_EQ(format_drop_iv(generate_drop_iv()).size(), kDropIvStringSize);
  EXPECT_NE(generate_drop_iv(), generate_drop_iv());
  EXPECT_CRYPTO_ERROR(parse_drop_iv(""), CryptoErrc::kInvalidLength);
  EXPECT_CRYPTO_ERROR(parse_drop_iv("oKGio6Slpqeoqaq"), CryptoErrc::kInvalidLength);     // 15
  EXPECT_CRYPTO_ERROR(parse_drop_iv("oKGio6SlpqeoqaqrAA"), CryptoErrc::kInvalidLength);  // 18
  EXPECT_CRYPTO_ERROR(parse_drop_iv("oKGio6Slpqeoqaq+"), CryptoErrc::kInvalidEncoding);
  EXPECT_CRYPTO_ERROR(parse_drop_iv("oKGio6Slpqeoqa=r"), CryptoErrc::kInvalidEncoding);
  EXPECT_CRYPTO_ERROR(parse_drop_iv("oKGio6Slpqeoq"), CryptoErrc::kInvalidLength);
  EXPECT_EQ(format_drop_iv(parse_drop_iv("oKGio6Slpqeoqaqr")), kDropIvText);
}

// ---- Chunks ------------------------------------------------------------------------------

TEST(DropChunk, DecryptsSchemeXVectors) {
  const DropKey key = test_key();
  const Bytes ct0 = hex_decode(kChunk0X);
  Bytes out(ct0.size() - 16);
  EXPECT_EQ(decrypt_chunk(key, file_iv(), 0, ct0, out), NonceScheme::kX);
  EXPECT_EQ(text_of(out), kChunk0);

  Bytes ct1 = hex_decode(kChunk1X);
  EXPECT_EQ(decrypt_chunk_in_place(key, file_iv(), 1, ct1), NonceScheme::kX);
  EXPECT_EQ(text_of(ByteView(ct1).first(ct1.size() - 16)), kChunk1);
}

TEST(DropChunk, EncryptsWithSchemeLAndDecryptsIt) {
  const DropKey key = test_key();
  const Bytes pt1 = bytes_of(kChunk1);
  Bytes ct1(pt1.size() + 16);
  encrypt_chunk(key, file_iv(), 1, pt1, ct1);
  EXPECT_EQ(hex_encode(ct1), kChunk1L);

  const Bytes pt0 = bytes_of(kChunk0);
  Bytes ct0(pt0.size() + 16);
  encrypt_chunk(key, file_iv(), 0, pt0, ct0);
  EXPECT_EQ(hex_encode(ct0), kChunk0L);

  Bytes out(pt1.size());
  EXPECT_EQ(decrypt_chunk(key, file_iv(), 1, hex_decode(kChunk1L), out), NonceScheme::kL);
  EXPECT_EQ(text_of(out), kChunk1);
}

TEST(DropChunk, InPlaceEncryptAndDecrypt) {
  const DropKey key = test_key();
  Bytes buffer = bytes_of(kChunk1);
  buffer.resize(buffer.size() + 16 + 5);  // spare room beyond the tag is left alone
  const MutableByteView body = encrypt_chunk_in_place(key, file_iv(), 1, buffer, kChunk1.size());
  EXPECT_EQ(body.data(), buffer.data());
  EXPECT_EQ(hex_encode(body), kChunk1L);

  // encrypt_chunk with out starting at the plaintext is in place as well.
  Bytes same = bytes_of(kChunk1);
  same.resize(same.size() + 16);
  encrypt_chunk(key, file_iv(), 1, ByteView(same).first(kChunk1.size()), same);
  EXPECT_EQ(hex_encode(same), kChunk1L);

  // decrypt_chunk with out == input memory is in place.
  EXPECT_EQ(decrypt_chunk(key, file_iv(), 1, same, MutableByteView(same).first(kChunk1.size())),
            NonceScheme::kL);
  EXPECT_EQ(text_of(ByteView(same).first(kChunk1.size())), kChunk1);

  EXPECT_EQ(decrypt_chunk_in_place(key, file_iv(), 1, body), NonceScheme::kL);
  EXPECT_EQ(text_of(body.first(kChunk1.size())), kChunk1);
}

TEST(DropChunk, HintIsTriedFirstAndTheOtherSchemeStillWorks) {
  const DropKey key = test_key();
  // Hint L on X data: the failed L attempt must restore the buffer before X is tried.
  Bytes x = hex_decode(kChunk1X);
  EXPECT_EQ(decrypt_chunk_in_place(key, file_iv(), 1, x, NonceScheme::kL), NonceScheme::kX);
  EXPECT_EQ(text_of(ByteView(x).first(kChunk1.size())), kChunk1);
  // Hint X on L data.
  Bytes l = hex_decode(kChunk1L);
  EXPECT_EQ(decrypt_chunk_in_place(key, file_iv(), 1, l, NonceScheme::kX), NonceScheme::kL);
  EXPECT_EQ(text_of(ByteView(l).first(kChunk1.size())), kChunk1);
  // Correct hints.
  Bytes out(kChunk1.size());
  EXPECT_EQ(decrypt_chunk(key, file_iv(), 1, hex_decode(kChunk1L), out, NonceScheme::kL),
            NonceScheme::kL);
  EXPECT_EQ(decrypt_chunk(key, file_iv(), 1, hex_decode(kChunk1X), out, NonceScheme::kX),
            NonceScheme::kX);
  EXPECT_EQ(text_of(out), kChunk1);
}

TEST(DropChunk, RoundTripsLargeAndEmptyChunks) {
  const DropKey key = DropKey::generate();
  const DropIv iv = generate_drop_iv();
  const Bytes plain = random_bytes(1 << 20);
  Bytes buffer = plain;
  buffer.resize(plain.size() + 16);
  encrypt_chunk_in_place(key, iv, 9999, buffer, plain.size());
  EXPECT_EQ(decrypt_chunk_in_place(key, iv, 9999, buffer), NonceScheme::kL);
  EXPECT_TRUE(std::equal(plain.begin(), plain.end(), buffer.begin()));

  Bytes empty_ct(16);
  encrypt_chunk(key, iv, 0, {}, empty_ct);
  Bytes none;
  EXPECT_EQ(decrypt_chunk(key, iv, 0, empty_ct, none), NonceScheme::kL);
}

TEST(DropChunk, TamperedWrongKeyOrWrongIndexFailsNamingTheChunk) {
  const DropKey key = test_key();
  const Bytes good = hex_decode(kChunk1L);
  Bytes out(good.size() - 16);
  auto expect_fails = [&](const DropKey& k, std::uint32_t index, Bytes ct) {
    const Bytes before = ct;
    try {
      (void)decrypt_chunk_in_place(k, file_iv(), index, ct);
      ADD_FAILURE() << "tampered chunk decrypted";
    } catch (const CryptoError& e) {
      EXPECT_EQ(e.code(), CryptoErrc::kAuthenticationFailed);
      EXPECT_NE(std::string(e.what()).find("chunk " + std::to_string(index)), std::string::npos)
          << e.what();
    }
    EXPECT_EQ(ct, before) << "failed in-place decryption must restore the ciphertext";
    Bytes sink(ct.size() - 16);
    EXPECT_CRYPTO_ERROR(decrypt_chunk(k, file_iv(), index, ct, sink),
                        CryptoErrc::kAuthenticationFailed);
  };
  for (std::size_t i : {std::size_t{0}, std::size_t{10}, good.size() - 17}) {
    Bytes ct = good;
    ct[i] ^= 0x80;  // ciphertext bit
    expect_fails(key, 1, ct);
  }
  for (std::size_t i : {good.size() - 16, good.size() - 1}) {
    Bytes ct = good;
    ct[i] ^= 0x01;  // tag bit
    expect_fails(key, 1, ct);
  }
  expect_fails(other_key(), 1, good);
  expect_fails(key, 0, good);  // chunk moved to another index
  expect_fails(key, 2, good);
  Bytes truncated(good.begin(), good.end() - 1);
  expect_fails(key, 1, truncated);
  Bytes extended = good;
  extended.push_back(0);
  expect_fails(key, 1, extended);
  // Another file's IV.
  Bytes ct = good;
  EXPECT_CRYPTO_ERROR(decrypt_chunk_in_place(key, drop_iv(), 1, ct),
                      CryptoErrc::kAuthenticationFailed);
}

TEST(DropChunk, RejectsBadSizesAndIndexes) {
  const DropKey key = test_key();
  Bytes short_ct(15);
  Bytes out(0);
  EXPECT_CRYPTO_ERROR(decrypt_chunk_in_place(key, file_iv(), 0, short_ct),
                      CryptoErrc::kInvalidLength);
  EXPECT_CRYPTO_ERROR(decrypt_chunk(key, file_iv(), 0, short_ct, out), CryptoErrc::kInvalidLength);
  Bytes empty;
  EXPECT_CRYPTO_ERROR(decrypt_chunk_in_place(key, file_iv(), 0, empty), CryptoErrc::kInvalidLength);

  const Bytes ct = hex_decode(kChunk1L);
  Bytes small(ct.size() - 17);
  Bytes big(ct.size());
  EXPECT_CRYPTO_ERROR(decrypt_chunk(key, file_iv(), 1, ct, small), CryptoErrc::kInvalidArgument);
  EXPECT_CRYPTO_ERROR(decrypt_chunk(key, file_iv(), 1, ct, big), CryptoErrc::kInvalidArgument);

  const Bytes pt = bytes_of(kChunk1);
  Bytes wrong_out(pt.size() + 15);
  EXPECT_CRYPTO_ERROR(encrypt_chunk(key, file_iv(), 1, pt, wrong_out),
                      CryptoErrc::kInvalidArgument);
  Bytes no_room = pt;
  no_room.resize(pt.size() + 15);
  EXPECT_CRYPTO_ERROR(encrypt_chunk_in_place(key, file_iv(), 1, no_room, pt.size()),
                      CryptoErrc::kInvalidArgument);
  EXPECT_CRYPTO_ERROR(encrypt_chunk_in_place(key, file_iv(), 1, no_room, no_room.size() + 1),
                      CryptoErrc::kInvalidArgument);

  // Reserved nonce domains are never chunk indexes.
  Bytes ct_out(pt.size() + 16);
  EXPECT_CRYPTO_ERROR(encrypt_chunk(key, file_iv(), kNameDomain, pt, ct_out),
                      CryptoErrc::kInvalidArgument);
  EXPECT_CRYPTO_ERROR(encrypt_chunk(key, file_iv(), kMessageDomain, pt, ct_out),
                      CryptoErrc::kInvalidArgument);
  Bytes copy = ct;
  EXPECT_CRYPTO_ERROR(decrypt_chunk_in_place(key, file_iv(), kNameDomain, copy),
                      CryptoErrc::kInvalidArgument);

  // Partial overlap of input and output.
  Bytes shared(pt.size() + 32);
  EXPECT_CRYPTO_ERROR(encrypt_chunk(key, file_iv(), 1, ByteView(shared).first(pt.size()),
                                    MutableByteView(shared).subspan(1, pt.size() + 16)),
                      CryptoErrc::kInvalidArgument);
  std::copy(ct.begin(), ct.end(), shared.begin());
  EXPECT_CRYPTO_ERROR(decrypt_chunk(key, file_iv(), 1, ByteView(shared).first(ct.size()),
                                    MutableByteView(shared).subspan(3, pt.size())),
                      CryptoErrc::kInvalidArgument);
}

// ---- Metadata strings ----------------------------------------------------------------------

TEST(DropMetadata, TitleVectors) {
  const DropKey key = test_key();
  EXPECT_EQ(encrypt_title(key, drop_iv(), kTitle), kTitleL);
  const DecryptedText x = decrypt_title(key, drop_iv(), kTitleX);
  EXPECT_EQ(x.text, kTitle);
  EXPECT_EQ(x.scheme, NonceScheme::kX);
  EXPECT_EQ(x.domain, kNameDomain);
  const DecryptedText l = decrypt_title(key, drop_iv(), kTitleL);
  EXPECT_EQ(l.text, kTitle);
  EXPECT_EQ(l.scheme, NonceScheme::kL);
  EXPECT_EQ(decrypt_title(key, drop_iv(), kTitleL, NonceScheme::kL).scheme, NonceScheme::kL);
  EXPECT_EQ(decrypt_title(key, drop_iv(), kTitleX, NonceScheme::kL).scheme, NonceScheme::kX);
}

TEST(DropMetadata, FilenameVectors) {
  const DropKey key = test_key();
  EXPECT_EQ(encrypt_name(key, file_iv(), kName), kNameL);
  const DecryptedText x = decrypt_name(key, file_iv(), kNameX);
  EXPECT_EQ(x.text, kName);
  EXPECT_EQ(x.scheme, NonceScheme::kX);
  const DecryptedText l = decrypt_name(key, file_iv(), kNameL, NonceScheme::kX);
  EXPECT_EQ(l.text, kName);
  EXPECT_EQ(l.scheme, NonceScheme::kL);
  EXPECT_EQ(l.domain, kNameDomain);
  // Padded input is tolerated like SRV's decoders do.
  EXPECT_EQ(decrypt_name(key, file_iv(), std::string(kNameX) + "==").text, kName);
}

TEST(DropMetadata, MessageVectorsAndDomainFallback) {
  const DropKey key = test_key();
  EXPECT_EQ(encrypt_message(key, drop_iv(), kMessage), kMessageL);

  const DecryptedText x = decrypt_message(key, drop_iv(), kMessageX);
  EXPECT_EQ(x.text, kMessage);
  EXPECT_EQ(x.scheme, NonceScheme::kX);
  EXPECT_EQ(x.domain, kMessageDomain);

  const DecryptedText l = decrypt_message(key, drop_iv(), kMessageL);
  EXPECT_EQ(l.text, kMessage);
  EXPECT_EQ(l.scheme, NonceScheme::kL);
  EXPECT_EQ(l.domain, kMessageDomain);

  const DecryptedText old_l = decrypt_message(key, drop_iv(), kMessageOldL);
  EXPECT_EQ(old_l.text, kMessage);
  EXPECT_EQ(old_l.scheme, NonceScheme::kL);
  EXPECT_EQ(old_l.domain, kNameDomain);

  const DecryptedText old_x = decrypt_message(key, drop_iv(), kMessageOldX, NonceScheme::kL);
  EXPECT_EQ(old_x.text, kMessage);
  EXPECT_EQ(old_x.scheme, NonceScheme::kX);
  EXPECT_EQ(old_x.domain, kNameDomain);

  // A title is not a message domain-wise, but old clients used the same domain: the title
  // ciphertext therefore opens as a (legacy) message too.
  EXPECT_EQ(decrypt_message(key, drop_iv(), kTitleL).domain, kNameDomain);
}

TEST(DropMetadata, RoundTripsUnicodeAndEmptyAndLimits) {
  const DropKey key = DropKey::generate();
  const DropIv iv = generate_drop_iv();
  const std::string name = "Ordner/Über/日本語 🎉.txt";
  EXPECT_EQ(decrypt_name(key, iv, encrypt_name(key, iv, name)).text, name);
  EXPECT_EQ(decrypt_title(key, iv, encrypt_title(key, iv, "")).text, "");
  EXPECT_EQ(decrypt_message(key, iv, encrypt_message(key, iv, "{\"a\":1}")).text, "{\"a\":1}");

  EXPECT_LE(encrypt_name(key, iv, std::string(kMaxNameBytes, 'n')).size(), 2048u);
  EXPECT_LE(encrypt_title(key, iv, std::string(kMaxTitleBytes, 't')).size(), 1024u);
  EXPECT_LE(encrypt_message(key, iv, std::string(kMaxMessageBytes, 'm')).size(), 4096u);
  EXPECT_CRYPTO_ERROR(encrypt_name(key, iv, std::string(kMaxNameBytes + 1, 'n')),
                      CryptoErrc::kInvalidArgument);
  EXPECT_CRYPTO_ERROR(encrypt_title(key, iv, std::string(kMaxTitleBytes + 1, 't')),
                      CryptoErrc::kInvalidArgument);
  EXPECT_CRYPTO_ERROR(encrypt_message(key, iv, std::string(kMaxMessageBytes + 1, 'm')),
                      CryptoErrc::kInvalidArgument);
  EXPECT_CRYPTO_ERROR(encrypt_name(key, iv, "bad\xff"), CryptoErrc::kInvalidArgument);
}

TEST(DropMetadata, RejectsMalformedEncryptedStrings) {
  const DropKey key = test_key();
  const DropIv iv = file_iv();
  const std::string name(kNameL);
  EXPECT_CRYPTO_ERROR(decrypt_name(key, iv, ""), CryptoErrc::kInvalidLength);
  EXPECT_CRYPTO_ERROR(decrypt_name(key, iv, name.substr(0, 20)), CryptoErrc::kInvalidLength);
  EXPECT_CRYPTO_ERROR(decrypt_name(key, iv, name.substr(0, 21)), CryptoErrc::kInvalidEncoding);
  EXPECT_CRYPTO_ERROR(decrypt_name(key, iv, name + "!"), CryptoErrc::kInvalidEncoding);
  EXPECT_CRYPTO_ERROR(decrypt_name(key, iv, "+" + name.substr(1)), CryptoErrc::kInvalidEncoding);
  // Non-canonical: the last char of a 50-char string carries 4 unused bits.
  std::string noncanonical = name;
  noncanonical.back() = 'h';  // 'g' -> 'h' sets an unused bit
  EXPECT_CRYPTO_ERROR(decrypt_name(key, iv, noncanonical), CryptoErrc::kInvalidEncoding);
  EXPECT_CRYPTO_ERROR(decrypt_title(key, drop_iv(), std::string(kMaxEncryptedTextChars + 4, 'A')),
                      CryptoErrc::kInvalidLength);
  EXPECT_CRYPTO_ERROR(decrypt_message(key, drop_iv(), "AAAA"), CryptoErrc::kInvalidLength);
}

TEST(DropMetadata, TamperedOrWrongKeyFailsAuthentication) {
  const DropKey key = test_key();
  EXPECT_CRYPTO_ERROR(decrypt_name(other_key(), file_iv(), kNameX),
                      CryptoErrc::kAuthenticationFailed);
  EXPECT_CRYPTO_ERROR(decrypt_name(key, drop_iv(), kNameX), CryptoErrc::kAuthenticationFailed);
  EXPECT_CRYPTO_ERROR(decrypt_name(key, file_iv(), flip_bit(kNameX, 0)),
                      CryptoErrc::kAuthenticationFailed);
  EXPECT_CRYPTO_ERROR(decrypt_name(key, file_iv(), flip_bit(kNameL, 36, 0x80)),  // tag
                      CryptoErrc::kAuthenticationFailed);
  EXPECT_CRYPTO_ERROR(decrypt_title(key, drop_iv(), flip_bit(kTitleX, 5)),
                      CryptoErrc::kAuthenticationFailed);
  EXPECT_CRYPTO_ERROR(decrypt_message(key, drop_iv(), flip_bit(kMessageX, 30)),
                      CryptoErrc::kAuthenticationFailed);
  EXPECT_CRYPTO_ERROR(decrypt_message(other_key(), drop_iv(), kMessageOldL),
                      CryptoErrc::kAuthenticationFailed);
  // A filename never opens as a title of another IV, nor a message under the title domain only.
  EXPECT_CRYPTO_ERROR(decrypt_title(key, drop_iv(), kMessageX), CryptoErrc::kAuthenticationFailed);
}

TEST(DropMetadata, RejectsNonUtf8Plaintext) {
  const DropKey key = test_key();
  const DropIv iv = file_iv();
  const DropNonce nonce = derive_nonce(iv, kNameDomain, NonceScheme::kL);
  const Bytes bad = {'a', 0xC0, 0xAF};  // overlong '/'
  const std::string encrypted = base64url_encode(gcm_seal(key.bytes(), nonce, {}, bad));
  EXPECT_CRYPTO_ERROR(decrypt_name(key, iv, encrypted), CryptoErrc::kInvalidFormat);
}

TEST(Utf8, StrictValidation) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii/path.txt"));
  EXPECT_TRUE(is_valid_utf8("\xC3\xA9"));          // é
  EXPECT_TRUE(is_valid_utf8("\xE2\x82\xAC"));      // €
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x8E\x89"));  // 🎉
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
  EXPECT_TRUE(is_valid_utf8("\xED\x9F\xBF"));      // U+D7FF
  EXPECT_TRUE(is_valid_utf8(std::string_view("a\0b", 3)));
  EXPECT_FALSE(is_valid_utf8("\x80"));              // lone continuation
  EXPECT_FALSE(is_valid_utf8("\xC3"));              // truncated
  EXPECT_FALSE(is_valid_utf8("\xE2\x82"));          // truncated
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong
  EXPECT_FALSE(is_valid_utf8("\xC1\xBF"));          // overlong
  EXPECT_FALSE(is_valid_utf8("\xE0\x9F\xBF"));      // overlong
  EXPECT_FALSE(is_valid_utf8("\xF0\x8F\xBF\xBF"));  // overlong
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate U+D800
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // > U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xF5\x80\x80\x80"));
  EXPECT_FALSE(is_valid_utf8("\xFF"));
  EXPECT_FALSE(is_valid_utf8("\xC3\x28"));  // bad continuation
  EXPECT_FALSE(is_valid_utf8("\xE2\x28\xA1"));
  EXPECT_FALSE(is_valid_utf8("\xF0\x9F\x8E\x28"));
}

}  // namespace
}  // namespace anonfs::crypto
