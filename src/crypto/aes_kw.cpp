// RFC 3394 AES-256 key wrap on OpenSSL's AES-256-WRAP cipher.
#include "anonfs/crypto/aes_kw.hpp"

#include <climits>

#include "anonfs/crypto/aes_gcm.hpp"
#include "anonfs/crypto/error.hpp"
#include "ossl.hpp"

namespace anonfs::crypto {

namespace {

// Generous upper bound; anon.li only ever wraps 32-byte keys.
constexpr std::size_t kMaxKeyData = 4096;

ossl::CipherCtx make_ctx(ByteView kek, bool encrypt) {
  if (kek.size() != kAesKeySize) {
    throw CryptoError(CryptoErrc::kInvalidLength, "AES-KW key must be 32 bytes");
  }
  ossl::Cipher cipher(ossl::check_ptr(EVP_CIPHER_fetch(nullptr, "AES-256-WRAP", nullptr),
                                      "EVP_CIPHER_fetch(AES-256-WRAP)"));
  ossl::CipherCtx ctx(ossl::check_ptr(EVP_CIPHER_CTX_new(), "EVP_CIPHER_CTX_new"));
  EVP_CIPHER_CTX_set_flags(ctx.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  ossl::check(
      EVP_CipherInit_ex2(ctx.get(), cipher.get(), kek.data(), nullptr, encrypt ? 1 : 0, nullptr),
      "EVP_CipherInit_ex2(AES-256-WRAP)");
  return ctx;
}

}  // namespace

Bytes aes_kw_wrap(ByteView kek, ByteView key_data) {
  if (key_data.size() < 2 * kAesKwBlockSize || key_data.size() % kAesKwBlockSize != 0 ||
      key_data.size() > kMaxKeyData) {
    throw CryptoError(CryptoErrc::kInvalidLength,
                      "AES-KW key data must be a multiple of 8 bytes, at least 16");
  }
  ossl::CipherCtx ctx = make_ctx(kek, true);
  Bytes out(key_data.size() + kAesKwOverhead);
  int len = 0;
  ossl::check(EVP_EncryptUpdate(ctx.get(), out.data(), &len, key_data.data(),
                                static_cast<int>(key_data.size())),
              "EVP_EncryptUpdate(AES-256-WRAP)");
  if (static_cast<std::size_t>(len) != out.size()) ossl::fail("AES-256-WRAP output size");
  int final_len = 0;
  ossl::check(EVP_EncryptFinal_ex(ctx.get(), out.data() + len, &final_len),
              "EVP_EncryptFinal_ex(AES-256-WRAP)");
  return out;
}

SecretBytes aes_kw_unwrap(ByteView kek, ByteView wrapped) {
  if (wrapped.size() < 3 * kAesKwBlockSize || wrapped.size() % kAesKwBlockSize != 0 ||
      wrapped.size() > kMaxKeyData + kAesKwOverhead) {
    throw CryptoError(CryptoErrc::kInvalidLength,
                      "AES-KW wrapped data must be a multiple of 8 bytes, at least 24");
  }
  ossl::CipherCtx ctx = make_ctx(kek, false);
  // OpenSSL writes up to the input size for unwrap; only the first size - 8 bytes are the key.
  SecretBytes out(wrapped.size());
  int len = 0;
  const int rc = EVP_DecryptUpdate(ctx.get(), out.data(), &len, wrapped.data(),
                                   static_cast<int>(wrapped.size()));
  if (rc <= 0 || static_cast<std::size_t>(len) != wrapped.size() - kAesKwOverhead) {
    ossl::clear_errors();
    throw CryptoError(CryptoErrc::kAuthenticationFailed,
                      "AES-KW unwrap: integrity check failed (wrong key or corrupted data)");
  }
  return SecretBytes(out.view().first(static_cast<std::size_t>(len)));
}

}  // namespace anonfs::crypto
