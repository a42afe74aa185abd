// P-256 keys: §14.4 vectors, PKCS#8 layouts (ours, OpenSSL's, hand-built variants) and bad input.
#include "anonfs/crypto/p256.hpp"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "anonfs/crypto/base64.hpp"
#include "anonfs/crypto/error.hpp"

namespace anonfs::crypto {
namespace {

// §14.4
constexpr char kFormPub[] =
    "BAIX5hfwtkQ5KCePlpmeaaI6TywVK99tbN9m5bgCgtTtGUp968uXcS0t2jyoWqh2Wlb0X8dYWZZS8ol8ZTBuV5Q";
constexpr char kFormPkcs8Hex[] =
    "308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b02010104201111111111111111111111"
    "111111111111111111111111111111111111111111a144034200040217e617f0b6443928278f96999e69a23a4f2c15"
    "2bdf6d6cdf66e5b80282d4ed194a7debcb97712d2dda3ca85aa8765a56f45fc758599652f2897c65306e5794";
constexpr char kEphPub[] =
    "BNZak5d8qj0bCBhS_1ennkZfFmBXcwS66tUF3TpIWJzzUBheiVNy32Ih6joTdVfkc_3bZ1XwW9UHw8Uz_OnJEoU";
constexpr char kSharedX[] = "ccfc261f58193c98ca4ad4a53bbac6f0ee29bc4d48438090446908622ca79af6";
// The group order n of P-256.
constexpr char kOrderHex[] = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
// The field prime p of P-256.
constexpr char kPrimeHex[] = "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff";

Bytes filled(std::size_t n, std::uint8_t value) {
  return Bytes(n, value);
}

void expect_errc(const std::function<void()>& fn, CryptoErrc code) {
  try {
    fn();
    ADD_FAILURE() << "expected CryptoError(" << to_string(code) << "), nothing thrown";
  } catch (const CryptoError& e) {
    EXPECT_EQ(e.code(), code) << "got " << to_string(e.code()) << ": " << e.what();
  }
}

// --- tiny DER builder for hand-made layouts ---
Bytes tlv(std::uint8_t tag, const Bytes& content) {
  Bytes out{tag};
  const std::size_t n = content.size();
  if (n < 0x80) {
    out.push_back(static_cast<std::uint8_t>(n));
  } else if (n < 0x100) {
    out.push_back(0x81);
    out.push_back(static_cast<std::uint8_t>(n));
  } else {
    out.push_back(0x82);
    out.push_back(static_cast<std::uint8_t>(n >> 8));
    out.push_back(static_cast<std::uint8_t>(n));
  }
  out.insert(out.end(), content.begin(), content.end());
  return out;
}
Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts)
    out.insert(out.end(), p.begin(), p.end());
  return out;
}
const Bytes kOidEc = hex_decode("06072a8648ce3d0201");
const Bytes kOidP256 = hex_decode("06082a8648ce3d030107");
const Bytes kOidP384 = hex_decode("06052b81040022");
const Bytes kOidRsa = hex_decode("06092a864886f70d010101");

struct Layout {
  unsigned version = 0;
  Bytes alg_params = kOidP256;        // empty = absent
  std::optional<Bytes> ec_params;     // [0] in ECPrivateKey
  std::optional<Bytes> ec_public;     // [1] in ECPrivateKey (raw point)
  bool attributes = false;            // [0] in PrivateKeyInfo
  std::optional<Bytes> outer_public;  // [1] in PrivateKeyInfo (v2)
};

Bytes build_pkcs8(ByteView scalar, const Layout& l) {
  Bytes ec_body = cat({tlv(0x02, {0x01}), tlv(0x04, Bytes(scalar.begin(), scalar.end()))});
  if (l.ec_params) ec_body = cat({ec_body, tlv(0xa0, *l.ec_params)});
  if (l.ec_public) {
    Bytes bits{0x00};
    bits.insert(bits.end(), l.ec_public->begin(), l.ec_public->end());
    ec_body = cat({ec_body, tlv(0xa1, tlv(0x03, bits))});
  }
  const Bytes alg = tlv(0x30, cat({kOidEc, l.alg_params}));
  Bytes body =
      cat({tlv(0x02, {static_cast<std::uint8_t>(l.version)}), alg, tlv(0x04, tlv(0x30, ec_body))});
  if (l.attributes) body = cat({body, tlv(0xa0, {})});
  if (l.outer_public) {
    Bytes bits{0x00};
    bits.insert(bits.end(), l.outer_public->begin(), l.outer_public->end());
    body = cat({body, tlv(0x81, bits)});
  }
  return tlv(0x30, body);
}

// --- OpenSSL-made keys ---
using PkeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using EncoderCtx = std::unique_ptr<OSSL_ENCODER_CTX, decltype(&OSSL_ENCODER_CTX_free)>;

PkeyPtr openssl_keygen(const char* type, const char* group) {
  EVP_PKEY* key = group != nullptr ? EVP_PKEY_Q_keygen(nullptr, nullptr, type, group)
                                   : EVP_PKEY_Q_keygen(nullptr, nullptr, type);
  return PkeyPtr(key, &EVP_PKEY_free);
}

Bytes openssl_pkcs8(EVP_PKEY* key) {
  EncoderCtx ctx(
      OSSL_ENCODER_CTX_new_for_pkey(key, EVP_PKEY_KEYPAIR, "DER", "PrivateKeyInfo", nullptr),
      &OSSL_ENCODER_CTX_free);
  EXPECT_NE(ctx, nullptr);
  unsigned char* data = nullptr;
  std::size_t len = 0;
  EXPECT_EQ(OSSL_ENCODER_to_data(ctx.get(), &data, &len), 1);
  Bytes out(data, data + len);
  OPENSSL_free(data);
  return out;
}

Bytes openssl_pub(EVP_PKEY* key) {
  Bytes out(65);
  std::size_t len = 0;
  EXPECT_EQ(
      EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, out.data(), out.size(), &len),
      1);
  out.resize(len);
  return out;
}

Bytes openssl_scalar(EVP_PKEY* key) {
  BIGNUM* d = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &d), 1);
  Bytes out(32);
  EXPECT_EQ(BN_bn2binpad(d, out.data(), 32), 32);
  BN_clear_free(d);
  return out;
}

// ------------------------------------------------------------------------------------------------

TEST(P256, VectorFormKeyFromScalar) {
  const auto key = P256PrivateKey::from_scalar(filled(32, 0x11));
  EXPECT_EQ(key.public_key().to_base64url(), kFormPub);
  EXPECT_EQ(hex_encode(key.to_pkcs8().view()), kFormPkcs8Hex);
  EXPECT_EQ(key.to_pkcs8().size(), kP256Pkcs8Size);
  EXPECT_EQ(hex_encode(key.scalar().view()), std::string(64, '1'));
}

TEST(P256, VectorFormKeyFromPkcs8) {
  const auto key = P256PrivateKey::from_pkcs8(hex_decode(kFormPkcs8Hex));
  EXPECT_EQ(key.public_key().to_base64url(), kFormPub);
  EXPECT_TRUE(key.scalar().equals(filled(32, 0x11)));
  EXPECT_EQ(hex_encode(key.to_pkcs8().view()), kFormPkcs8Hex);
}

TEST(P256, VectorEcdhBothDirections) {
  const auto form = P256PrivateKey::from_scalar(filled(32, 0x11));
  const auto eph = P256PrivateKey::from_scalar(filled(32, 0x22));
  EXPECT_EQ(eph.public_key().to_base64url(), kEphPub);
  EXPECT_EQ(hex_encode(eph.ecdh(form.public_key()).view()), kSharedX);
  EXPECT_EQ(hex_encode(form.ecdh(P256PublicKey::from_base64url(kEphPub)).view()), kSharedX);
}

TEST(P256, PublicKeyRoundTrip) {
  const auto pub = P256PublicKey::from_base64url(kFormPub);
  EXPECT_EQ(pub.to_base64url(), kFormPub);
  EXPECT_EQ(base64url_encode(pub.view()), kFormPub);
  const auto again = P256PublicKey::from_raw(pub.view());
  EXPECT_EQ(pub, again);
  // Padded base64url is tolerated by decoders (§0).
  EXPECT_EQ(P256PublicKey::from_base64url(std::string(kFormPub) + "="), pub);
}

TEST(P256, PublicKeyCopyAndMove) {
  const auto form = P256PrivateKey::from_scalar(filled(32, 0x11));
  const auto eph = P256PrivateKey::from_scalar(filled(32, 0x22));
  P256PublicKey copy = eph.public_key();
  P256PublicKey assigned = form.public_key();
  assigned = copy;
  P256PublicKey moved = std::move(copy);
  EXPECT_EQ(hex_encode(form.ecdh(assigned).view()), kSharedX);
  EXPECT_EQ(hex_encode(form.ecdh(moved).view()), kSharedX);
  assigned = assigned;  // self-assignment is harmless
  EXPECT_EQ(assigned, moved);
}

TEST(P256, GeneratedKeysAgree) {
  for (int i = 0; i < 8; ++i) {
    const auto a = P256PrivateKey::generate();
    const auto b = P256PrivateKey::generate();
    EXPECT_NE(a.public_key(), b.public_key());
    const SecretBytes ab = a.ecdh(b.public_key());
    const SecretBytes ba = b.ecdh(a.public_key());
    ASSERT_EQ(ab.size(), 32u);
    EXPECT_TRUE(ab.equals(ba.view()));
    // Our own PKCS#8 round-trips and keeps the exact layout.
    const SecretBytes der = a.to_pkcs8();
    ASSERT_EQ(der.size(), kP256Pkcs8Size);
    EXPECT_EQ(hex_encode(der.view().first(36)), std::string(kFormPkcs8Hex).substr(0, 72));
    const auto back = P256PrivateKey::from_pkcs8(der.view());
    EXPECT_EQ(back.public_key(), a.public_key());
    EXPECT_TRUE(back.scalar().equals(a.scalar().view()));
    // And it is what OpenSSL itself considers a valid PKCS#8 for this key.
    const unsigned char* p = der.data();
    PkeyPtr parsed(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(der.size())), &EVP_PKEY_free);
    ASSERT_NE(parsed, nullptr);
    EXPECT_EQ(openssl_pub(parsed.get()),
              Bytes(a.public_key().raw().begin(), a.public_key().raw().end()));
  }
}

TEST(P256, ScalarBoundaries) {
  const Bytes n = hex_decode(kOrderHex);
  Bytes n_minus_1 = n;
  n_minus_1.back() -= 1;
  Bytes one(32, 0);
  one.back() = 1;
  EXPECT_NO_THROW(P256PrivateKey::from_scalar(one));
  EXPECT_NO_THROW(P256PrivateKey::from_scalar(n_minus_1));
  // (n-1)·G = -G: same X as G.
  const auto a = P256PrivateKey::from_scalar(one);
  const auto b = P256PrivateKey::from_scalar(n_minus_1);
  EXPECT_TRUE(std::equal(a.public_key().raw().begin(), a.public_key().raw().begin() + 33,
                         b.public_key().raw().begin()));
  expect_errc([&] { P256PrivateKey::from_scalar(Bytes(32, 0)); }, CryptoErrc::kInvalidFormat);
  expect_errc([&] { P256PrivateKey::from_scalar(n); }, CryptoErrc::kInvalidFormat);
  expect_errc([&] { P256PrivateKey::from_scalar(Bytes(32, 0xff)); }, CryptoErrc::kInvalidFormat);
  expect_errc([&] { P256PrivateKey::from_scalar(Bytes(31, 0x11)); }, CryptoErrc::kInvalidLength);
  expect_errc([&] { P256PrivateKey::from_scalar(Bytes(33, 0x11)); }, CryptoErrc::kInvalidLength);
  expect_errc([&] { P256PrivateKey::from_scalar({}); }, CryptoErrc::kInvalidLength);
}

TEST(P256, PublicKeyRejectsBadPoints) {
  const Bytes good = base64url_decode(kFormPub);
  expect_errc([&] { P256PublicKey::from_raw({}); }, CryptoErrc::kInvalidLength);
  expect_errc([&] { P256PublicKey::from_raw(ByteView(good).first(64)); },
              CryptoErrc::kInvalidLength);
  Bytes longer = good;
  longer.push_back(0);
  expect_errc([&] { P256PublicKey::from_raw(longer); }, CryptoErrc::kInvalidLength);
  // Compressed encodings are not what anon.li sends.
  Bytes compressed(good.begin(), good.begin() + 33);
  compressed[0] = 0x02 | (good.back() & 1);
  expect_errc([&] { P256PublicKey::from_raw(compressed); }, CryptoErrc::kInvalidLength);
  for (std::uint8_t prefix : {0x00, 0x02, 0x03, 0x05, 0x06, 0x07, 0xff}) {
    Bytes bad = good;
    bad[0] = prefix;
    expect_errc([&] { P256PublicKey::from_raw(bad); }, CryptoErrc::kInvalidFormat);
  }
  // Off the curve: any single bit flip in X or Y.
  for (std::size_t i = 1; i < good.size(); i += 7) {
    Bytes bad = good;
    bad[i] ^= 0x01;
    expect_errc([&] { P256PublicKey::from_raw(bad); }, CryptoErrc::kInvalidFormat);
  }
  // All-zero coordinates, coordinates >= p.
  Bytes zero(65, 0);
  zero[0] = 0x04;
  expect_errc([&] { P256PublicKey::from_raw(zero); }, CryptoErrc::kInvalidFormat);
  Bytes big(65, 0xff);
  big[0] = 0x04;
  expect_errc([&] { P256PublicKey::from_raw(big); }, CryptoErrc::kInvalidFormat);
  Bytes x_is_p = good;
  const Bytes p = hex_decode(kPrimeHex);
  std::copy(p.begin(), p.end(), x_is_p.begin() + 1);
  expect_errc([&] { P256PublicKey::from_raw(x_is_p); }, CryptoErrc::kInvalidFormat);
  // The negated point (X, p - Y) is on the curve and is accepted: it is the key of n - d.
  {
    using Bn = std::unique_ptr<BIGNUM, decltype(&BN_free)>;
    Bn prime(BN_bin2bn(p.data(), 32, nullptr), &BN_free);
    Bn y(BN_bin2bn(good.data() + 33, 32, nullptr), &BN_free);
    Bn order(BN_bin2bn(hex_decode(kOrderHex).data(), 32, nullptr), &BN_free);
    Bn d(BN_bin2bn(filled(32, 0x11).data(), 32, nullptr), &BN_free);
    ASSERT_EQ(BN_sub(y.get(), prime.get(), y.get()), 1);
    ASSERT_EQ(BN_sub(d.get(), order.get(), d.get()), 1);
    Bytes negated = good;
    ASSERT_EQ(BN_bn2binpad(y.get(), negated.data() + 33, 32), 32);
    Bytes neg_scalar(32);
    ASSERT_EQ(BN_bn2binpad(d.get(), neg_scalar.data(), 32), 32);
    const auto neg = P256PublicKey::from_raw(negated);
    EXPECT_EQ(neg, P256PrivateKey::from_scalar(neg_scalar).public_key());
  }
  // The point at infinity has no 65-byte encoding; its 1-byte SEC1 form is rejected by length.
  expect_errc([&] { P256PublicKey::from_raw(Bytes{0x00}); }, CryptoErrc::kInvalidLength);
}

TEST(P256, PublicKeyBase64urlErrors) {
  std::string text = kFormPub;
  const Bytes raw = base64url_decode(text);
  expect_errc([&] { P256PublicKey::from_base64url(base64url_encode(ByteView(raw).first(64))); },
              CryptoErrc::kInvalidLength);
  expect_errc([&] { P256PublicKey::from_base64url(text + "AAAA"); }, CryptoErrc::kInvalidLength);
  expect_errc([&] { P256PublicKey::from_base64url(text.substr(0, 85)); },
              CryptoErrc::kInvalidEncoding);  // 85 % 4 == 1
  std::string bad_char = text;
  bad_char[10] = '+';
  expect_errc([&] { P256PublicKey::from_base64url(bad_char); }, CryptoErrc::kInvalidEncoding);
  // Non-canonical: the last character carries 2 unused bits; set one of them.
  std::string noncanon = text;
  ASSERT_EQ(noncanon.back(), 'Q');  // 'Q' = 16 = 0b010000
  noncanon.back() = 'R';
  expect_errc([&] { P256PublicKey::from_base64url(noncanon); }, CryptoErrc::kInvalidEncoding);
  expect_errc([&] { P256PublicKey::from_base64url(""); }, CryptoErrc::kInvalidLength);
}

TEST(P256, Pkcs8AlternativeLayouts) {
  const Bytes scalar = filled(32, 0x11);
  const auto ref = P256PrivateKey::from_scalar(scalar);
  const Bytes pub(ref.public_key().raw().begin(), ref.public_key().raw().end());

  std::vector<std::pair<const char*, Layout>> layouts;
  layouts.push_back({"no [0], [1] (the vector)", Layout{.ec_public = pub}});
  layouts.push_back({"no [0], no [1]", Layout{}});
  layouts.push_back({"[0] and [1]", Layout{.ec_params = kOidP256, .ec_public = pub}});
  layouts.push_back({"[0], no [1]", Layout{.ec_params = kOidP256}});
  layouts.push_back(
      {"curve only in [0]", Layout{.alg_params = {}, .ec_params = kOidP256, .ec_public = pub}});
  layouts.push_back({"attributes", Layout{.ec_public = pub, .attributes = true}});
  layouts.push_back({"v2 with outer public key", Layout{.version = 1, .outer_public = pub}});
  layouts.push_back(
      {"v2 with both public keys",
       Layout{.version = 1, .ec_public = pub, .attributes = true, .outer_public = pub}});
  Bytes compressed(pub.begin(), pub.begin() + 33);
  compressed[0] = 0x02 | (pub.back() & 1);
  layouts.push_back({"compressed [1]", Layout{.ec_public = compressed}});

  for (const auto& [name, layout] : layouts) {
    SCOPED_TRACE(name);
    const Bytes der = build_pkcs8(scalar, layout);
    const auto key = P256PrivateKey::from_pkcs8(der);
    EXPECT_EQ(key.public_key(), ref.public_key());
    EXPECT_EQ(hex_encode(key.to_pkcs8().view()), kFormPkcs8Hex);
  }
  // The layout builder reproduces the vector byte for byte.
  EXPECT_EQ(hex_encode(build_pkcs8(scalar, Layout{.ec_public = pub})), kFormPkcs8Hex);

  // A scalar with leading zero bytes stripped (old encoders) is padded back.
  Bytes small(32, 0);
  small[31] = 0x05;
  const auto small_key = P256PrivateKey::from_scalar(small);
  const auto parsed = P256PrivateKey::from_pkcs8(build_pkcs8(Bytes{0x05}, Layout{}));
  EXPECT_EQ(parsed.public_key(), small_key.public_key());
}

TEST(P256, Pkcs8FromOpenSsl) {
  for (int include_public = 0; include_public <= 1; ++include_public) {
    for (const char* encoding : {"named_curve", "explicit"}) {
      SCOPED_TRACE(std::string(encoding) + (include_public ? " with pub" : " without pub"));
      PkeyPtr key = openssl_keygen("EC", "P-256");
      ASSERT_NE(key, nullptr);
      ASSERT_EQ(
          EVP_PKEY_set_int_param(key.get(), OSSL_PKEY_PARAM_EC_INCLUDE_PUBLIC, include_public), 1);
      ASSERT_EQ(EVP_PKEY_set_utf8_string_param(key.get(), OSSL_PKEY_PARAM_EC_ENCODING, encoding),
                1);
      const Bytes der = openssl_pkcs8(key.get());
      if (std::string(encoding) == "explicit") {
        expect_errc([&] { P256PrivateKey::from_pkcs8(der); }, CryptoErrc::kUnsupported);
        continue;
      }
      const auto ours = P256PrivateKey::from_pkcs8(der);
      EXPECT_EQ(Bytes(ours.public_key().raw().begin(), ours.public_key().raw().end()),
                openssl_pub(key.get()));
      EXPECT_TRUE(ours.scalar().equals(openssl_scalar(key.get())));
      if (include_public) {
        EXPECT_EQ(hex_encode(ours.to_pkcs8().view()), hex_encode(der));
      }
    }
  }
}

TEST(P256, Pkcs8RejectsOtherKeys) {
  for (const auto& [type, group] : std::vector<std::pair<const char*, const char*>>{
           {"EC", "P-384"}, {"EC", "secp256k1"}, {"X25519", nullptr}, {"ED25519", nullptr}}) {
    SCOPED_TRACE(std::string(type) + (group ? std::string(" ") + group : ""));
    PkeyPtr key = openssl_keygen(type, group);
    ASSERT_NE(key, nullptr);
    expect_errc([&] { P256PrivateKey::from_pkcs8(openssl_pkcs8(key.get())); },
                CryptoErrc::kUnsupported);
  }
  PkeyPtr rsa(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(1024)),
              &EVP_PKEY_free);
  ASSERT_NE(rsa, nullptr);
  expect_errc([&] { P256PrivateKey::from_pkcs8(openssl_pkcs8(rsa.get())); },
              CryptoErrc::kUnsupported);

  const Bytes scalar = filled(32, 0x11);
  expect_errc(
      [&] { P256PrivateKey::from_pkcs8(build_pkcs8(scalar, Layout{.alg_params = kOidP384})); },
      CryptoErrc::kUnsupported);
  // [0] parameters naming another curve.
  expect_errc(
      [&] { P256PrivateKey::from_pkcs8(build_pkcs8(scalar, Layout{.ec_params = kOidP384})); },
      CryptoErrc::kUnsupported);
  // Explicit (SEQUENCE) and implicitCurve (NULL) parameters.
  expect_errc(
      [&] { P256PrivateKey::from_pkcs8(build_pkcs8(scalar, Layout{.alg_params = tlv(0x30, {})})); },
      CryptoErrc::kUnsupported);
  expect_errc(
      [&] { P256PrivateKey::from_pkcs8(build_pkcs8(scalar, Layout{.alg_params = tlv(0x05, {})})); },
      CryptoErrc::kUnsupported);
  // Not an EC key at all.
  Bytes rsa_like = build_pkcs8(scalar, Layout{});
  const Bytes ec_oid = kOidEc;
  auto it = std::search(rsa_like.begin(), rsa_like.end(), ec_oid.begin(), ec_oid.end());
  ASSERT_NE(it, rsa_like.end());
  it[8] = 0x02;  // 1.2.840.10045.2.2: not id-ecPublicKey
  expect_errc([&] { P256PrivateKey::from_pkcs8(rsa_like); }, CryptoErrc::kUnsupported);
  // Unknown PrivateKeyInfo version.
  expect_errc([&] { P256PrivateKey::from_pkcs8(build_pkcs8(scalar, Layout{.version = 2})); },
              CryptoErrc::kUnsupported);
}

TEST(P256, Pkcs8RejectsBadScalarsAndKeys) {
  const Bytes n = hex_decode(kOrderHex);
  expect_errc([&] { P256PrivateKey::from_pkcs8(build_pkcs8(Bytes(32, 0), Layout{})); },
              CryptoErrc::kInvalidFormat);
  expect_errc([&] { P256PrivateKey::from_pkcs8(build_pkcs8(n, Layout{})); },
              CryptoErrc::kInvalidFormat);
  expect_errc([&] { P256PrivateKey::from_pkcs8(build_pkcs8(Bytes(32, 0xff), Layout{})); },
              CryptoErrc::kInvalidFormat);
  expect_errc([&] { P256PrivateKey::from_pkcs8(build_pkcs8(Bytes(33, 0x01), Layout{})); },
              CryptoErrc::kInvalidFormat);
  expect_errc([&] { P256PrivateKey::from_pkcs8(build_pkcs8(Bytes{}, Layout{})); },
              CryptoErrc::kInvalidFormat);
  // Embedded public key of another key.
  const auto other = P256PrivateKey::from_scalar(filled(32, 0x22));
  const Bytes other_pub(other.public_key().raw().begin(), other.public_key().raw().end());
  expect_errc(
      [&] {
        P256PrivateKey::from_pkcs8(build_pkcs8(filled(32, 0x11), Layout{.ec_public = other_pub}));
      },
      CryptoErrc::kInvalidFormat);
  expect_errc(
      [&] {
        P256PrivateKey::from_pkcs8(
            build_pkcs8(filled(32, 0x11), Layout{.version = 1, .outer_public = other_pub}));
      },
      CryptoErrc::kInvalidFormat);
  // Public key [1] in a version 0 PrivateKeyInfo.
  const auto ref = P256PrivateKey::from_scalar(filled(32, 0x11));
  const Bytes pub(ref.public_key().raw().begin(), ref.public_key().raw().end());
  expect_errc(
      [&] {
        P256PrivateKey::from_pkcs8(build_pkcs8(filled(32, 0x11), Layout{.outer_public = pub}));
      },
      CryptoErrc::kInvalidFormat);
  // Curve parameters absent everywhere.
  expect_errc(
      [&] { P256PrivateKey::from_pkcs8(build_pkcs8(filled(32, 0x11), Layout{.alg_params = {}})); },
      CryptoErrc::kInvalidFormat);
}

TEST(P256, Pkcs8RejectsMalformedDer) {
  const Bytes good = hex_decode(kFormPkcs8Hex);
  // Every truncation.
  for (std::size_t len = 0; len < good.size(); ++len) {
    SCOPED_TRACE(len);
    expect_errc([&] { P256PrivateKey::from_pkcs8(ByteView(good).first(len)); },
                CryptoErrc::kInvalidFormat);
  }
  // Trailing garbage.
  for (const Bytes& tail : {Bytes{0x00}, Bytes{0x30, 0x00}, Bytes(16, 0xaa)}) {
    Bytes der = good;
    der.insert(der.end(), tail.begin(), tail.end());
    expect_errc([&] { P256PrivateKey::from_pkcs8(der); }, CryptoErrc::kInvalidFormat);
  }
  // Non-minimal and indefinite lengths.
  Bytes nonminimal = good;
  nonminimal[1] = 0x82;
  nonminimal.insert(nonminimal.begin() + 2, 0x00);
  expect_errc([&] { P256PrivateKey::from_pkcs8(nonminimal); }, CryptoErrc::kInvalidFormat);
  const Bytes short_form_too_long = cat({Bytes{0x30, 0x81, 0x05}, tlv(0x02, {0x00})});
  expect_errc([&] { P256PrivateKey::from_pkcs8(short_form_too_long); }, CryptoErrc::kInvalidFormat);
  Bytes indefinite = good;
  indefinite[1] = 0x80;
  indefinite.erase(indefinite.begin() + 2);
  indefinite.push_back(0);
  indefinite.push_back(0);
  expect_errc([&] { P256PrivateKey::from_pkcs8(indefinite); }, CryptoErrc::kInvalidFormat);
  // Trailing data inside the privateKey OCTET STRING (after ECPrivateKey).
  const auto ref = P256PrivateKey::from_scalar(filled(32, 0x11));
  const Bytes ec = tlv(0x30, cat({tlv(0x02, {0x01}), tlv(0x04, filled(32, 0x11))}));
  const Bytes inner_trailing = tlv(0x30, cat({tlv(0x02, {0x00}), tlv(0x30, cat({kOidEc, kOidP256})),
                                              tlv(0x04, cat({ec, Bytes{0x00}}))}));
  expect_errc([&] { P256PrivateKey::from_pkcs8(inner_trailing); }, CryptoErrc::kInvalidFormat);
  // Wrong ECPrivateKey version, non-minimal version integer.
  const Bytes bad_version =
      tlv(0x30, cat({tlv(0x02, {0x00}), tlv(0x30, cat({kOidEc, kOidP256})),
                     tlv(0x04, tlv(0x30, cat({tlv(0x02, {0x02}), tlv(0x04, filled(32, 0x11))})))}));
  expect_errc([&] { P256PrivateKey::from_pkcs8(bad_version); }, CryptoErrc::kInvalidFormat);
  const Bytes long_version =
      tlv(0x30, cat({tlv(0x02, {0x00, 0x00}), tlv(0x30, cat({kOidEc, kOidP256})), tlv(0x04, ec)}));
  expect_errc([&] { P256PrivateKey::from_pkcs8(long_version); }, CryptoErrc::kInvalidFormat);
  // Public key BIT STRING with unused bits.
  Bytes unused_bits = good;
  unused_bits[good.size() - 66] = 0x01;
  ASSERT_EQ(good[good.size() - 66], 0x00);
  expect_errc([&] { P256PrivateKey::from_pkcs8(unused_bits); }, CryptoErrc::kInvalidFormat);
  // Empty input and lone tags.
  expect_errc([&] { P256PrivateKey::from_pkcs8({}); }, CryptoErrc::kInvalidFormat);
  expect_errc([&] { P256PrivateKey::from_pkcs8(Bytes{0x30}); }, CryptoErrc::kInvalidFormat);
  expect_errc([&] { P256PrivateKey::from_pkcs8(Bytes{0x30, 0x00}); }, CryptoErrc::kInvalidFormat);
  expect_errc(
      [&] {
        P256PrivateKey::from_pkcs8(Bytes{0x1f, 0x81, 0x00});
      },
      CryptoErrc::kInvalidFormat);
  // The raw scalar or a public key is not a PKCS#8.
  expect_errc([&] { P256PrivateKey::from_pkcs8(filled(32, 0x11)); }, CryptoErrc::kInvalidFormat);
  (void)ref;
}

TEST(P256, Pkcs8BitFlipsNeverCrash) {
  const Bytes good = hex_decode(kFormPkcs8Hex);
  const auto ref = P256PrivateKey::from_pkcs8(good);
  int accepted = 0;
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      Bytes der = good;
      der[i] ^= static_cast<std::uint8_t>(1u << bit);
      try {
        const auto key = P256PrivateKey::from_pkcs8(der);
        // Only flips that keep the key (e.g. version 0 -> 1) may be accepted.
        EXPECT_EQ(key.public_key(), ref.public_key()) << "byte " << i << " bit " << bit;
        ++accepted;
      } catch (const CryptoError& e) {
        EXPECT_NE(e.code(), CryptoErrc::kInternal) << "byte " << i << " bit " << bit;
      }
    }
  }
  EXPECT_LE(accepted, 1);
}

TEST(P256, RandomGarbageNeverCrashes) {
  std::mt19937 rng(1234);
  for (int i = 0; i < 2000; ++i) {
    Bytes data(rng() % 200);
    for (auto& b : data)
      b = static_cast<std::uint8_t>(rng());
    if (!data.empty() && i % 2 == 0) data[0] = 0x30;  // get past the first tag sometimes
    try {
      (void)P256PrivateKey::from_pkcs8(data);
    } catch (const CryptoError& e) {
      EXPECT_NE(e.code(), CryptoErrc::kInternal);
    }
    Bytes point(65);
    for (auto& b : point)
      b = static_cast<std::uint8_t>(rng());
    point[0] = 0x04;
    try {
      (void)P256PublicKey::from_raw(point);
    } catch (const CryptoError& e) {
      EXPECT_EQ(e.code(), CryptoErrc::kInvalidFormat);
    }
  }
}

TEST(P256, MovedFromKeyThrows) {
  auto a = P256PrivateKey::from_scalar(filled(32, 0x11));
  const auto b = std::move(a);
  // NOLINTNEXTLINE(bugprone-use-after-move): deliberate
  expect_errc([&] { (void)a.scalar(); }, CryptoErrc::kInvalidArgument);
  expect_errc([&] { (void)a.ecdh(b.public_key()); }, CryptoErrc::kInvalidArgument);
  EXPECT_EQ(b.public_key().to_base64url(), kFormPub);
}

}  // namespace
}  // namespace anonfs::crypto
