// Where the mount connects: a configured server (`anonfs login`) or the embedded reference
// server with a local account under $XDG_DATA_HOME/anonfs/.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "anonfs/crypto/bytes.hpp"
#include "anonfs/server/server.hpp"

namespace anonfs::cli {

// Credentials of the one-time-secret services. A service is configured when its server is set;
// keys may still be empty (EnigmaCrypt then creates anonymously).
struct SecretServices {
  std::string enigmacrypt_server;
  crypto::SecretBytes enigmacrypt_token;  // "enigma_…"
  std::string passwordlink_server;
  crypto::SecretBytes passwordlink_public_key;   // "public_key_…" (view)
  crypto::SecretBytes passwordlink_private_key;  // "private_key_…" (everything else)
};

struct Account {
  std::string server_url;
  crypto::SecretBytes api_key;
  bool embedded = false;
  SecretServices secrets;
};

// The login stored by `anonfs login` ($XDG_CONFIG_HOME/anonfs/config.json), if it has an anon.li
// login (top-level "server" and "api_key"); its secret-service sections are filled in too.
std::optional<Account> load_login();
// The secret-service sections of config.json ("enigmacrypt": {server, token}, "passwordlink":
// {server, public_key, private_key}); a section without "server" uses the top-level "server" (the
// reference server serves every API on one port). nullopt when there is no config file.
std::optional<SecretServices> load_secret_login();
// Each save replaces its own part of config.json and keeps the others.
void save_login(const std::string& server_url, const crypto::SecretBytes& api_key);
void save_enigmacrypt_login(const std::string& server_url, const crypto::SecretBytes& token);
void save_passwordlink_login(const std::string& server_url, const crypto::SecretBytes& public_key,
                             const crypto::SecretBytes& private_key);

// Starts the reference server in-process on loopback with its data under
// $XDG_DATA_HOME/anonfs/server and returns it with the local account (created on first use; an
// account file from before the secret services gets their keys added), secret services included.
struct EmbeddedServer {
  std::unique_ptr<server::Server> server;
  Account account;
  bool created = false;  // the local account was provisioned just now
};
EmbeddedServer start_embedded_server();

}  // namespace anonfs::cli
