#include "plans.hpp"

#include <string_view>

namespace anonfs::server {

namespace {
// Features per plan (SRV config/plans.ts DROP_FEATURES, as far as the protocol notes describe
// them: custom keys Plus/Pro, branding and notifications Pro only).
const PlanLimits kFree{5 * kGiB, 5 * kGiB,
                       3,        500,
                       0,        wire::DropFeatures{false, true, false, false, true, false, false}};
const PlanLimits kPlus{50 * kGiB, 50 * kGiB,
                       7,         25000,
                       10,        wire::DropFeatures{true, true, false, false, true, true, false}};
const PlanLimits kPro{250 * kGiB, 250 * kGiB,
                      30,         100000,
                      100,        wire::DropFeatures{true, true, true, true, true, true, true}};
}  // namespace

const PlanLimits& plan_limits(Plan plan) noexcept {
  switch (plan) {
    case Plan::kPlus:
      return kPlus;
    case Plan::kPro:
      return kPro;
    case Plan::kFree:
      break;
  }
  return kFree;
}

Plan suggested_upgrade(Plan plan) noexcept {
  return plan == Plan::kFree ? Plan::kPlus : Plan::kPro;
}

std::optional<Plan> parse_plan(std::string_view text) {
  if (text == "free") return Plan::kFree;
  if (text == "plus") return Plan::kPlus;
  if (text == "pro") return Plan::kPro;
  return std::nullopt;
}

const char* to_string(Plan plan) noexcept {
  switch (plan) {
    case Plan::kPlus:
      return "plus";
    case Plan::kPro:
      return "pro";
    case Plan::kFree:
      break;
  }
  return "free";
}

}  // namespace anonfs::server
