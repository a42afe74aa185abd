#include "secret.hpp"

#include <sys/stat.h>

#include <stdexcept>
#include <system_error>

#include "anonfs/crypto/hash.hpp"
#include "anonfs/crypto/random.hpp"
#include "fs_util.hpp"

namespace anonfs::server {

ServerSecret ServerSecret::load_or_create(const std::filesystem::path& data_dir) {
  auto path = data_dir / "server.secret";
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    auto key = crypto::random_bytes(32);
    std::string raw(reinterpret_cast<const char*>(key.data()), key.size());
    create_file_exclusive(path, raw);  // another process may have won the race: fine
    crypto::secure_wipe(raw.data(), raw.size());
    crypto::secure_wipe(key.data(), key.size());
  }
  std::string raw = read_small_file(path, 4096);
  if (raw.size() != 32) {
    crypto::secure_wipe(raw.data(), raw.size());
    throw std::runtime_error("server secret " + path.string() + " is corrupt (expected 32 bytes)");
  }
  ServerSecret secret(crypto::SecretBytes(crypto::as_bytes(raw)));
  crypto::secure_wipe(raw.data(), raw.size());
  return secret;
}

crypto::Bytes ServerSecret::hmac(std::string_view message) const {
  auto mac = crypto::hmac_sha256(key_.view(), crypto::as_bytes(message));
  return crypto::Bytes(mac.begin(), mac.end());
}

crypto::SecretBytes ServerSecret::derive(std::string_view purpose) const {
  std::string label = "anonfs-server:";
  label += purpose;
  auto mac = crypto::hmac_sha256(key_.view(), crypto::as_bytes(label));
  crypto::SecretBytes out(crypto::ByteView(mac.data(), mac.size()));
  crypto::secure_wipe(mac.data(), mac.size());
  return out;
}

}  // namespace anonfs::server
