// Retry decisions, exponential backoff with jitter, Retry-After parsing and cancellable waits.
#include "anonfs/api/retry.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <mutex>
#include <random>
#include <string>

#include "text_util.hpp"

namespace anonfs::api {

using std::chrono::milliseconds;
using std::chrono::seconds;

bool is_retryable_status(long status) noexcept {
  return status == 408 || status == 425 || status == 429 || (status >= 500 && status <= 599);
}

std::optional<seconds> parse_retry_after(std::string_view value,
                                         std::chrono::system_clock::time_point now) {
  value = trim(value);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (value.size() > 9) return seconds(999'999'999);  // absurd but valid: effectively "never"
    long long n = 0;
    std::from_chars(value.data(), value.data() + value.size(), n);
    return seconds(n);
  }
  // HTTP-date (RFC 9110 IMF-fixdate, and the obsolete forms curl_getdate also accepts).
  const std::string text(value);
  const time_t when = curl_getdate(text.c_str(), nullptr);
  if (when == -1) return std::nullopt;
  const auto delta = std::chrono::system_clock::from_time_t(when) - now;
  return std::max(seconds(0), std::chrono::ceil<seconds>(delta));
}

milliseconds backoff_delay(const RetryPolicy& policy, int retry) {
  const int shift = std::clamp(retry - 1, 0, 30);
  const long double raw =
      static_cast<long double>(policy.base_delay.count()) * static_cast<long double>(1ull << shift);
  const long double capped = std::min(raw, static_cast<long double>(policy.max_delay.count()));
  const double jitter = std::clamp(policy.jitter, 0.0, 1.0);
  thread_local std::minstd_rand rng{std::random_device{}()};
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const long double factor = 1.0L - static_cast<long double>(jitter * unit(rng));
  return milliseconds(static_cast<milliseconds::rep>(capped * factor));
}

RetryDecision decide_retry(const RetryPolicy& policy, const ApiError& error, int attempt,
                           bool idempotent) {
  RetryDecision no;
  if (attempt >= policy.max_attempts) return no;
  switch (error.kind()) {
    case ErrorKind::kNetwork:
    case ErrorKind::kTimeout:
      // A request that may have reached the server is repeated only when that is harmless.
      if (!error.transient() || !(idempotent || error.request_not_sent())) return no;
      break;
    case ErrorKind::kHttpStatus:
      if (!is_retryable_status(error.status())) return no;
      // 429 means the request was refused before any effect; the others need idempotency.
      if (error.status() != 429 && !idempotent) return no;
      break;
    default:
      return no;
  }
  RetryDecision yes{true, backoff_delay(policy, attempt)};
  if (const auto after = error.retry_after()) {
    const auto wanted = std::chrono::duration_cast<milliseconds>(*after);
    if (wanted > policy.give_up_after) return no;
    yes.delay = std::min(wanted, policy.retry_after_cap);
  }
  return yes;
}

bool cancellable_sleep(milliseconds delay, std::stop_token cancel) {
  if (cancel.stop_requested()) return false;
  if (delay <= milliseconds(0)) return true;
  std::mutex mutex;
  std::condition_variable_any cv;
  std::unique_lock lock(mutex);
  // The predicate never holds: the wait ends on timeout or when `cancel` is triggered.
  cv.wait_for(lock, cancel, delay, [] { return false; });
  return !cancel.stop_requested();
}

}  // namespace anonfs::api
