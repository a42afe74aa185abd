// Wall-clock helpers: milliseconds since the Unix epoch and ISO 8601 formatting.
#pragma once

#include <cstdint>
#include <string>

namespace anonfs::server {

std::int64_t now_ms();
// "2026-01-15T00:00:00.000Z"
std::string iso8601(std::int64_t ms);

constexpr std::int64_t kSecondMs = 1000;
constexpr std::int64_t kMinuteMs = 60 * kSecondMs;
constexpr std::int64_t kHourMs = 60 * kMinuteMs;
constexpr std::int64_t kDayMs = 24 * kHourMs;

}  // namespace anonfs::server
