// Vault unlock and first-time setup on the client side (protocol §8.1-§8.2): the password never
// leaves this process; only the Argon2id-derived auth secret is sent.
#pragma once

#include <cstdint>
#include <string>

#include "anonfs/api/anonli_client.hpp"
#include "anonfs/crypto/bytes.hpp"
#include "anonfs/crypto/vault.hpp"

namespace anonfs::cli {

// Bootstrap (auth salt for `email`), unlock, unwrap. Throws std::runtime_error with a clear
// message for a wrong password; api errors otherwise.
crypto::VaultKey unlock_vault(api::AnonliClient& client, const std::string& email,
                              const crypto::SecretBytes& password);

// As unlock_vault, with the vault's id and current generation (what owner keys are bound to).
struct UnlockedVault {
  crypto::VaultKey key;
  std::string vault_id;
  std::int64_t generation = 0;
};
UnlockedVault unlock_vault_session(api::AnonliClient& client, const std::string& email,
                                   const crypto::SecretBytes& password);

// Creates the account's vault with a fresh vault key wrapped under `password` (server extension
// POST /api/v1/vault/setup).
void setup_vault(api::AnonliClient& client, const crypto::SecretBytes& password);

}  // namespace anonfs::cli
