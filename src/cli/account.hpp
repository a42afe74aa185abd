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

struct Account {
  std::string server_url;
  crypto::SecretBytes api_key;
  bool embedded = false;
};

// The login stored by `anonfs login` ($XDG_CONFIG_HOME/anonfs/config.json), if any.
std::optional<Account> load_login();
void save_login(const std::string& server_url, const crypto::SecretBytes& api_key);

// Starts the reference server in-process on loopback with its data under
// $XDG_DATA_HOME/anonfs/server and returns it with the local account (created on first use).
struct EmbeddedServer {
  std::unique_ptr<server::Server> server;
  Account account;
  bool created = false;  // the local account was provisioned just now
};
EmbeddedServer start_embedded_server();

}  // namespace anonfs::cli
