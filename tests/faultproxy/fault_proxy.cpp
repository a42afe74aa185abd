#include "fault_proxy.hpp"

#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace anonfs::faultproxy_test {

namespace {
std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}
}  // namespace

bool fault_proxy_available() {
  return !env_or_empty("NODE").empty() && !env_or_empty("ANONFS_FAULTPROXY").empty();
}

FaultProxy::FaultProxy(std::filesystem::path log_file, const std::vector<std::string>& args)
    : log_file_(std::move(log_file)) {
  if (!fault_proxy_available()) {
    throw std::runtime_error("NODE or ANONFS_FAULTPROXY is not set (run via meson test)");
  }
  std::vector<std::string> argv = {
      env_or_empty("NODE"), env_or_empty("ANONFS_FAULTPROXY"), "--listen", "127.0.0.1:0", "--log",
      log_file_.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  process_ =
      std::make_unique<server::test::MarkedProcess>(argv, "listening ", std::chrono::seconds(30));
  url_ = "http://" + process_->value();
}

nlohmann::json FaultProxy::configure(const nlohmann::json& changes) const {
  const auto r = server::test::http_json("POST", url_ + "/__faultproxy/config", changes);
  if (r.status != 200)
    throw std::runtime_error("faultproxy refused " + changes.dump() + ": " + r.body);
  return r.json();
}

nlohmann::json FaultProxy::stats() const {
  return server::test::http_get(url_ + "/__faultproxy/stats").json();
}

std::vector<nlohmann::json> FaultProxy::log() const {
  std::vector<nlohmann::json> out;
  std::ifstream in(log_file_);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  }
  return out;
}

}  // namespace anonfs::faultproxy_test
