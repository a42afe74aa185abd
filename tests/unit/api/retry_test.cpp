// Tests of the retry policy: retryable statuses, Retry-After parsing, backoff and decisions.
#include "anonfs/api/retry.hpp"

#include <gtest/gtest.h>

#include <stop_token>
#include <thread>

namespace anonfs::api {
namespace {

using namespace std::chrono_literals;

ApiError http_error(long status, std::optional<std::chrono::seconds> retry_after = {}) {
  ErrorInfo info;
  info.kind = ErrorKind::kHttpStatus;
  info.status = status;
  info.retry_after = retry_after;
  return ApiError(info);
}

ApiError network_error(bool not_sent) {
  ErrorInfo info;
  info.kind = ErrorKind::kNetwork;
  info.transient = true;
  info.request_not_sent = not_sent;
  return ApiError(info);
}

TEST(Retry, RetryableStatuses) {
  for (long s : {408L, 425L, 429L, 500L, 502L, 503L, 504L, 599L})
    EXPECT_TRUE(is_retryable_status(s));
  for (long s : {200L, 301L, 400L, 401L, 403L, 404L, 409L, 410L, 451L}) {
    EXPECT_FALSE(is_retryable_status(s));
  }
}

TEST(Retry, ParseRetryAfterSeconds) {
  EXPECT_EQ(parse_retry_after("0"), 0s);
  EXPECT_EQ(parse_retry_after(" 120 "), 120s);
  EXPECT_FALSE(parse_retry_after(""));
  EXPECT_FALSE(parse_retry_after("-5"));
  EXPECT_FALSE(parse_retry_after("soon"));
  EXPECT_EQ(parse_retry_after("99999999999999999999"), std::chrono::seconds(999'999'999));
}

TEST(Retry, ParseRetryAfterHttpDate) {
  // Thu, 01 Jan 2026 00:00:00 GMT = 1767225600.
  const auto now = std::chrono::system_clock::from_time_t(1767225600 - 90);
  EXPECT_EQ(parse_retry_after("Thu, 01 Jan 2026 00:00:00 GMT", now), 90s);
  const auto later = std::chrono::system_clock::from_time_t(1767225600 + 10);
  EXPECT_EQ(parse_retry_after("Thu, 01 Jan 2026 00:00:00 GMT", later), 0s);
}

TEST(Retry, BackoffGrowsAndIsCapped) {
  RetryPolicy p;
  p.base_delay = 100ms;
  p.max_delay = 1000ms;
  p.jitter = 0;
  EXPECT_EQ(backoff_delay(p, 1), 100ms);
  EXPECT_EQ(backoff_delay(p, 2), 200ms);
  EXPECT_EQ(backoff_delay(p, 4), 800ms);
  EXPECT_EQ(backoff_delay(p, 5), 1000ms);
  EXPECT_EQ(backoff_delay(p, 60), 1000ms);
  p.jitter = 0.5;
  for (int i = 0; i < 50; ++i) {
    const auto d = backoff_delay(p, 3);
    EXPECT_GE(d, 200ms);
    EXPECT_LE(d, 400ms);
  }
}

TEST(Retry, Decisions) {
  RetryPolicy p;
  p.max_attempts = 3;
  p.jitter = 0;
  EXPECT_TRUE(decide_retry(p, http_error(503), 1, true).retry);
  EXPECT_FALSE(decide_retry(p, http_error(503), 1, false).retry);  // not idempotent
  EXPECT_TRUE(decide_retry(p, http_error(429), 1, false).retry);   // refused, never acted on
  EXPECT_FALSE(decide_retry(p, http_error(404), 1, true).retry);
  EXPECT_FALSE(decide_retry(p, http_error(503), 3, true).retry);  // attempts exhausted
  EXPECT_TRUE(decide_retry(p, network_error(false), 1, true).retry);
  EXPECT_FALSE(decide_retry(p, network_error(false), 1, false).retry);
  EXPECT_TRUE(decide_retry(p, network_error(true), 1, false).retry);  // connect failed
}

TEST(Retry, RetryAfterIsHonouredCappedOrGivenUp) {
  RetryPolicy p;
  p.retry_after_cap = 30s;
  p.give_up_after = 300s;
  EXPECT_EQ(decide_retry(p, http_error(429, 5s), 1, true).delay, 5000ms);
  EXPECT_EQ(decide_retry(p, http_error(503, 100s), 1, true).delay, 30000ms);
  EXPECT_FALSE(decide_retry(p, http_error(429, std::chrono::seconds(86400)), 1, true).retry);
}

TEST(Retry, CancellableSleep) {
  std::stop_source source;
  source.request_stop();
  EXPECT_FALSE(cancellable_sleep(std::chrono::hours(1), source.get_token()));
  EXPECT_TRUE(cancellable_sleep(1ms, {}));

  std::stop_source later;
  std::jthread canceller([&] { later.request_stop(); });
  EXPECT_FALSE(cancellable_sleep(std::chrono::hours(1), later.get_token()));
}

}  // namespace
}  // namespace anonfs::api
