// AES-256-GCM on OpenSSL EVP.
#include "anonfs/crypto/aes_gcm.hpp"

#include <climits>

#include "anonfs/crypto/error.hpp"
#include "ossl.hpp"

namespace anonfs::crypto {
namespace {

const EVP_CIPHER* gcm_cipher() {
  // Fetched once: implicit fetches on every init are measurably slower in OpenSSL 3.
  static const ossl::Cipher cipher(EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr));
  return ossl::check_ptr(cipher.get(), "EVP_CIPHER_fetch(AES-256-GCM)");
}

void check_params(ByteView key, ByteView iv, std::size_t tag_size) {
  if (key.size() != kAesKeySize) {
    throw CryptoError(CryptoErrc::kInvalidLength, "AES-GCM key must be 32 bytes");
  }
  if (iv.empty() || iv.size() > 128) {
    throw CryptoError(CryptoErrc::kInvalidLength, "AES-GCM IV length out of range");
  }
  if (tag_size < 4 || tag_size > kGcmTagSize) {
    throw CryptoError(CryptoErrc::kInvalidArgument, "AES-GCM tag length out of range");
  }
}

ossl::CipherCtx init(ByteView key, ByteView iv, bool encrypt) {
  ossl::CipherCtx ctx(ossl::check_ptr(EVP_CIPHER_CTX_new(), "EVP_CIPHER_CTX_new"));
  ossl::check(
      EVP_CipherInit_ex2(ctx.get(), gcm_cipher(), nullptr, nullptr, encrypt ? 1 : 0, nullptr),
      "EVP_CipherInit_ex2");
  if (iv.size() != kGcmIvSize) {
    ossl::check(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()),
                                    nullptr),
                "EVP_CTRL_GCM_SET_IVLEN");
  }
  ossl::check(EVP_CipherInit_ex2(ctx.get(), nullptr, key.data(), iv.data(), -1, nullptr),
              "EVP_CipherInit_ex2(key)");
  return ctx;
}

void feed_aad(EVP_CIPHER_CTX* ctx, ByteView aad) {
  std::size_t done = 0;
  while (done < aad.size()) {
    const int n = static_cast<int>(std::min<std::size_t>(aad.size() - done, INT_MAX / 2));
    int outl = 0;
    ossl::check(EVP_CipherUpdate(ctx, nullptr, &outl, aad.data() + done, n), "GCM AAD");
    done += static_cast<std::size_t>(n);
  }
}

void stream(EVP_CIPHER_CTX* ctx, const std::uint8_t* in, std::uint8_t* out, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    // Multiples of 16 keep OpenSSL from buffering partial blocks between calls.
    const int n = static_cast<int>(std::min<std::size_t>(size - done, (INT_MAX / 2) & ~15));
    int outl = 0;
    ossl::check(EVP_CipherUpdate(ctx, out + done, &outl, in + done, n), "GCM update");
    done += static_cast<std::size_t>(n);
  }
}

bool overlaps_partially(const std::uint8_t* a, const std::uint8_t* b, std::size_t n) {
  if (a == b || n == 0) return false;
  return (a < b + n) && (b < a + n);
}

}  // namespace

void gcm_encrypt(ByteView key, ByteView iv, ByteView aad, ByteView plaintext, MutableByteView out,
                 std::size_t tag_size) {
  check_params(key, iv, tag_size);
  if (out.size() < plaintext.size() + tag_size) {
    throw CryptoError(CryptoErrc::kInvalidArgument, "AES-GCM output buffer too small");
  }
  if (overlaps_partially(plaintext.data(), out.data(), plaintext.size())) {
    throw CryptoError(CryptoErrc::kInvalidArgument, "AES-GCM buffers overlap partially");
  }
  auto ctx = init(key, iv, true);
  feed_aad(ctx.get(), aad);
  stream(ctx.get(), plaintext.data(), out.data(), plaintext.size());
  int outl = 0;
  ossl::check(EVP_EncryptFinal_ex(ctx.get(), out.data() + plaintext.size(), &outl), "GCM final");
  ossl::check(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(tag_size),
                                  out.data() + plaintext.size()),
              "EVP_CTRL_GCM_GET_TAG");
}

bool gcm_decrypt(ByteView key, ByteView iv, ByteView aad, ByteView input, MutableByteView out,
                 std::size_t tag_size) {
  check_params(key, iv, tag_size);
  if (input.size() < tag_size) {
    throw CryptoError(CryptoErrc::kInvalidLength, "AES-GCM input shorter than its tag");
  }
  const std::size_t ct_size = input.size() - tag_size;
  if (out.size() < ct_size) {
    throw CryptoError(CryptoErrc::kInvalidArgument, "AES-GCM output buffer too small");
  }
  if (overlaps_partially(input.data(), out.data(), ct_size)) {
    throw CryptoError(CryptoErrc::kInvalidArgument, "AES-GCM buffers overlap partially");
  }
  // Copy the tag first: an in-place decryption never touches it, but be explicit.
  std::uint8_t tag[kGcmTagSize];
  std::copy(input.begin() + static_cast<std::ptrdiff_t>(ct_size), input.end(), tag);
  auto ctx = init(key, iv, false);
  feed_aad(ctx.get(), aad);
  stream(ctx.get(), input.data(), out.data(), ct_size);
  ossl::check(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(tag_size), tag),
              "EVP_CTRL_GCM_SET_TAG");
  int outl = 0;
  const int ok = EVP_DecryptFinal_ex(ctx.get(), out.data() + ct_size, &outl);
  if (ok != 1) {
    ossl::clear_errors();
    return false;
  }
  return true;
}

bool gcm_decrypt_in_place_or_restore(ByteView key, ByteView iv, ByteView aad,
                                     MutableByteView buffer, std::size_t tag_size) {
  if (gcm_decrypt(key, iv, aad, buffer, buffer, tag_size)) return true;
  // GCM's keystream is CTR: applying it again with the same key and IV restores the ciphertext.
  const std::size_t ct_size = buffer.size() - tag_size;
  auto ctx = init(key, iv, false);
  stream(ctx.get(), buffer.data(), buffer.data(), ct_size);
  return false;
}

Bytes gcm_seal(ByteView key, ByteView iv, ByteView aad, ByteView plaintext, std::size_t tag_size) {
  Bytes out(plaintext.size() + tag_size);
  gcm_encrypt(key, iv, aad, plaintext, out, tag_size);
  return out;
}

SecretBytes gcm_open(ByteView key, ByteView iv, ByteView aad, ByteView input,
                     std::size_t tag_size) {
  if (input.size() < tag_size) {
    throw CryptoError(CryptoErrc::kInvalidLength, "AES-GCM input shorter than its tag");
  }
  SecretBytes out(input.size() - tag_size);
  if (!gcm_decrypt(key, iv, aad, input, out.mutable_view(), tag_size)) {
    throw CryptoError(CryptoErrc::kAuthenticationFailed, "AES-GCM tag mismatch");
  }
  return out;
}

}  // namespace anonfs::crypto
