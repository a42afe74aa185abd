#include "request_log.hpp"

#include <fcntl.h>
#include <httplib.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cerrno>
#include <nlohmann/json.hpp>
#include <system_error>

namespace anonfs::server {
namespace {

// JSON bodies up to this size are logged (requests of the Drop, Vault, Form and secret APIs);
// larger ones and object uploads (ciphertext) are not.
constexpr std::size_t kMaxLoggedBody = 64 * 1024;

}  // namespace

RequestLog::RequestLog(const std::filesystem::path& path)
    : fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600)) {
  if (!fd_) throw std::system_error(errno, std::generic_category(), "open " + path.string());
  if (::fchmod(fd_.get(), 0600) != 0) {
    throw std::system_error(errno, std::generic_category(), "chmod " + path.string());
  }
}

void RequestLog::record(const httplib::Request& req, const httplib::Response& res) noexcept {
  try {
    nlohmann::json headers = nlohmann::json::array();
    for (const auto& [name, value] : req.headers)
      headers.push_back({name, value});
    nlohmann::json line = {{"method", req.method},
                           {"target", req.target},
                           {"headers", std::move(headers)},
                           {"status", res.status}};
    const std::string type = req.get_header_value("Content-Type");
    if (!req.body.empty() && req.body.size() <= kMaxLoggedBody &&
        type.find("json") != std::string::npos) {
      line["body"] = req.body;
    }
    const std::string text =
        line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    const std::lock_guard lock(mutex_);
    write_all(fd_.get(), text.data(), text.size());
  } catch (const std::exception& e) {
    spdlog::error("request log: {}", e.what());
  }
}

}  // namespace anonfs::server
