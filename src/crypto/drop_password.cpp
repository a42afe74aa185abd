// Password-protected drops (protocol spec §7).
#include "anonfs/crypto/drop_password.hpp"

#include <string>

#include "anonfs/crypto/aes_gcm.hpp"
#include "anonfs/crypto/argon2id.hpp"
#include "anonfs/crypto/base64.hpp"
#include "anonfs/crypto/error.hpp"
#include "anonfs/crypto/random.hpp"
#include "b64_fixed.hpp"

namespace anonfs::crypto {

DropPasswordFields protect_drop_key(const DropKey& key, ByteView password) {
  const Bytes salt = random_bytes(kDropPasswordSaltSize);
  const Bytes iv = random_bytes(kDropPasswordIvSize);
  return protect_drop_key(key, password, salt, iv);
}

DropPasswordFields protect_drop_key(const DropKey& key, ByteView password, ByteView salt,
                                    ByteView iv) {
  if (password.empty()) {
    throw CryptoError(CryptoErrc::kInvalidArgument, "drop password must not be empty");
  }
  if (salt.size() != kDropPasswordSaltSize) {
    throw CryptoError(CryptoErrc::kInvalidLength, "drop password salt must be 32 bytes");
  }
  if (iv.size() != kDropPasswordIvSize) {
    throw CryptoError(CryptoErrc::kInvalidLength, "drop password IV must be 12 bytes");
  }
  const SecretBytes kek = argon2id(password, salt);
  const SecretBytes key_string = key.to_string();
  return DropPasswordFields{
      .salt = base64url_encode(salt),
      .custom_key_data = base64url_encode(gcm_seal(kek.view(), iv, {}, key_string.view())),
      .custom_key_iv = base64url_encode(iv),
  };
}

SecretBytes unlock_drop_key_string(ByteView password, std::string_view salt,
                                   std::string_view custom_key_data,
                                   std::string_view custom_key_iv) {
  const Bytes salt_raw =
      detail::decode_fixed_b64url(salt, kDropPasswordSaltSize, "drop password salt");
  const Bytes iv_raw =
      detail::decode_fixed_b64url(custom_key_iv, kDropPasswordIvSize, "customKeyIv");
  if (custom_key_data.size() > kCustomKeyDataMaxChars) {
    throw CryptoError(CryptoErrc::kInvalidLength, "customKeyData too long");
  }
  const Bytes data = base64url_decode(custom_key_data);
  if (data.size() <= kGcmTagSize) {
    throw CryptoError(CryptoErrc::kInvalidLength, "customKeyData too short");
  }
  const SecretBytes kek = argon2id(password, salt_raw);
  SecretBytes key_string(data.size() - kGcmTagSize);
  if (!gcm_decrypt(kek.view(), iv_raw, {}, data, key_string.mutable_view())) {
    throw CryptoError(CryptoErrc::kWrongPassword,
                      "wrong drop password (or tampered customKeyData)");
  }
  return key_string;
}

DropKey unlock_drop_key(ByteView password, const DropPasswordFields& fields) {
  const SecretBytes key_string =
      unlock_drop_key_string(password, fields.salt, fields.custom_key_data, fields.custom_key_iv);
  return DropKey::parse(key_string.str());
}

}  // namespace anonfs::crypto
