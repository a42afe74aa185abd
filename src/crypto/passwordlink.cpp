// password.link split passwords and secret sealing (secrets-protocols.md §2.4–§2.7).

#include "anonfs/crypto/passwordlink.hpp"

#include <cstdint>
#include <string>

#include "anonfs/crypto/base64.hpp"
#include "anonfs/crypto/error.hpp"
#include "anonfs/crypto/random.hpp"
#include "utf8.hpp"

namespace anonfs::crypto {
namespace {

static_assert(kPasswordLinkAlphabet.size() == 90);
static_assert(base64_encoded_size(kPasswordLinkHalfSize) == kPasswordLinkHalfB64Size);

// The JSON text of a document this client accepts is bounded by kSjclMaxJsonSize.
constexpr std::size_t kMaxCiphertextB64 = base64_encoded_size(kSjclMaxJsonSize);

[[noreturn]] void fail(CryptoErrc code, const char* what) {
  throw CryptoError(code, std::string("password.link: ") + what);
}

SecretBytes random_half() {
  SecretBytes out(kPasswordLinkHalfSize);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const std::uint32_t idx =
        random_uniform(static_cast<std::uint32_t>(kPasswordLinkAlphabet.size()));
    out.data()[i] = static_cast<std::uint8_t>(kPasswordLinkAlphabet[idx]);
  }
  return out;
}

// base64 of a secret, kept in wiped storage. The encoder's temporary std::string is wiped too.
SecretBytes base64_secret(ByteView data) {
  std::string text = base64_encode(data);
  SecretBytes out = SecretBytes::from_string(text);
  secure_wipe(text.data(), text.size());
  return out;
}

}  // namespace

PasswordLinkHalves passwordlink_generate_halves() {
  return {random_half(), random_half()};
}

SecretBytes passwordlink_decode_half(std::string_view half_b64) {
  // 18 bytes are exactly 24 characters; checking first keeps the decoder's error precise.
  if (half_b64.size() != kPasswordLinkHalfB64Size) {
    fail(CryptoErrc::kInvalidLength, "a password half must be base64 of 18 bytes");
  }
  Bytes raw = base64_decode(half_b64, Padding::kRequired);
  SecretBytes half = SecretBytes::adopt(std::move(raw));
  if (half.size() != kPasswordLinkHalfSize) {
    fail(CryptoErrc::kInvalidLength, "a password half must be base64 of 18 bytes");
  }
  return half;
}

SecretBytes passwordlink_password(ByteView private_part, ByteView public_part) {
  // Each byte b is one JS character U+00bb; UTF-8 turns b >= 0x80 into two bytes.
  std::size_t size = 0;
  for (ByteView part : {private_part, public_part}) {
    for (std::uint8_t b : part)
      size += b < 0x80 ? 1 : 2;
  }
  SecretBytes out(size);
  std::size_t n = 0;
  for (ByteView part : {private_part, public_part}) {
    for (std::uint8_t b : part) {
      if (b < 0x80) {
        out.data()[n++] = b;
      } else {
        out.data()[n++] = static_cast<std::uint8_t>(0xC0 | (b >> 6));
        out.data()[n++] = static_cast<std::uint8_t>(0x80 | (b & 0x3F));
      }
    }
  }
  return out;
}

PasswordLinkSealed passwordlink_seal(ByteView plaintext, const SjclParams& params) {
  const PasswordLinkHalves halves = passwordlink_generate_halves();
  return passwordlink_seal(plaintext, halves, params);
}

PasswordLinkSealed passwordlink_seal(ByteView plaintext, const PasswordLinkHalves& halves,
                                     const SjclParams& params) {
  if (halves.private_part.size() != kPasswordLinkHalfSize ||
      halves.public_part.size() != kPasswordLinkHalfSize) {
    fail(CryptoErrc::kInvalidLength, "each password half must be 18 bytes");
  }
  if (!detail::is_valid_utf8(plaintext)) fail(CryptoErrc::kInvalidArgument, "plaintext not UTF-8");
  const SecretBytes password =
      passwordlink_password(halves.private_part.view(), halves.public_part.view());
  const std::string json = sjcl_encrypt(password.view(), plaintext, params);
  return PasswordLinkSealed{base64_encode(as_bytes(json)),
                            base64_secret(halves.private_part.view()),
                            base64_secret(halves.public_part.view())};
}

SecretBytes passwordlink_open(std::string_view ciphertext_b64,
                              std::string_view password_part_private_b64,
                              std::string_view public_part_b64) {
  const SecretBytes private_part = passwordlink_decode_half(password_part_private_b64);
  const SecretBytes public_part = passwordlink_decode_half(public_part_b64);
  if (ciphertext_b64.size() > kMaxCiphertextB64) {
    fail(CryptoErrc::kInvalidLength, "ciphertext too large");
  }
  // btoa output is padded; tolerate producers that strip the padding.
  const Bytes json = base64_decode(ciphertext_b64, Padding::kOptional);
  const SecretBytes password = passwordlink_password(private_part.view(), public_part.view());
  return sjcl_decrypt(as_chars(json), password.view());
}

}  // namespace anonfs::crypto
