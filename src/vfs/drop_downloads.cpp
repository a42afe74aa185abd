#include "anonfs/vfs/drop_downloads.hpp"

#include <spdlog/spdlog.h>

#include <optional>

#include "anonfs/vfs/api_errors.hpp"
#include "anonfs/vfs/vfs_error.hpp"

namespace anonfs::vfs {
namespace {

// URLs are renewed this long before the server's expiry so an in-flight range GET started just
// before the deadline still gets through.
constexpr std::chrono::seconds kSafetyMargin{15};

}  // namespace

DropDownloads::DropDownloads(api::AnonliClient& client, std::string drop_id, bool limited,
                             bool allow_last_download)
    : client_(client),
      drop_id_(std::move(drop_id)),
      lifetime_(limited ? std::chrono::seconds(120) : std::chrono::seconds(3600)),
      limited_(limited),
      allow_last_download_(allow_last_download) {}

void DropDownloads::check_not_last(std::stop_token cancel) const {
  if (!limited_ || allow_last_download_) return;
  wire::DropMetadata now;
  try {
    now = client_.drop_metadata(drop_id_, cancel);
  } catch (const api::ApiError& e) {
    throw to_vfs_error(e, "drop " + drop_id_ + ": reading its download counter");
  }
  if (!now.maxDownloads) return;
  const std::int64_t max = *now.maxDownloads;
  if (now.downloads + 1 < max) return;
  const std::string message = "drop " + drop_id_ + ": reading it would use its last download (" +
                              std::to_string(now.downloads) + " of " + std::to_string(max) +
                              " used); mount with -o allow_last_download to allow that";
  spdlog::warn("{}", message);
  throw VfsError(VfsErrc::kAccessDenied, message);
}

bool DropDownloads::fresh_locked(Clock::time_point now) const {
  return !urls_.empty() && now < expires_;
}

std::string DropDownloads::url_for(const std::string& file_id, std::stop_token cancel) {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (fresh_locked(Clock::now())) {
      const auto it = urls_.find(file_id);
      if (it == urls_.end()) {
        throw VfsError(
            VfsErrc::kNotFound,
            "drop " + drop_id_ + ": the server gave no download URL for file " + file_id);
      }
      return it->second;
    }
    if (!fetching_) break;
    if (!changed_.wait(lock, cancel, [this] { return !fetching_; })) {
      throw VfsError(VfsErrc::kCancelled, "read cancelled");
    }
  }
  fetching_ = true;
  lock.unlock();

  std::optional<api::ApiError> failure;
  wire::DownloadResponse response;
  const auto requested = Clock::now();
  try {
    check_not_last(cancel);
    response = client_.consume_download(drop_id_, cancel);
  } catch (const api::ApiError& e) {
    failure = e;
  } catch (...) {
    lock.lock();
    fetching_ = false;
    changed_.notify_all();
    throw;
  }

  lock.lock();
  fetching_ = false;
  if (!failure) {
    urls_ = std::move(response.downloadUrls);
    expires_ = requested + lifetime_ - kSafetyMargin;
    ++consumed_;
    spdlog::info("drop {}: obtained download URLs (download #{} by this mount)", drop_id_,
                 consumed_);
  }
  changed_.notify_all();
  if (failure) throw to_vfs_error(*failure, "drop " + drop_id_ + ": obtaining download URLs");
  const auto it = urls_.find(file_id);
  if (it == urls_.end()) {
    throw VfsError(VfsErrc::kNotFound,
                   "drop " + drop_id_ + ": the server gave no download URL for file " + file_id);
  }
  return it->second;
}

void DropDownloads::invalidate(const std::string& url) {
  std::lock_guard lock(mutex_);
  for (const auto& [id, u] : urls_) {
    if (u == url) {
      urls_.clear();
      return;
    }
  }
}

std::uint64_t DropDownloads::consumed() const {
  std::lock_guard lock(mutex_);
  return consumed_;
}

}  // namespace anonfs::vfs
