// Test support for the anonfs-server contract tests: a temporary directory, the server as a child
// process (started on 127.0.0.1:0, URL read from its stdout), `user add`, and a small libcurl
// client. Every resource is RAII: the process is always killed and the directory removed.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace anonfs::server::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Path of build/anonfs-server (from the ANONFS_SERVER_BIN environment variable set by meson).
std::string server_binary();

struct ProcessResult {
  int exit_code = -1;
  std::string out;
};
// Runs a command to completion (bounded by `timeout`), capturing stdout.
ProcessResult run_process(const std::vector<std::string>& argv,
                          std::chrono::seconds timeout = std::chrono::seconds(30),
                          const std::map<std::string, std::string>& env = {});

class ServerProcess {
 public:
  // Starts `anonfs-server serve --data DIR --listen 127.0.0.1:0 <extra>` and waits (bounded) for
  // its "listening on" line.
  ServerProcess(const std::filesystem::path& data_dir, std::vector<std::string> extra = {});
  ~ServerProcess();  // SIGKILL + reap
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  const std::string& url() const { return url_; }
  pid_t pid() const { return pid_; }
  void kill9();
  // SIGTERM and wait (bounded) for a clean exit; returns the exit status.
  int terminate();

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string url_;
};

// A child process with stdout on a pipe, started and read (bounded) until a line beginning with
// `marker` arrives; the rest of that line is value(). SIGKILLed and reaped on destruction.
class MarkedProcess {
 public:
  MarkedProcess(const std::vector<std::string>& argv, const std::string& marker,
                std::chrono::seconds timeout = std::chrono::seconds(20),
                const std::map<std::string, std::string>& env = {});
  ~MarkedProcess();
  MarkedProcess(const MarkedProcess&) = delete;
  MarkedProcess& operator=(const MarkedProcess&) = delete;
  const std::string& value() const { return value_; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string value_;
};

struct User {
  std::string user_id;
  std::string email;
  std::string api_key;
  std::string enigma_token;              // EnigmaCrypt Bearer token
  std::string passwordlink_public_key;   // password.link ApiKey (view)
  std::string passwordlink_private_key;  // password.link ApiKey (everything else)
};
User add_user(const std::filesystem::path& data_dir, const std::string& email,
              const std::string& plan = "free");

struct Response {
  long status = 0;
  std::string body;
  std::multimap<std::string, std::string> headers;  // lower-case names
  std::string header(const std::string& name) const;
  nlohmann::json json() const;
};

struct Request {
  std::string method = "GET";
  std::string url;
  std::optional<std::string> body;
  std::vector<std::string> headers;  // "Name: value"
};

Response http(const Request& request);
Response http_get(const std::string& url, std::vector<std::string> headers = {});
Response http_json(const std::string& method, const std::string& url, const nlohmann::json& body,
                   const std::string& api_key = "", std::vector<std::string> headers = {});
std::string bearer(const std::string& api_key);

// Deterministic pseudo-random bytes.
std::string pattern_bytes(std::size_t n, unsigned seed);

}  // namespace anonfs::server::test
