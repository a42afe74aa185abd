// `anonfs-server serve --request-log FILE`: one JSON line per request with everything the server
// receives except object bodies: method, the full request target (path and query), every request
// header, the status, and small JSON bodies. For tests that check what never reaches a server
// (the `#fragment` of share links, docs/security.md). The file is created 0600 and appended to.
#pragma once

#include <filesystem>
#include <mutex>

#include "fs_util.hpp"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace anonfs::server {

class RequestLog {
 public:
  // Opens (creates 0600, appends). Throws std::system_error.
  explicit RequestLog(const std::filesystem::path& path);

  // Appends one line; errors are logged, never thrown (the request is already answered).
  void record(const httplib::Request& req, const httplib::Response& res) noexcept;

 private:
  std::mutex mutex_;  // one write per line; lines of concurrent requests never interleave
  Fd fd_;
};

}  // namespace anonfs::server
