// Retry policy: which failures are retried, exponential backoff with jitter, Retry-After parsing
// (delta-seconds or HTTP-date), and the cancellable wait between attempts.
#pragma once

#include <chrono>
#include <optional>
#include <stop_token>
#include <string_view>

#include "anonfs/api/api_error.hpp"

namespace anonfs::api {

struct RetryPolicy {
  int max_attempts = 4;                               // first try included; 1 = no retries
  std::chrono::milliseconds base_delay{1000};         // delay before retry n: base * 2^(n-1)
  std::chrono::milliseconds max_delay{30'000};        // cap of the computed backoff
  double jitter = 0.2;                                // fraction of the delay randomised away
  std::chrono::milliseconds retry_after_cap{30'000};  // longest honoured Retry-After wait
  // A Retry-After longer than this (e.g. an exhausted monthly quota) is not waited for: the error
  // is thrown at once with retry_after() set.
  std::chrono::milliseconds give_up_after{300'000};

  static RetryPolicy none() {
    RetryPolicy p;
    p.max_attempts = 1;
    return p;
  }
};

// HTTP statuses that may succeed when repeated: 408, 425, 429, 5xx.
bool is_retryable_status(long status) noexcept;

// Parses a Retry-After value: delta-seconds or an HTTP-date (relative to `now`). Past dates give 0.
std::optional<std::chrono::seconds> parse_retry_after(
    std::string_view value,
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// Backoff before retry number `retry` (1-based) without Retry-After, jitter applied.
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry);

// Whether `error` after attempt number `attempt` (1-based) should be retried, and after how long.
struct RetryDecision {
  bool retry = false;
  std::chrono::milliseconds delay{0};
};
RetryDecision decide_retry(const RetryPolicy& policy, const ApiError& error, int attempt,
                           bool idempotent);

// Sleeps for `delay` unless `cancel` is triggered first; returns false when cancelled.
bool cancellable_sleep(std::chrono::milliseconds delay, std::stop_token cancel);

}  // namespace anonfs::api
