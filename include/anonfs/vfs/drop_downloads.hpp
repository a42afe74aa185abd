// DropDownloads: the presigned GET URLs of one drop. Obtaining them consumes one download of
// the drop (protocol §2.7), so they are fetched once for all files and readers of the drop,
// shared, and renewed only when they expire (3600 s, or 120 s for drops with a download limit)
// or when the object server refuses them.
//
// Last download: before consuming a download of a limited drop, the drop's counters are read
// (GET /api/v1/drop/:id, which consumes nothing); when only one download remains, the request
// is refused with kAccessDenied and a log line unless allow_last_download was given, so that
// browsing a mount never uses up a recipient's last chance to download.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <stop_token>
#include <string>

#include "anonfs/api/anonli_client.hpp"

namespace anonfs::vfs {

class DropDownloads {
 public:
  using Clock = std::chrono::steady_clock;

  // limited: the drop has maxDownloads (URLs live 120 s instead of 3600 s).
  DropDownloads(api::AnonliClient& client, std::string drop_id, bool limited,
                bool allow_last_download = false);

  // The presigned URL of `file_id`, obtaining a fresh set first when there is none or it is
  // about to expire. Concurrent callers share one request. Throws VfsError (kNotFound when the
  // drop is gone or its limit is reached, kAccessDenied, kIo) or kNotFound when the server's
  // answer has no URL for the file. kAccessDenied also when it would consume the last download
  // of a limited drop (see above). kCancelled when `cancel` stops the wait.
  std::string url_for(const std::string& file_id, std::stop_token cancel = {});

  // Reports that `url` was refused by the object server (expired or revoked): the next url_for
  // obtains a new set unless that already happened.
  void invalidate(const std::string& url);

  // Number of times URLs were obtained (= downloads consumed by this mount for this drop).
  std::uint64_t consumed() const;

 private:
  bool fresh_locked(Clock::time_point now) const;
  // Throws when consuming one more download would use up the drop's last one.
  void check_not_last(std::stop_token cancel) const;

  api::AnonliClient& client_;
  const std::string drop_id_;
  const std::chrono::seconds lifetime_;
  const bool limited_;
  const bool allow_last_download_;

  mutable std::mutex mutex_;  // guards everything below
  std::condition_variable_any changed_;
  bool fetching_ = false;
  std::map<std::string, std::string> urls_;  // file id -> URL
  Clock::time_point expires_{};
  std::uint64_t consumed_ = 0;
};

}  // namespace anonfs::vfs
