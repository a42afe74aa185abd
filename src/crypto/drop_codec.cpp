// Drop chunk codec and metadata strings (protocol spec §5).
#include "anonfs/crypto/drop_codec.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <utility>

#include "anonfs/crypto/aes_gcm.hpp"
#include "anonfs/crypto/base64.hpp"
#include "anonfs/crypto/error.hpp"
#include "anonfs/crypto/random.hpp"
#include "b64_fixed.hpp"

namespace anonfs::crypto {

namespace {

constexpr std::string_view kLegacyKeyPrefix = "derived:";

// Attempt order: the hint (if any) first, then the other scheme; default X, L.
std::array<NonceScheme, 2> scheme_order(std::optional<NonceScheme> hint) {
  const NonceScheme first = hint.value_or(NonceScheme::kX);
  return {first, other_scheme(first)};
}

void check_chunk_index(std::uint32_t index) {
  if (index >= kMessageDomain) {
    throw CryptoError(CryptoErrc::kInvalidArgument,
                      "drop chunk index " + std::to_string(index) + " is a reserved nonce domain");
  }
}

[[noreturn]] void throw_chunk_failed(std::uint32_t index) {
  throw CryptoError(CryptoErrc::kAuthenticationFailed,
                    "drop chunk " + std::to_string(index) +
                        ": authentication failed (wrong key or corrupted data)");
}

bool overlaps(const std::uint8_t* a, std::size_t a_size, const std::uint8_t* b,
              std::size_t b_size) noexcept {
  if (a_size == 0 || b_size == 0) return false;
  // Compare as integers: relational operators on unrelated pointers are unspecified.
  const auto ua = reinterpret_cast<std::uintptr_t>(a);
  const auto ub = reinterpret_cast<std::uintptr_t>(b);
  return ua < ub + b_size && ub < ua + a_size;
}

Bytes decode_encrypted_text(std::string_view encrypted, const char* what) {
  if (encrypted.size() > kMaxEncryptedTextChars) {
    throw CryptoError(CryptoErrc::kInvalidLength, std::string("encrypted ") + what + " too long");
  }
  Bytes raw = base64url_decode(encrypted);
  if (raw.size() < kDropTagSize) {
    throw CryptoError(CryptoErrc::kInvalidLength,
                      std::string("encrypted ") + what + " shorter than a GCM tag");
  }
  return raw;
}

std::string encrypt_text(const DropKey& key, const DropIv& iv, std::uint32_t domain,
                         std::string_view text, std::size_t max_bytes, const char* what) {
  if (text.size() > max_bytes) {
    throw CryptoError(CryptoErrc::kInvalidArgument,
                      std::string(what) + " longer than " + std::to_string(max_bytes) + " bytes");
  }
  if (!is_valid_utf8(text)) {
    throw CryptoError(CryptoErrc::kInvalidArgument, std::string(what) + " is not valid UTF-8");
  }
  const DropNonce nonce = derive_nonce(iv, domain, NonceScheme::kL);
  Bytes out(text.size() + kDropTagSize);
  gcm_encrypt(key.bytes(), nonce, {}, as_bytes(text), out);
  return base64url_encode(out);
}

// Tries every (domain, scheme) pair in order; returns the first that verifies.
template <std::size_t N>
DecryptedText decrypt_text(const DropKey& key, const DropIv& iv,
                           const std::array<std::uint32_t, N>& domains, std::string_view encrypted,
                           std::optional<NonceScheme> hint, const char* what) {
  const Bytes raw = decode_encrypted_text(encrypted, what);
  std::string plain(raw.size() - kDropTagSize, '\0');
  MutableByteView out(reinterpret_cast<std::uint8_t*>(plain.data()), plain.size());
  for (const std::uint32_t domain : domains) {
    for (const NonceScheme scheme : scheme_order(hint)) {
      const DropNonce nonce = derive_nonce(iv, domain, scheme);
      if (gcm_decrypt(key.bytes(), nonce, {}, raw, out)) {
        if (!is_valid_utf8(plain)) {
          throw CryptoError(CryptoErrc::kInvalidFormat,
                            std::string("decrypted ") + what + " is not valid UTF-8");
        }
        return DecryptedText{std::move(plain), scheme, domain};
      }
    }
  }
  throw CryptoError(
      CryptoErrc::kAuthenticationFailed,
      std::string("encrypted ") + what + ": authentication failed (wrong key or corrupted data)");
}

}  // namespace

// ---- DropKey ------------------------------------------------------------------------------

DropKey DropKey::generate() {
  return DropKey(random_secret(kDropKeySize));
}

DropKey DropKey::from_bytes(ByteView raw) {
  if (raw.size() != kDropKeySize) {
    throw CryptoError(CryptoErrc::kInvalidLength, "drop key must be 32 bytes");
  }
  return DropKey(SecretBytes(raw));
}

DropKey DropKey::parse(std::string_view key_string) {
  std::string_view encoded = key_string;
  if (key_string.starts_with(kLegacyKeyPrefix)) {
    // derived:<salt>:<key>; exactly three components.
    const std::string_view rest = key_string.substr(kLegacyKeyPrefix.size());
    const std::size_t colon = rest.find(':');
    if (colon == std::string_view::npos || rest.find(':', colon + 1) != std::string_view::npos) {
      throw CryptoError(CryptoErrc::kInvalidFormat,
                        "legacy drop key string must be derived:<salt>:<key>");
    }
    encoded = rest.substr(colon + 1);
  }
  return DropKey(detail::decode_fixed_b64url_secret(encoded, kDropKeySize, "drop key string"));
}

SecretBytes DropKey::to_string() const {
  std::string encoded = base64url_encode(key_.view());
  SecretBytes result = SecretBytes::from_string(encoded);
  secure_wipe(encoded.data(), encoded.size());
  return result;
}

// ---- IVs ----------------------------------------------------------------------------------

DropIv parse_drop_iv(std::string_view text) {
  const Bytes raw = detail::decode_fixed_b64url(text, kDropIvSize, "drop IV");
  DropIv iv{};
  std::copy(raw.begin(), raw.end(), iv.begin());
  return iv;
}

std::string format_drop_iv(const DropIv& iv) {
  return base64url_encode(iv);
}

DropIv generate_drop_iv() {
  DropIv iv{};
  random_fill(iv);
  return iv;
}

// ---- Chunks -------------------------------------------------------------------------------

void encrypt_chunk(const DropKey& key, const DropIv& file_iv, std::uint32_t index,
                   ByteView plaintext, MutableByteView out) {
  check_chunk_index(index);
  if (out.size() != plaintext.size() + kDropTagSize) {
    throw CryptoError(CryptoErrc::kInvalidArgument,
                      "drop chunk output must be plaintext size + 16 bytes");
  }
  if (out.data() != plaintext.data() &&
      overlaps(out.data(), out.size(), plaintext.data(), plaintext.size())) {
    throw CryptoError(CryptoErrc::kInvalidArgument, "drop chunk buffers partially overlap");
  }
  const DropNonce nonce = derive_nonce(file_iv, index, NonceScheme::kL);
  gcm_encrypt(key.bytes(), nonce, {}, plaintext, out);
}

MutableByteView encrypt_chunk_in_place(const DropKey& key, const DropIv& file_iv,
                                       std::uint32_t index, MutableByteView buffer,
                                       std::size_t plaintext_size) {
  if (plaintext_size > buffer.size() || buffer.size() - plaintext_size < kDropTagSize) {
    throw CryptoError(CryptoErrc::kInvalidArgument,
                      "drop chunk buffer has no room for the 16-byte tag");
  }
  const MutableByteView out = buffer.first(plaintext_size + kDropTagSize);
  encrypt_chunk(key, file_iv, index, buffer.first(plaintext_size), out);
  return out;
}

NonceScheme decrypt_chunk(const DropKey& key, const DropIv& file_iv, std::uint32_t index,
                          ByteView ciphertext, MutableByteView out,
                          std::optional<NonceScheme> hint) {
  check_chunk_index(index);
  if (ciphertext.size() < kDropTagSize) {
    throw CryptoError(CryptoErrc::kInvalidLength,
                      "drop chunk " + std::to_string(index) + " shorter than a GCM tag");
  }
  if (out.size() != ciphertext.size() - kDropTagSize) {
    throw CryptoError(CryptoErrc::kInvalidArgument,
                      "drop chunk output must be ciphertext size - 16 bytes");
  }
  if (out.data() == ciphertext.data() && !out.empty()) {
    // Same memory: decrypt in place, restoring the ciphertext between attempts.
    return decrypt_chunk_in_place(key, file_iv, index,
                                  MutableByteView(out.data(), ciphertext.size()), hint);
  }
  if (overlaps(out.data(), out.size(), ciphertext.data(), ciphertext.size())) {
    throw CryptoError(CryptoErrc::kInvalidArgument, "drop chunk buffers partially overlap");
  }
  for (const NonceScheme scheme : scheme_order(hint)) {
    const DropNonce nonce = derive_nonce(file_iv, index, scheme);
    if (gcm_decrypt(key.bytes(), nonce, {}, ciphertext, out)) return scheme;
  }
  throw_chunk_failed(index);
}

NonceScheme decrypt_chunk_in_place(const DropKey& key, const DropIv& file_iv, std::uint32_t index,
                                   MutableByteView buffer, std::optional<NonceScheme> hint) {
  check_chunk_index(index);
  if (buffer.size() < kDropTagSize) {
    throw CryptoError(CryptoErrc::kInvalidLength,
                      "drop chunk " + std::to_string(index) + " shorter than a GCM tag");
  }
  for (const NonceScheme scheme : scheme_order(hint)) {
    const DropNonce nonce = derive_nonce(file_iv, index, scheme);
    if (gcm_decrypt_in_place_or_restore(key.bytes(), nonce, {}, buffer)) return scheme;
  }
  throw_chunk_failed(index);
}

// ---- Metadata strings ---------------------------------------------------------------------

std::string encrypt_name(const DropKey& key, const DropIv& file_iv, std::string_view name) {
  return encrypt_text(key, file_iv, kNameDomain, name, kMaxNameBytes, "filename");
}

DecryptedText decrypt_name(const DropKey& key, const DropIv& file_iv, std::string_view encrypted,
                           std::optional<NonceScheme> hint) {
  return decrypt_text(key, file_iv, std::array{kNameDomain}, encrypted, hint, "filename");
}

std::string encrypt_title(const DropKey& key, const DropIv& drop_iv, std::string_view title) {
  return encrypt_text(key, drop_iv, kNameDomain, title, kMaxTitleBytes, "title");
}

DecryptedText decrypt_title(const DropKey& key, const DropIv& drop_iv, std::string_view encrypted,
                            std::optional<NonceScheme> hint) {
  return decrypt_text(key, drop_iv, std::array{kNameDomain}, encrypted, hint, "title");
}

std::string encrypt_message(const DropKey& key, const DropIv& drop_iv, std::string_view message) {
  return encrypt_text(key, drop_iv, kMessageDomain, message, kMaxMessageBytes, "message");
}

DecryptedText decrypt_message(const DropKey& key, const DropIv& drop_iv, std::string_view encrypted,
                              std::optional<NonceScheme> hint) {
  return decrypt_text(key, drop_iv, std::array{kMessageDomain, kNameDomain}, encrypted, hint,
                      "message");
}

// ---- UTF-8 --------------------------------------------------------------------------------

bool is_valid_utf8(std::string_view text) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* const end = p + text.size();
  while (p < end) {
    const unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    std::size_t len = 0;
    unsigned char lo = 0x80;  // allowed range of the second byte
    unsigned char hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;  // overlong
      if (c == 0xED) hi = 0x9F;  // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;  // overlong
      if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
    } else {
      return false;  // continuation byte, overlong 2-byte lead, or 0xF5..0xFF
    }
    if (static_cast<std::size_t>(end - p) < len) return false;
    if (p[1] < lo || p[1] > hi) return false;
    for (std::size_t i = 2; i < len; ++i) {
      if (p[i] < 0x80 || p[i] > 0xBF) return false;
    }
    p += len;
  }
  return true;
}

}  // namespace anonfs::crypto
