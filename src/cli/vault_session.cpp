#include "vault_session.hpp"

#include <stdexcept>

#include "anonfs/api/api_error.hpp"
#include "anonfs/crypto/error.hpp"

namespace anonfs::cli {

crypto::VaultKey unlock_vault(api::AnonliClient& client, const std::string& email,
                              const crypto::SecretBytes& password) {
  return unlock_vault_identity(client, email, password).key;
}

UnlockedVault unlock_vault_identity(api::AnonliClient& client, const std::string& email,
                                    const crypto::SecretBytes& password) {
  const wire::VaultBootstrapResponse boot = client.vault_bootstrap(email);
  const crypto::SecretBytes auth_secret =
      crypto::derive_vault_auth_secret(password.view(), boot.authSalt, boot.kdfVersion);
  wire::VaultUnlockResponse unlocked;
  try {
    unlocked = client.vault_unlock(auth_secret.str());
  } catch (const api::ApiError& e) {
    if (e.status() == 401) throw std::runtime_error("wrong vault password");
    if (e.status() == 404) throw std::runtime_error("this account has no vault yet");
    throw;
  }
  try {
    return UnlockedVault{
        crypto::unlock_vault_key(password.view(), unlocked.vault_salt,
                                 unlocked.password_wrapped_vault_key, unlocked.kdf_version),
        unlocked.vault_id, unlocked.vault_generation};
  } catch (const crypto::CryptoError& e) {
    if (e.code() == crypto::CryptoErrc::kWrongPassword) {
      throw std::runtime_error("wrong vault password");
    }
    throw;
  }
}

void setup_vault(api::AnonliClient& client, const crypto::SecretBytes& password) {
  const crypto::VaultKey vault_key = crypto::VaultKey::generate();
  const crypto::VaultCredentials credentials =
      crypto::make_vault_credentials(password.view(), vault_key);
  wire::VaultSetupRequest request;
  request.authSalt = credentials.auth_salt;
  request.auth_secret = std::string(credentials.auth_secret.str());
  request.vault_salt = credentials.vault_salt;
  request.password_wrapped_vault_key = credentials.password_wrapped_vault_key;
  request.kdf_version = crypto::kVaultKdfVersion;
  client.vault_setup(request);
}

}  // namespace anonfs::cli
