// Test helper: tools/faultproxy/faultproxy.mjs as a child process on 127.0.0.1:<free port>, with
// its log in a file, its run-time configuration (POST /__faultproxy/config) and its counters
// (GET /__faultproxy/stats). Killed and reaped on destruction. Usage: docs/faultproxy.md.
#pragma once

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace anonfs::faultproxy_test {

class FaultProxy {
 public:
  // Starts the proxy (NODE and ANONFS_FAULTPROXY from the environment, set by meson) with
  // `--listen 127.0.0.1:0 --log <log_file>` and `args`; waits for its "listening" line.
  FaultProxy(std::filesystem::path log_file, const std::vector<std::string>& args = {});

  const std::string& url() const { return url_; }  // http://127.0.0.1:PORT
  // POST /__faultproxy/config; returns the whole configuration. Throws on a refused change.
  nlohmann::json configure(const nlohmann::json& changes) const;
  // GET /__faultproxy/stats.
  nlohmann::json stats() const;
  // Every line of the log so far (one JSON object per proxied request, in arrival order).
  std::vector<nlohmann::json> log() const;

 private:
  std::filesystem::path log_file_;
  std::unique_ptr<server::test::MarkedProcess> process_;
  std::string url_;
};

// Whether the node interpreter and the proxy script are available (meson sets both).
bool fault_proxy_available();

}  // namespace anonfs::faultproxy_test
