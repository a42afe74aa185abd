// base64 / base64url decoders on arbitrary text: typed errors only, and decode(encode(x)) == x.
#include "anonfs/crypto/base64.hpp"
#include "anonfs/crypto/error.hpp"
#include "fuzz_util.hpp"

using namespace anonfs;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  for (auto padding : {crypto::Padding::kRequired, crypto::Padding::kOptional}) {
    try {
      const crypto::Bytes decoded = crypto::base64_decode(text, padding);
      fuzz::require(crypto::base64_decode(crypto::base64_encode(decoded)) == decoded);
    } catch (const crypto::CryptoError&) {
    }
    try {
      const crypto::Bytes decoded = crypto::base64url_decode(text, padding);
      fuzz::require(crypto::base64url_decode(crypto::base64url_encode(decoded)) == decoded);
    } catch (const crypto::CryptoError&) {
    }
  }
  try {
    const crypto::Bytes exact = crypto::base64url_decode_exact(text, 32);
    fuzz::require(exact.size() == 32);
  } catch (const crypto::CryptoError&) {
  }
  const crypto::Bytes raw(data, data + size);
  fuzz::require(crypto::base64_decode(crypto::base64_encode(raw)) == raw);
  fuzz::require(crypto::base64url_decode(crypto::base64url_encode(raw)) == raw);
  return 0;
}
