// Internal: RAII owners for OpenSSL objects and the one place that turns OpenSSL failures into
// CryptoError. Not a public header; only src/crypto includes it.
#pragma once

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <memory>
#include <string>

#include "anonfs/crypto/error.hpp"

namespace anonfs::crypto::ossl {

template <auto Fn>
struct Deleter {
  template <typename T>
  void operator()(T* p) const noexcept {
    Fn(p);
  }
};

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, Deleter<&EVP_CIPHER_CTX_free>>;
using Cipher = std::unique_ptr<EVP_CIPHER, Deleter<&EVP_CIPHER_free>>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, Deleter<&EVP_MD_CTX_free>>;
using Pkey = std::unique_ptr<EVP_PKEY, Deleter<&EVP_PKEY_free>>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, Deleter<&EVP_PKEY_CTX_free>>;
using Mac = std::unique_ptr<EVP_MAC, Deleter<&EVP_MAC_free>>;
using MacCtx = std::unique_ptr<EVP_MAC_CTX, Deleter<&EVP_MAC_CTX_free>>;
using Kdf = std::unique_ptr<EVP_KDF, Deleter<&EVP_KDF_free>>;
using KdfCtx = std::unique_ptr<EVP_KDF_CTX, Deleter<&EVP_KDF_CTX_free>>;
using Bignum = std::unique_ptr<BIGNUM, Deleter<&BN_clear_free>>;
using BnCtx = std::unique_ptr<BN_CTX, Deleter<&BN_CTX_free>>;
using EcPoint = std::unique_ptr<EC_POINT, Deleter<&EC_POINT_free>>;
using EcGroup = std::unique_ptr<EC_GROUP, Deleter<&EC_GROUP_free>>;

// Throws CryptoError(kInternal) naming the failed call and OpenSSL's last error; clears the queue.
[[noreturn]] void fail(const char* what);

// Clears OpenSSL's thread-local error queue (after an expected failure such as a bad tag).
inline void clear_errors() noexcept {
  ERR_clear_error();
}

inline void check(int rc, const char* what) {
  if (rc != 1) fail(what);
}
template <typename T>
T* check_ptr(T* p, const char* what) {
  if (p == nullptr) fail(what);
  return p;
}

}  // namespace anonfs::crypto::ossl
