#include "drop_link.hpp"

#include <stdexcept>

#include "anonfs/api/anonli_client.hpp"
#include "anonfs/api/http_client.hpp"
#include "anonfs/crypto/drop_password.hpp"
#include "anonfs/crypto/error.hpp"
#include "secret_input.hpp"

namespace anonfs::cli {

void ensure_link_key(crypto::AnonLiDropLink& link,
                     const std::optional<std::string>& password_file) {
  if (link.key) return;
  crypto::SecretBytes password =
      password_file ? read_secret_file(*password_file) : prompt_secret("Drop password: ");
  api::HttpClient http;
  api::AnonliClient client(http, link.base, crypto::SecretBytes());
  const wire::DropMetadata meta = client.drop_metadata(link.drop_id);
  if (!meta.customKey || !meta.salt || !meta.customKeyData || !meta.customKeyIv) {
    throw std::runtime_error("the link has no key and the drop is not password-protected");
  }
  try {
    const crypto::DropKey key = crypto::unlock_drop_key(
        password.view(), {*meta.salt, *meta.customKeyData, *meta.customKeyIv});
    link.key = crypto::SecretBytes(key.bytes());
  } catch (const crypto::CryptoError& e) {
    if (e.code() == crypto::CryptoErrc::kWrongPassword) {
      throw std::runtime_error("wrong password for drop " + link.drop_id);
    }
    throw;
  }
}

}  // namespace anonfs::cli
