// P-256 keys over OpenSSL 3 EVP (no deprecated EC_KEY APIs), plus a strict DER reader for
// PKCS#8 / RFC 5915 private keys.
#include "anonfs/crypto/p256.hpp"

#include <openssl/core_names.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/params.h>

#include <algorithm>
#include <optional>

#include "anonfs/crypto/base64.hpp"
#include "anonfs/crypto/error.hpp"
#include "anonfs/crypto/random.hpp"
#include "ossl.hpp"

namespace anonfs::crypto {

void detail::PkeyFree::operator()(::evp_pkey_st* key) const noexcept {
  EVP_PKEY_free(key);
}

namespace {

using ParamBld = std::unique_ptr<OSSL_PARAM_BLD, ossl::Deleter<&OSSL_PARAM_BLD_free>>;
// The private scalar is pushed from a BN_secure_new BIGNUM, so OSSL_PARAM_BLD places it in the
// secure block, which OSSL_PARAM_free releases with OPENSSL_secure_clear_free.
using Params = std::unique_ptr<OSSL_PARAM, ossl::Deleter<&OSSL_PARAM_free>>;
using RawPoint = std::array<std::uint8_t, kP256PointSize>;

constexpr char kGroupName[] = "prime256v1";

// DER contents of the OIDs we accept.
constexpr std::uint8_t kOidEcPublicKey[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
constexpr std::uint8_t kOidPrime256v1[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};

// DER tags.
constexpr std::uint8_t kTagInteger = 0x02;
constexpr std::uint8_t kTagBitString = 0x03;
constexpr std::uint8_t kTagOctetString = 0x04;
constexpr std::uint8_t kTagOid = 0x06;
constexpr std::uint8_t kTagSequence = 0x30;
constexpr std::uint8_t kTagContext0 = 0xa0;      // [0] constructed
constexpr std::uint8_t kTagContext1 = 0xa1;      // [1] constructed (EXPLICIT)
constexpr std::uint8_t kTagContext1Prim = 0x81;  // [1] primitive (IMPLICIT BIT STRING)

// The fixed parts of the 138-byte PKCS#8 layout of §10.1 / §14.4.
constexpr std::uint8_t kPkcs8Prefix[] = {
    0x30, 0x81, 0x87,                                            // PrivateKeyInfo, 135 bytes
    0x02, 0x01, 0x00,                                            // version 0
    0x30, 0x13,                                                  // AlgorithmIdentifier
    0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,        // id-ecPublicKey
    0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07,  // prime256v1
    0x04, 0x6d,                                                  // privateKey OCTET STRING
    0x30, 0x6b,                                                  // ECPrivateKey
    0x02, 0x01, 0x01,                                            // version 1
    0x04, 0x20,                                                  // privateKey, 32 bytes
};
constexpr std::uint8_t kPkcs8PublicPrefix[] = {
    0xa1, 0x44,        // [1]
    0x03, 0x42, 0x00,  // BIT STRING, 66 bytes, 0 unused bits
};
static_assert(sizeof(kPkcs8Prefix) + kP256ScalarSize + sizeof(kPkcs8PublicPrefix) +
                  kP256PointSize ==
              kP256Pkcs8Size);

[[noreturn]] void bad_der(const char* what) {
  throw CryptoError(CryptoErrc::kInvalidFormat, std::string("PKCS#8: ") + what);
}

bool bytes_equal(ByteView a, ByteView b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

// Minimal strict DER reader: single-byte tags, definite minimal lengths, no trailing data.
class DerReader {
 public:
  explicit DerReader(ByteView in) : in_(in) {}

  bool at_end() const noexcept { return in_.empty(); }
  std::optional<std::uint8_t> peek() const noexcept {
    if (in_.empty()) return std::nullopt;
    return in_[0];
  }
  bool next_is(std::uint8_t tag) const noexcept { return peek() == tag; }

  // Reads one element with tag `tag` and returns its contents.
  ByteView read(std::uint8_t tag, const char* what) {
    if (in_.empty()) bad_der(what);
    if (in_[0] != tag) bad_der(what);
    if ((tag & 0x1f) == 0x1f) bad_der("high tag numbers are not supported");
    std::size_t pos = 1;
    if (pos >= in_.size()) bad_der("truncated length");
    std::size_t len = in_[pos++];
    if (len == 0x80) bad_der("indefinite length");
    if (len > 0x80) {
      const std::size_t n = len & 0x7f;
      if (n > 4) bad_der("length too large");
      if (in_.size() - pos < n) bad_der("truncated length");
      if (in_[pos] == 0) bad_der("non-minimal length");
      len = 0;
      for (std::size_t i = 0; i < n; ++i)
        len = (len << 8) | in_[pos++];
      if (len < 0x80) bad_der("non-minimal length");
    }
    if (in_.size() - pos < len) bad_der("truncated element");
    ByteView contents = in_.subspan(pos, len);
    in_ = in_.subspan(pos + len);
    return contents;
  }

  void expect_end(const char* what) const {
    if (!in_.empty()) bad_der(what);
  }

 private:
  ByteView in_;
};

// Reads an INTEGER that must be a small non-negative value in minimal encoding.
unsigned read_small_uint(DerReader& r, const char* what) {
  const ByteView v = r.read(kTagInteger, what);
  if (v.size() != 1 || (v[0] & 0x80) != 0) bad_der(what);
  return v[0];
}

// Checks that `params` (a DER element's contents with tag OID) names prime256v1.
void require_p256_oid(ByteView oid) {
  if (!bytes_equal(oid, kOidPrime256v1)) {
    throw CryptoError(CryptoErrc::kUnsupported, "PKCS#8: EC key is not on curve P-256");
  }
}

// Reads an ECParameters CHOICE and requires namedCurve prime256v1.
void read_curve(DerReader& r) {
  if (r.next_is(kTagOid)) {
    require_p256_oid(r.read(kTagOid, "curve OID"));
    return;
  }
  if (r.next_is(kTagSequence) || r.next_is(0x05 /* NULL, implicitCurve */)) {
    throw CryptoError(CryptoErrc::kUnsupported,
                      "PKCS#8: only named-curve P-256 parameters are supported");
  }
  bad_der("EC parameters");
}

ossl::EcGroup new_group() {
  return ossl::EcGroup(
      ossl::check_ptr(EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1), "EC_GROUP_new"));
}

// Builds an EVP_PKEY for P-256 from a public point and, optionally, a private scalar.
detail::PkeyPtr build_pkey(const RawPoint& pub, const BIGNUM* priv) {
  ParamBld bld(ossl::check_ptr(OSSL_PARAM_BLD_new(), "OSSL_PARAM_BLD_new"));
  ossl::check(OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, kGroupName, 0),
              "OSSL_PARAM_BLD_push_utf8_string");
  ossl::check(
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, pub.data(), pub.size()),
      "OSSL_PARAM_BLD_push_octet_string");
  if (priv != nullptr) {
    ossl::check(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, priv),
                "OSSL_PARAM_BLD_push_BN");
  }
  Params params(ossl::check_ptr(OSSL_PARAM_BLD_to_param(bld.get()), "OSSL_PARAM_BLD_to_param"));
  ossl::PkeyCtx ctx(
      ossl::check_ptr(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr), "EVP_PKEY_CTX_new"));
  ossl::check(EVP_PKEY_fromdata_init(ctx.get()), "EVP_PKEY_fromdata_init");
  EVP_PKEY* raw = nullptr;
  ossl::check(
      EVP_PKEY_fromdata(ctx.get(), &raw, priv != nullptr ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
                        params.get()),
      "EVP_PKEY_fromdata");
  return detail::PkeyPtr(ossl::check_ptr(raw, "EVP_PKEY_fromdata"));
}

// Scalar (big-endian, exactly 32 bytes) → BIGNUM, range-checked against the group order.
ossl::Bignum scalar_to_bn(const EC_GROUP* group, ByteView scalar) {
  ossl::Bignum d(ossl::check_ptr(BN_secure_new(), "BN_secure_new"));
  BN_set_flags(d.get(), BN_FLG_CONSTTIME);
  ossl::check_ptr(BN_bin2bn(scalar.data(), static_cast<int>(scalar.size()), d.get()), "BN_bin2bn");
  const BIGNUM* order = ossl::check_ptr(EC_GROUP_get0_order(group), "EC_GROUP_get0_order");
  if (BN_is_zero(d.get()) || BN_cmp(d.get(), order) >= 0) {
    throw CryptoError(CryptoErrc::kInvalidFormat, "P-256 private scalar is out of range");
  }
  return d;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// P256PublicKey

P256PublicKey::P256PublicKey(detail::PkeyPtr key, const RawPoint& raw)
    : key_(std::move(key)), raw_(raw) {}

P256PublicKey::P256PublicKey(const P256PublicKey& other) : raw_(other.raw_) {
  if (other.key_) {
    ossl::check(EVP_PKEY_up_ref(other.key_.get()), "EVP_PKEY_up_ref");
    key_.reset(other.key_.get());
  }
}

P256PublicKey& P256PublicKey::operator=(const P256PublicKey& other) {
  if (this != &other) {
    P256PublicKey copy(other);
    *this = std::move(copy);
  }
  return *this;
}

P256PublicKey P256PublicKey::from_raw(ByteView point) {
  if (point.size() != kP256PointSize) {
    throw CryptoError(CryptoErrc::kInvalidLength, "P-256 public key must be 65 bytes");
  }
  if (point[0] != 0x04) {
    throw CryptoError(CryptoErrc::kInvalidFormat, "P-256 public key is not an uncompressed point");
  }
  const ossl::EcGroup group = new_group();
  ossl::EcPoint p(ossl::check_ptr(EC_POINT_new(group.get()), "EC_POINT_new"));
  // oct2point rejects coordinates >= p and points that are not on the curve.
  if (EC_POINT_oct2point(group.get(), p.get(), point.data(), point.size(), nullptr) != 1 ||
      EC_POINT_is_at_infinity(group.get(), p.get()) == 1 ||
      EC_POINT_is_on_curve(group.get(), p.get(), nullptr) != 1) {
    ossl::clear_errors();
    throw CryptoError(CryptoErrc::kInvalidFormat, "P-256 public key is not a point on the curve");
  }
  RawPoint raw{};
  std::copy(point.begin(), point.end(), raw.begin());
  return P256PublicKey(build_pkey(raw, nullptr), raw);
}

P256PublicKey P256PublicKey::from_base64url(std::string_view text) {
  const Bytes raw = base64url_decode(text);
  return from_raw(raw);
}

std::string P256PublicKey::to_base64url() const {
  return base64url_encode(view());
}

// ---------------------------------------------------------------------------------------------
// P256PrivateKey

P256PrivateKey::P256PrivateKey(detail::PkeyPtr key, P256PublicKey pub)
    : key_(std::move(key)), public_(std::move(pub)) {}

P256PrivateKey P256PrivateKey::generate() {
  // A uniformly random scalar in [1, n-1] by rejection sampling (n is within 2^-32 of 2^256,
  // so a retry practically never happens).
  for (;;) {
    const SecretBytes scalar = random_secret(kP256ScalarSize);
    try {
      return from_scalar(scalar.view());
    } catch (const CryptoError& e) {
      if (e.code() != CryptoErrc::kInvalidFormat) throw;
    }
  }
}

P256PrivateKey P256PrivateKey::from_scalar(ByteView scalar) {
  if (scalar.size() != kP256ScalarSize) {
    throw CryptoError(CryptoErrc::kInvalidLength, "P-256 private scalar must be 32 bytes");
  }
  const ossl::EcGroup group = new_group();
  const ossl::Bignum d = scalar_to_bn(group.get(), scalar);
  ossl::BnCtx bn_ctx(ossl::check_ptr(BN_CTX_secure_new(), "BN_CTX_secure_new"));
  ossl::EcPoint q(ossl::check_ptr(EC_POINT_new(group.get()), "EC_POINT_new"));
  ossl::check(EC_POINT_mul(group.get(), q.get(), d.get(), nullptr, nullptr, bn_ctx.get()),
              "EC_POINT_mul");
  RawPoint raw{};
  if (EC_POINT_point2oct(group.get(), q.get(), POINT_CONVERSION_UNCOMPRESSED, raw.data(),
                         raw.size(), bn_ctx.get()) != raw.size()) {
    ossl::fail("EC_POINT_point2oct");
  }
  P256PublicKey pub(build_pkey(raw, nullptr), raw);
  return P256PrivateKey(build_pkey(raw, d.get()), std::move(pub));
}

P256PrivateKey P256PrivateKey::from_pkcs8(ByteView der) {
  DerReader outer(der);
  DerReader info(outer.read(kTagSequence, "PrivateKeyInfo"));
  outer.expect_end("trailing data after PrivateKeyInfo");

  const unsigned version = read_small_uint(info, "PrivateKeyInfo version");
  if (version > 1) {
    throw CryptoError(CryptoErrc::kUnsupported, "PKCS#8: unsupported PrivateKeyInfo version");
  }

  // AlgorithmIdentifier { id-ecPublicKey, ECParameters }
  DerReader alg(info.read(kTagSequence, "AlgorithmIdentifier"));
  if (!bytes_equal(alg.read(kTagOid, "algorithm OID"), kOidEcPublicKey)) {
    throw CryptoError(CryptoErrc::kUnsupported, "PKCS#8: key is not an EC key");
  }
  bool have_curve = false;
  if (!alg.at_end()) {
    read_curve(alg);
    have_curve = true;
  }
  alg.expect_end("trailing data in AlgorithmIdentifier");

  const ByteView private_key = info.read(kTagOctetString, "privateKey");
  if (info.next_is(kTagContext0)) info.read(kTagContext0, "attributes");
  std::optional<ByteView> outer_public;
  if (info.next_is(kTagContext1Prim)) {
    if (version != 1) bad_der("publicKey in a version 0 PrivateKeyInfo");
    outer_public = info.read(kTagContext1Prim, "publicKey");
  }
  info.expect_end("trailing data in PrivateKeyInfo");

  // ECPrivateKey (RFC 5915)
  DerReader ec_outer(private_key);
  DerReader ec(ec_outer.read(kTagSequence, "ECPrivateKey"));
  ec_outer.expect_end("trailing data after ECPrivateKey");
  if (read_small_uint(ec, "ECPrivateKey version") != 1) bad_der("ECPrivateKey version");
  const ByteView d = ec.read(kTagOctetString, "ECPrivateKey privateKey");
  // RFC 5915 demands exactly 32 bytes; some old encoders stripped leading zero bytes.
  if (d.empty() || d.size() > kP256ScalarSize) bad_der("private scalar length");
  if (ec.next_is(kTagContext0)) {
    DerReader params(ec.read(kTagContext0, "ECPrivateKey parameters"));
    read_curve(params);
    params.expect_end("trailing data in ECPrivateKey parameters");
    have_curve = true;
  }
  std::optional<ByteView> inner_public;
  if (ec.next_is(kTagContext1)) {
    DerReader pk(ec.read(kTagContext1, "ECPrivateKey publicKey"));
    inner_public = pk.read(kTagBitString, "ECPrivateKey publicKey");
    pk.expect_end("trailing data in ECPrivateKey publicKey");
  }
  ec.expect_end("trailing data in ECPrivateKey");
  if (!have_curve) bad_der("no curve parameters");

  SecretBytes scalar(kP256ScalarSize);
  std::copy(d.begin(), d.end(), scalar.data() + (kP256ScalarSize - d.size()));
  P256PrivateKey key = from_scalar(scalar.view());

  // Any embedded public key must be the one the scalar implies.
  const RawPoint& expected = key.public_key().raw();
  for (const auto& embedded : {inner_public, outer_public}) {
    if (!embedded) continue;
    const ByteView bits = *embedded;
    if (bits.empty() || bits[0] != 0) bad_der("public key BIT STRING");
    const ByteView point = bits.subspan(1);
    bool match = false;
    if (point.size() == kP256PointSize) {
      match = bytes_equal(point, expected);
    } else if (point.size() == 1 + 32 && (point[0] == 0x02 || point[0] == 0x03)) {
      const std::uint8_t prefix = 0x02 | (expected[kP256PointSize - 1] & 1);
      match =
          point[0] == prefix && std::equal(point.begin() + 1, point.end(), expected.begin() + 1);
    }
    if (!match) bad_der("embedded public key does not match the private key");
  }
  return key;
}

SecretBytes P256PrivateKey::scalar() const {
  if (!key_) throw CryptoError(CryptoErrc::kInvalidArgument, "P-256 key was moved from");
  BIGNUM* raw = nullptr;
  ossl::check(EVP_PKEY_get_bn_param(key_.get(), OSSL_PKEY_PARAM_PRIV_KEY, &raw),
              "EVP_PKEY_get_bn_param");
  const ossl::Bignum d(raw);
  SecretBytes out(kP256ScalarSize);
  if (BN_bn2binpad(d.get(), out.data(), static_cast<int>(out.size())) !=
      static_cast<int>(kP256ScalarSize)) {
    ossl::fail("BN_bn2binpad");
  }
  return out;
}

SecretBytes P256PrivateKey::to_pkcs8() const {
  const SecretBytes d = scalar();
  SecretBytes out(kP256Pkcs8Size);
  std::uint8_t* p = out.data();
  p = std::copy(std::begin(kPkcs8Prefix), std::end(kPkcs8Prefix), p);
  p = std::copy(d.view().begin(), d.view().end(), p);
  p = std::copy(std::begin(kPkcs8PublicPrefix), std::end(kPkcs8PublicPrefix), p);
  std::copy(public_.raw().begin(), public_.raw().end(), p);
  return out;
}

SecretBytes P256PrivateKey::ecdh(const P256PublicKey& peer) const {
  if (!key_ || !peer.key_) {
    throw CryptoError(CryptoErrc::kInvalidArgument, "P-256 key was moved from");
  }
  ossl::PkeyCtx ctx(ossl::check_ptr(EVP_PKEY_CTX_new_from_pkey(nullptr, key_.get(), nullptr),
                                    "EVP_PKEY_CTX_new_from_pkey"));
  ossl::check(EVP_PKEY_derive_init(ctx.get()), "EVP_PKEY_derive_init");
  ossl::check(EVP_PKEY_derive_set_peer_ex(ctx.get(), peer.key_.get(), 1),
              "EVP_PKEY_derive_set_peer_ex");
  SecretBytes out(kP256SharedSize);
  std::size_t len = out.size();
  ossl::check(EVP_PKEY_derive(ctx.get(), out.data(), &len), "EVP_PKEY_derive");
  if (len != kP256SharedSize) ossl::fail("EVP_PKEY_derive length");
  return out;
}

}  // namespace anonfs::crypto
