// Plan limits and drop features of the anon.li plans (protocol §1.4, §2.2, §2.3, §1.7).
#pragma once

#include <cstdint>

#include "anonfs/server/server.hpp"
#include "anonfs/wire/me.hpp"

namespace anonfs::server {

struct PlanLimits {
  std::int64_t max_file_size;  // plaintext bytes
  std::int64_t storage_limit;  // plaintext bytes
  std::int64_t max_expiry_days;
  std::int64_t monthly_api_requests;  // per bucket (drop, form, alias)
  std::int64_t recipients_limit;
  wire::DropFeatures features;
};

const PlanLimits& plan_limits(Plan plan) noexcept;
// The next plan up, for 402 upgrade hints (pro -> pro).
Plan suggested_upgrade(Plan plan) noexcept;

constexpr std::int64_t kGiB = 1024LL * 1024 * 1024;
constexpr std::int64_t kMiB = 1024LL * 1024;

}  // namespace anonfs::server
