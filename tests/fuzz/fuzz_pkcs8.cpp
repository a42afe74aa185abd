// PKCS#8 P-256 private keys and raw/base64url public points (form keys, submissions).
#include "anonfs/crypto/error.hpp"
#include "anonfs/crypto/p256.hpp"
#include "fuzz_util.hpp"

using namespace anonfs;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const crypto::ByteView bytes(data, size);
  try {
    const crypto::P256PrivateKey key = crypto::P256PrivateKey::from_pkcs8(bytes);
    const crypto::SecretBytes der = key.to_pkcs8();
    (void)crypto::P256PrivateKey::from_pkcs8(der.view());
  } catch (const crypto::CryptoError&) {
  }
  try {
    (void)crypto::P256PublicKey::from_raw(bytes);
  } catch (const crypto::CryptoError&) {
  }
  try {
    (void)crypto::P256PublicKey::from_base64url(fuzz::as_text(data, size));
  } catch (const crypto::CryptoError&) {
  }
  return 0;
}
