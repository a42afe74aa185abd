// Typed errors of the crypto layer. Every decoder and decryptor reports failure by throwing
// CryptoError with a code a caller can branch on and a message that never contains key material.
#pragma once

#include <stdexcept>
#include <string>

namespace anonfs::crypto {

enum class CryptoErrc {
  kInvalidEncoding,       // bad base64/base64url/hex, non-canonical encoding
  kInvalidLength,         // a field has the wrong length (key, IV, tag, point, blob)
  kAuthenticationFailed,  // GCM tag or AES-KW integrity check failed (wrong key or tampered data)
  kWrongPassword,         // a password-derived key did not open the data
  kInvalidFormat,         // structurally malformed input (JSON shape, DER, padding, URL)
  kUnsupported,           // well-formed but unsupported (version, parameters)
  kInvalidArgument,       // caller error (buffer sizes, out-of-range index)
  kInternal,              // the crypto library failed unexpectedly
};

const char* to_string(CryptoErrc code) noexcept;

class CryptoError : public std::runtime_error {
 public:
  CryptoError(CryptoErrc code, const std::string& what) : std::runtime_error(what), code_(code) {}
  CryptoErrc code() const noexcept { return code_; }

 private:
  CryptoErrc code_;
};

}  // namespace anonfs::crypto
