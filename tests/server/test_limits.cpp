// --limits anonli: monthly quota buckets (§1.4) and per-route limiters (§1.5).
#include <gtest/gtest.h>

#include <chrono>

#include "server_fixture.hpp"

namespace anonfs::server::test {
namespace {

using nlohmann::json;

class LimitsTest : public ServerTest {
 protected:
  std::string plan() const override { return "free"; }
  std::vector<std::string> server_args() const override { return {"--limits", "anonli"}; }
};

class NoLimitsTest : public ServerTest {
 protected:
  std::string plan() const override { return "free"; }
};

// The drop-list limiter: 60 per minute, as a sliding window over fixed one-minute windows.
std::int64_t minute_window_now() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count() / 60000;
}

TEST_F(LimitsTest, PerRouteLimiterBodyAndHeaders) {
  const std::int64_t first_window = minute_window_now();
  Response last;
  for (int i = 0; i < 60; ++i) {
    last = http_get(api("/api/v1/drop"), {bearer(user_.api_key)});
    ASSERT_EQ(last.status, 200) << i << last.body;
  }
  EXPECT_EQ(last.header("X-RateLimit-Limit"), "500");
  EXPECT_EQ(last.header("X-RateLimit-Remaining"), "440");
  EXPECT_FALSE(last.header("X-RateLimit-Reset").empty());
  auto limited = http_get(api("/api/v1/drop"), {bearer(user_.api_key)});
  if (minute_window_now() != first_window) {
    // The burst crossed a minute boundary (a slow machine): the window slid, and the earlier
    // minute's hits count only in proportion. The limit must still be reached within another 60.
    int more = 0;
    while (limited.status == 200 && more < 60) {
      ++more;
      limited = http_get(api("/api/v1/drop"), {bearer(user_.api_key)});
    }
  }
  EXPECT_EQ(limited.status, 429);
  auto j = limited.json();
  EXPECT_EQ(j["error"], "Too many requests");
  EXPECT_TRUE(j["message"].is_string());
  EXPECT_GT(j["retryAfter"].get<int>(), 0);
  EXPECT_EQ(limited.header("X-RateLimit-Remaining"), "0");
  EXPECT_EQ(limited.header("X-RateLimit-Limit"), "60");
  EXPECT_EQ(limited.header("Retry-After"), std::to_string(j["retryAfter"].get<int>()));
  auto reset = std::stoll(limited.header("X-RateLimit-Reset"));
  EXPECT_GT(reset, 1700000000000LL);  // milliseconds
}

TEST_F(LimitsTest, MonthlyQuotaCountsFailedRequestsToo) {
  // 500 requests on Free: 300 aborts (404s) + 100 PATCHes + 60 lists + 40 creates.
  int used = 0;
  auto abort = [&] {
    return http_json("DELETE", api("/api/v1/drop/zzzzzzzzzzzzzzzz/file/zzzzzzzzzz"),
                     {{"s3UploadId", "x"}}, user_.api_key);
  };
  for (int i = 0; i < 300; ++i, ++used)
    ASSERT_EQ(abort().status, 404) << i;
  for (int i = 0; i < 100; ++i, ++used) {
    ASSERT_EQ(http({"PATCH",
                    api("/api/v1/drop/zzzzzzzzzzzzzzzz?action=toggle"),
                    std::nullopt,
                    {bearer(user_.api_key)}})
                  .status,
              404);
  }
  for (int i = 0; i < 60; ++i, ++used) {
    ASSERT_EQ(http_get(api("/api/v1/drop"), {bearer(user_.api_key)}).status, 200);
  }
  Response r;
  for (int i = 0; i < 40; ++i, ++used) {
    r = http_json("POST", api("/api/v1/drop"), {{"iv", "bad"}}, user_.api_key);
    ASSERT_EQ(r.status, 400) << r.body;
  }
  EXPECT_EQ(r.header("X-RateLimit-Remaining"), "0");
  auto over = http_json("POST", api("/api/v1/drop"), {{"iv", "AAECAwQFBgcICQoL"}, {"fileCount", 1}},
                        user_.api_key);
  EXPECT_EQ(over.status, 429) << over.body;
  EXPECT_EQ(over.json()["error"]["code"], "RATE_LIMITED");
  EXPECT_FALSE(over.header("Retry-After").empty());
  EXPECT_EQ(over.header("X-RateLimit-Limit"), "500");
  // Routes without a bucket are unaffected.
  EXPECT_EQ(http_get(api("/api/v1/me"), {bearer(user_.api_key)}).status, 200);
  EXPECT_EQ(used, 500);
}

TEST_F(LimitsTest, VaultBootstrapIsLimitedPerIp) {
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(http_json("POST", api("/api/vault/bootstrap"),
                        {{"email", "u" + std::to_string(i) + "@example.com"}})
                  .status,
              200);
  }
  auto r = http_json("POST", api("/api/vault/bootstrap"), {{"email", "x@example.com"}});
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.json()["error"], "Too many requests");
}

TEST_F(NoLimitsTest, NoLimitsByDefault) {
  for (int i = 0; i < 70; ++i) {
    ASSERT_EQ(http_get(api("/api/v1/drop"), {bearer(user_.api_key)}).status, 200);
  }
  EXPECT_TRUE(
      http_get(api("/api/v1/drop"), {bearer(user_.api_key)}).header("X-RateLimit-Limit").empty());
}

}  // namespace
}  // namespace anonfs::server::test
