// The server's shared state, owned by Server::Impl and handed to every route.
#pragma once

#include <memory>
#include <string>

#include "anonfs/server/server.hpp"
#include "blob_store.hpp"
#include "db.hpp"
#include "hostile.hpp"
#include "limits.hpp"
#include "presign.hpp"
#include "secret.hpp"
#include "turnstile.hpp"

namespace anonfs::server {

struct App {
  ServerOptions options;
  std::unique_ptr<Db> db;
  std::unique_ptr<BlobStore> blobs;
  std::unique_ptr<ServerSecret> secret;
  std::unique_ptr<Presigner> presigner;
  std::unique_ptr<Limits> limits;
  std::unique_ptr<TurnstileVerifier> turnstile;  // null: Turnstile off
  Hostility hostility;                           // test mode; none by default
};

// Opens (and initialises if needed) a data directory: DATA/ (0700), DATA/anonfs.db (migrated),
// DATA/objects/, DATA/server.secret.
std::unique_ptr<Db> open_database(const std::filesystem::path& data_dir);

}  // namespace anonfs::server
