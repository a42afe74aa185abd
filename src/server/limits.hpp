// Plan quotas (monthly API buckets, protocol §1.4) and per-route abuse limiters (§1.5), both as
// sliding windows in the style of Upstash's slidingWindow (previous window weighted by the part of
// it still inside the window). Disabled entirely with --limits none.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "anonfs/server/server.hpp"
#include "clock.hpp"
#include "db.hpp"
#include "http_context.hpp"

namespace anonfs::server {

enum class QuotaBucket { kDrop, kForm, kAlias };

struct LimiterSpec {
  const char* name;
  std::int64_t limit;
  std::int64_t window_ms;
};

namespace limiter {
inline constexpr LimiterSpec kDropList{"dropList", 60, kMinuteMs};
inline constexpr LimiterSpec kDropCreate{"dropCreate", 60, kHourMs};
inline constexpr LimiterSpec kFileUploadAuth{"fileUploadAuth", 500, kHourMs};
inline constexpr LimiterSpec kDropOps{"dropOps", 100, kHourMs};
inline constexpr LimiterSpec kDropAbortUpload{"dropAbortUpload", 300, kHourMs};
inline constexpr LimiterSpec kDropMetadata{"dropMetadata", 120, kMinuteMs};
inline constexpr LimiterSpec kDropMetadataPerDrop{"dropMetadataPerDrop", 200, kHourMs};
inline constexpr LimiterSpec kDropDownload{"dropDownload", 100, kHourMs};
inline constexpr LimiterSpec kDownload{"download", 200, kHourMs};
inline constexpr LimiterSpec kVaultBootstrap{"vaultBootstrap", 5, kMinuteMs};
inline constexpr LimiterSpec kVaultOps{"vaultOps", 60, kHourMs};
inline constexpr LimiterSpec kVaultDropKeysRead{"vaultDropKeysRead", 300, kHourMs};
inline constexpr LimiterSpec kApi{"api", 100, kMinuteMs};
}  // namespace limiter

inline constexpr std::int64_t kQuotaWindowMs = 30 * kDayMs;

class Limits {
 public:
  Limits(LimitsMode mode, Db& db) : mode_(mode), db_(db) {}
  bool enabled() const noexcept { return mode_ == LimitsMode::kAnonli; }

  // Consumes one request of the caller's monthly bucket (API-key callers only). Sets the
  // X-RateLimit-* headers; throws a 429 envelope when the bucket is exhausted.
  void consume_quota(Context& ctx, QuotaBucket bucket);
  // Counts one hit of `spec` for `key`; throws the §1.5 429 body when over the limit.
  void check(Context& ctx, const LimiterSpec& spec, const std::string& key);

 private:
  struct Window {
    std::int64_t index = 0;
    std::int64_t previous = 0;
    std::int64_t current = 0;
  };
  LimitsMode mode_;
  Db& db_;
  std::mutex mutex_;
  std::unordered_map<std::string, Window> windows_;
};

}  // namespace anonfs::server
