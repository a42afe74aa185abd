// Secrets formats from untrusted servers: SJCL JSON (password.link) and EnigmaCrypt blobs
// (CBC, no tag: the JSON/version check must reject garbage). Typed errors only.
#include "anonfs/crypto/enigmacrypt.hpp"
#include "anonfs/crypto/error.hpp"
#include "anonfs/crypto/sjcl.hpp"
#include "fuzz_util.hpp"

using namespace anonfs;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  const std::string_view password = "correct horse battery staple";
  try {
    const crypto::SjclBlob blob = crypto::sjcl_parse(text);
    (void)crypto::sjcl_decrypt(blob, crypto::as_bytes(password));
  } catch (const crypto::CryptoError&) {
  }
  try {
    (void)crypto::enigma_decrypt(text, crypto::as_bytes(password));
  } catch (const crypto::CryptoError&) {
  }
  return 0;
}
