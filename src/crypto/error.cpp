// CryptoError names and the OpenSSL failure bridge.
#include "anonfs/crypto/error.hpp"

#include <openssl/err.h>

#include <array>

#include "ossl.hpp"

namespace anonfs::crypto {

const char* to_string(CryptoErrc code) noexcept {
  switch (code) {
    case CryptoErrc::kInvalidEncoding:
      return "invalid encoding";
    case CryptoErrc::kInvalidLength:
      return "invalid length";
    case CryptoErrc::kAuthenticationFailed:
      return "authentication failed";
    case CryptoErrc::kWrongPassword:
      return "wrong password";
    case CryptoErrc::kInvalidFormat:
      return "invalid format";
    case CryptoErrc::kUnsupported:
      return "unsupported";
    case CryptoErrc::kInvalidArgument:
      return "invalid argument";
    case CryptoErrc::kInternal:
      return "internal crypto error";
  }
  return "unknown crypto error";
}

namespace ossl {

void fail(const char* what) {
  std::array<char, 256> buf{};
  const unsigned long err = ERR_get_error();
  if (err != 0) ERR_error_string_n(err, buf.data(), buf.size());
  ERR_clear_error();
  throw CryptoError(CryptoErrc::kInternal, std::string(what) + " failed" +
                                               (err != 0 ? ": " + std::string(buf.data()) : ""));
}

}  // namespace ossl
}  // namespace anonfs::crypto
