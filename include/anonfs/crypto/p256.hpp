// P-256 (secp256r1) keys for anon.li forms (§10.1): raw uncompressed public points, PKCS#8 private
// keys in the exact layout WebCrypto/Node export, and ECDH returning the shared X coordinate.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "anonfs/crypto/bytes.hpp"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY; kept out of the public header.

namespace anonfs::crypto {

inline constexpr std::size_t kP256ScalarSize = 32;  // private scalar, big-endian
inline constexpr std::size_t kP256PointSize = 65;   // 0x04 || X || Y
inline constexpr std::size_t kP256SharedSize = 32;  // ECDH output: the X coordinate
inline constexpr std::size_t kP256Pkcs8Size = 138;  // the layout to_pkcs8() emits

namespace detail {
struct PkeyFree {
  void operator()(::evp_pkey_st* key) const noexcept;
};
using PkeyPtr = std::unique_ptr<::evp_pkey_st, PkeyFree>;
}  // namespace detail

// A validated point on P-256 (never the point at infinity). Cheap to copy (reference counted).
class P256PublicKey {
 public:
  // Parses a raw uncompressed SEC1 point. Throws CryptoError: kInvalidLength unless 65 bytes,
  // kInvalidFormat if the prefix is not 0x04 or the point is not on the curve.
  static P256PublicKey from_raw(ByteView point);
  // Same, from base64url (the 87-character `publicKey` / `ephemeralPubKey` fields; padding is
  // tolerated). Bad base64url → kInvalidEncoding.
  static P256PublicKey from_base64url(std::string_view text);

  P256PublicKey(const P256PublicKey& other);
  P256PublicKey& operator=(const P256PublicKey& other);
  P256PublicKey(P256PublicKey&&) noexcept = default;
  P256PublicKey& operator=(P256PublicKey&&) noexcept = default;
  ~P256PublicKey() = default;

  // The 65-byte uncompressed point 0x04 || X || Y.
  const std::array<std::uint8_t, kP256PointSize>& raw() const noexcept { return raw_; }
  ByteView view() const noexcept { return {raw_.data(), raw_.size()}; }
  // base64url without padding (87 characters).
  std::string to_base64url() const;

  friend bool operator==(const P256PublicKey& a, const P256PublicKey& b) noexcept {
    return a.raw_ == b.raw_;
  }

 private:
  friend class P256PrivateKey;
  P256PublicKey(detail::PkeyPtr key, const std::array<std::uint8_t, kP256PointSize>& raw);

  detail::PkeyPtr key_;
  std::array<std::uint8_t, kP256PointSize> raw_{};
};

// A P-256 private key (scalar in [1, n-1]) with its public point. Move-only; every copy of the
// scalar that passes through this class's buffers is held in SecretBytes.
class P256PrivateKey {
 public:
  // A fresh key from OpenSSL's CSPRNG.
  static P256PrivateKey generate();
  // From a raw big-endian 32-byte scalar (test vectors). Throws kInvalidLength unless 32 bytes,
  // kInvalidFormat if the scalar is 0 or >= the group order n.
  static P256PrivateKey from_scalar(ByteView scalar);
  // From PKCS#8 PrivateKeyInfo DER (RFC 5208 / RFC 5958 v1 or v2) holding an RFC 5915
  // ECPrivateKey with the named curve prime256v1. The optional ECPrivateKey [0] parameters and
  // [1] public key (and OneAsymmetricKey attributes / public key) are accepted; when a public key
  // is embedded it must match the scalar. Strict DER: no trailing bytes, minimal lengths.
  // Throws kInvalidFormat on malformed DER, a bad scalar or a mismatched public key, and
  // kUnsupported for a well-formed key of another algorithm or curve.
  static P256PrivateKey from_pkcs8(ByteView der);

  P256PrivateKey(P256PrivateKey&&) noexcept = default;
  P256PrivateKey& operator=(P256PrivateKey&&) noexcept = default;
  P256PrivateKey(const P256PrivateKey&) = delete;
  P256PrivateKey& operator=(const P256PrivateKey&) = delete;
  ~P256PrivateKey() = default;

  // The 138-byte PKCS#8 that WebCrypto exportKey("pkcs8") produces under Node 20 (§10.1):
  // PKCS#8 v0, id-ecPublicKey + prime256v1, ECPrivateKey v1 with the 32-byte scalar, no [0]
  // parameters, [1] public key present.
  SecretBytes to_pkcs8() const;
  // The big-endian 32-byte scalar.
  SecretBytes scalar() const;
  const P256PublicKey& public_key() const noexcept { return public_; }

  // ECDH with `peer`: the 32-byte big-endian X coordinate of d·Q (WebCrypto deriveBits 256).
  SecretBytes ecdh(const P256PublicKey& peer) const;

 private:
  P256PrivateKey(detail::PkeyPtr key, P256PublicKey pub);

  detail::PkeyPtr key_;
  P256PublicKey public_;
};

}  // namespace anonfs::crypto
