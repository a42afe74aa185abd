// The server secret: 32 random bytes generated once per data directory and stored 0600 in
// DATA/server.secret. It keys HMAC URL signing and the vault-bootstrap fake salts.
#pragma once

#include <filesystem>
#include <string_view>

#include "anonfs/crypto/bytes.hpp"

namespace anonfs::server {

class ServerSecret {
 public:
  // Loads DATA/server.secret, creating it if missing.
  static ServerSecret load_or_create(const std::filesystem::path& data_dir);
  explicit ServerSecret(crypto::SecretBytes key) : key_(std::move(key)) {}

  // HMAC-SHA256 of `message` under the raw secret.
  crypto::Bytes hmac(std::string_view message) const;
  // A subkey for one purpose: HMAC(secret, "anonfs-server:" + purpose).
  crypto::SecretBytes derive(std::string_view purpose) const;

 private:
  crypto::SecretBytes key_;
};

}  // namespace anonfs::server
