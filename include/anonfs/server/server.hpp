// Embedding API of anonfs-server, the reference implementation of the anon.li Drop and Vault APIs.
// The CLI (`anonfs-server serve`) and the client's embedded mode both use this header; nothing in
// it depends on the HTTP library or SQLite.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace anonfs::server {

enum class Plan { kFree, kPlus, kPro };
enum class LimitsMode { kNone, kAnonli };

// "free" | "plus" | "pro" -> Plan; nullopt otherwise.
std::optional<Plan> parse_plan(std::string_view text);
const char* to_string(Plan plan) noexcept;

struct ServerOptions {
  std::filesystem::path data_dir;
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0 = pick a free port
  // Base URL handed out in presigned URLs; default http(s)://host:port of the bound socket.
  std::optional<std::string> public_url;
  std::optional<std::filesystem::path> tls_cert;
  std::optional<std::filesystem::path> tls_key;
  LimitsMode limits = LimitsMode::kNone;
  std::chrono::milliseconds sweep_interval{std::chrono::minutes(5)};
  std::size_t worker_threads = 32;
  // Cloudflare Turnstile: off (no token asked for) unless a secret is set; then anonymous form
  // submits, upload tokens and guest drop creation need a token the verify URL accepts.
  std::optional<std::string> turnstile_secret;
  std::string turnstile_verify_url = "https://challenges.cloudflare.com/turnstile/v0/siteverify";
  std::chrono::milliseconds turnstile_timeout{std::chrono::seconds(10)};
  // Test mode only (issue #8): the drop metadata and object routes lie in these ways ("sizes",
  // "many-files", "duplicates", "short-body", "long-body", "endless-body", "drip"; see
  // docs/server-api.md "Hostile mode"). Empty: an honest server.
  std::vector<std::string> hostile;
  // `--request-log FILE`: one JSON line per request (src/server/request_log.hpp), created 0600.
  std::optional<std::filesystem::path> request_log;
};

// Thrown by Server::start() and the admin functions when the data directory, the socket or the
// TLS material cannot be used. Messages are meant for an operator.
class ServerError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();  // stops the server if it is running
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Opens the data directory, binds the socket and starts serving on background threads.
  void start();
  // The bound port (valid after start()).
  std::uint16_t port() const;
  // The base URL the server hands out (public URL if configured, else the bound address).
  std::string url() const;
  // The URL of the bound socket itself.
  std::string listen_url() const;
  // Stops accepting, finishes in-flight requests and joins all threads. Idempotent.
  void stop();
  // Blocks until stop() has been called (from another thread or a signal handler helper).
  void wait();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct CreatedUser {
  std::string user_id;
  std::string email;
  Plan plan = Plan::kFree;
  std::string api_key;  // "ak_" + 32 lowercase hex; only its SHA-256 is stored
  // Keys of the one-time-secret services (each "<prefix>" + 32 lowercase hex, stored hashed).
  std::string enigma_token;              // "enigma_…": EnigmaCrypt Bearer token
  std::string passwordlink_public_key;   // "public_key_…": password.link view key
  std::string passwordlink_private_key;  // "private_key_…": every other password.link route
};

// Creates an account (or adds a new key to an existing account with the same email) in the data
// directory, initialising it if needed. Each call also issues a new EnigmaCrypt token and a new
// password.link key pair for the account. Safe to call while a server uses the same directory.
CreatedUser add_user(const std::filesystem::path& data_dir, const std::string& email, Plan plan);

}  // namespace anonfs::server
