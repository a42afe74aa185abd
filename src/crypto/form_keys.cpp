// Form owner-key wrap (§10.4) and form passwords (§12).
#include "anonfs/crypto/form_keys.hpp"

#include <algorithm>

#include "anonfs/crypto/aes_gcm.hpp"
#include "anonfs/crypto/argon2id.hpp"
#include "anonfs/crypto/base64.hpp"
#include "anonfs/crypto/error.hpp"
#include "anonfs/crypto/hash.hpp"
#include "anonfs/crypto/random.hpp"

namespace anonfs::crypto {

namespace {

constexpr std::size_t kMaxProofChars = 512;  // the server's customKeyProof limit (§9.7)

bool is_base64url_char(std::uint8_t c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

// base64url of secret bytes, straight into wiped storage.
SecretBytes base64url_encode_secret(ByteView raw) {
  std::string text = base64url_encode(raw);
  SecretBytes out = SecretBytes::from_string(text);
  secure_wipe(text.data(), text.size());
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// §10.4

std::string wrap_form_private_key(ByteView vault_key, ByteView pkcs8_der, ByteView iv) {
  if (iv.size() != kGcmIvSize) {
    throw CryptoError(CryptoErrc::kInvalidLength, "form key wrap IV must be 12 bytes");
  }
  Bytes blob(kGcmIvSize + pkcs8_der.size() + kGcmTagSize);
  std::copy(iv.begin(), iv.end(), blob.begin());
  gcm_encrypt(vault_key, iv, as_bytes(kFormOwnerKeyAad), pkcs8_der,
              MutableByteView(blob).subspan(kGcmIvSize));
  return base64url_encode(blob);
}

std::string wrap_form_private_key(ByteView vault_key, ByteView pkcs8_der) {
  const Bytes iv = random_bytes(kGcmIvSize);
  return wrap_form_private_key(vault_key, pkcs8_der, iv);
}

std::string wrap_form_private_key(ByteView vault_key, const P256PrivateKey& key) {
  const SecretBytes der = key.to_pkcs8();
  return wrap_form_private_key(vault_key, der.view());
}

SecretBytes unwrap_form_private_key_der(ByteView vault_key, std::string_view wrapped) {
  const Bytes blob = base64url_decode(wrapped);
  if (blob.size() <= kGcmIvSize) {
    throw CryptoError(CryptoErrc::kInvalidLength, "wrapped form key is too short");
  }
  if (blob.size() < kGcmIvSize + kGcmTagSize) {
    throw CryptoError(CryptoErrc::kInvalidLength, "wrapped form key is shorter than IV and tag");
  }
  const ByteView all(blob);
  return gcm_open(vault_key, all.first(kGcmIvSize), as_bytes(kFormOwnerKeyAad),
                  all.subspan(kGcmIvSize));
}

P256PrivateKey unwrap_form_private_key(ByteView vault_key, std::string_view wrapped) {
  const SecretBytes der = unwrap_form_private_key_der(vault_key, wrapped);
  return P256PrivateKey::from_pkcs8(der.view());
}

// ---------------------------------------------------------------------------------------------
// §12

FormPasswordSetup create_form_password(ByteView password, ByteView salt, ByteView iv,
                                       ByteView witness_raw) {
  if (password.empty()) {
    throw CryptoError(CryptoErrc::kInvalidArgument, "form password must not be empty");
  }
  if (salt.size() != kFormPasswordSaltSize) {
    throw CryptoError(CryptoErrc::kInvalidLength, "form password salt must be 32 bytes");
  }
  if (iv.size() != kFormPasswordIvSize) {
    throw CryptoError(CryptoErrc::kInvalidLength, "form password IV must be 12 bytes");
  }
  if (witness_raw.size() != kFormWitnessSize) {
    throw CryptoError(CryptoErrc::kInvalidLength, "form password witness must be 32 bytes");
  }
  SecretBytes witness = base64url_encode_secret(witness_raw);
  const SecretBytes key = argon2id(password, salt);
  const Bytes data = gcm_seal(key.view(), iv, {}, witness.view());
  return FormPasswordSetup{
      .salt = base64url_encode(salt),
      .custom_key_data = base64url_encode(data),
      .custom_key_iv = base64url_encode(iv),
      .custom_key_verifier = form_proof_verifier(witness.view()),
      .witness = std::move(witness),
  };
}

FormPasswordSetup create_form_password(ByteView password) {
  const Bytes salt = random_bytes(kFormPasswordSaltSize);
  const Bytes iv = random_bytes(kFormPasswordIvSize);
  const SecretBytes witness_raw = random_secret(kFormWitnessSize);
  return create_form_password(password, salt, iv, witness_raw.view());
}

SecretBytes derive_form_proof(ByteView password, std::string_view salt,
                              std::string_view custom_key_data, std::string_view custom_key_iv) {
  // Validate everything before spending 64 MiB of Argon2id.
  const Bytes salt_raw = base64url_decode_exact(salt, kFormPasswordSaltSize);
  const Bytes iv_raw = base64url_decode_exact(custom_key_iv, kFormPasswordIvSize);
  if (custom_key_data.size() > kFormCustomKeyDataMaxChars + 2) {
    throw CryptoError(CryptoErrc::kInvalidLength, "customKeyData is too long");
  }
  const Bytes data = base64url_decode(custom_key_data);
  if (data.size() <= kGcmTagSize) {
    throw CryptoError(CryptoErrc::kInvalidLength, "customKeyData is too short");
  }
  const SecretBytes key = argon2id(password, salt_raw);
  SecretBytes proof(data.size() - kGcmTagSize);
  if (!gcm_decrypt(key.view(), iv_raw, {}, data, proof.mutable_view())) {
    throw CryptoError(CryptoErrc::kWrongPassword, "wrong form password");
  }
  const ByteView p = proof.view();
  if (p.size() > kMaxProofChars || !std::all_of(p.begin(), p.end(), is_base64url_char)) {
    throw CryptoError(CryptoErrc::kInvalidFormat, "decrypted form witness is not base64url");
  }
  return proof;
}

std::string form_proof_verifier(ByteView proof) {
  return base64url_encode(sha256(proof));
}

bool verify_form_proof(ByteView proof, std::string_view verifier) {
  const std::string expected = form_proof_verifier(proof);
  return constant_time_equal(as_bytes(expected), as_bytes(verifier));
}

}  // namespace anonfs::crypto
