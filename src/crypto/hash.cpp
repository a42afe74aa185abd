// SHA-256, HMAC-SHA256, PBKDF2 and HKDF on OpenSSL 3.
#include "anonfs/crypto/hash.hpp"

#include <openssl/core_names.h>
#include <openssl/params.h>

#include "anonfs/crypto/error.hpp"
#include "ossl.hpp"

namespace anonfs::crypto {

Digest256 sha256(ByteView data) {
  Digest256 out{};
  unsigned int len = 0;
  ossl::check(EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr),
              "EVP_Digest(SHA-256)");
  return out;
}

Digest256 hmac_sha256(ByteView key, ByteView data) {
  Digest256 out{};
  std::size_t len = 0;
  static const std::uint8_t kEmpty = 0;
  const std::uint8_t* k = key.empty() ? &kEmpty : key.data();
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, k, key.size(), data.data(),
                data.size(), out.data(), out.size(), &len) == nullptr) {
    ossl::fail("EVP_Q_mac(HMAC-SHA256)");
  }
  return out;
}

SecretBytes pbkdf2(HashAlg alg, ByteView password, ByteView salt, unsigned iterations,
                   std::size_t out_size) {
  if (iterations == 0 || out_size == 0) {
    throw CryptoError(CryptoErrc::kInvalidArgument, "PBKDF2: zero iterations or output size");
  }
  SecretBytes out(out_size);
  const EVP_MD* md = alg == HashAlg::kSha1 ? EVP_sha1() : EVP_sha256();
  static const char kEmpty = 0;
  const char* pw = password.empty() ? &kEmpty : reinterpret_cast<const char*>(password.data());
  ossl::check(PKCS5_PBKDF2_HMAC(pw, static_cast<int>(password.size()), salt.data(),
                                static_cast<int>(salt.size()), static_cast<int>(iterations), md,
                                static_cast<int>(out_size), out.data()),
              "PKCS5_PBKDF2_HMAC");
  return out;
}

SecretBytes hkdf_sha256(ByteView ikm, ByteView salt, ByteView info, std::size_t out_size) {
  ossl::Kdf kdf(ossl::check_ptr(EVP_KDF_fetch(nullptr, "HKDF", nullptr), "EVP_KDF_fetch(HKDF)"));
  ossl::KdfCtx ctx(ossl::check_ptr(EVP_KDF_CTX_new(kdf.get()), "EVP_KDF_CTX_new"));
  char digest[] = "SHA256";
  // OSSL_PARAM takes non-const pointers but does not modify the buffers.
  auto* ikm_p = const_cast<std::uint8_t*>(ikm.data());
  auto* salt_p = const_cast<std::uint8_t*>(salt.data());
  auto* info_p = const_cast<std::uint8_t*>(info.data());
  OSSL_PARAM params[5];
  std::size_t n = 0;
  params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
  params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, ikm_p, ikm.size());
  if (!salt.empty()) {
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt_p, salt.size());
  }
  params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info_p, info.size());
  params[n++] = OSSL_PARAM_construct_end();
  SecretBytes out(out_size);
  ossl::check(EVP_KDF_derive(ctx.get(), out.data(), out.size(), params), "EVP_KDF_derive(HKDF)");
  return out;
}

}  // namespace anonfs::crypto
