// tools/faultproxy against the reference server (issues #4, #5, #8): bodies, ranges and statuses
// pass through intact; every fault kind is injected, and the same seed gives the same sequence;
// the HttpClient reads intact data through 20 % faults of every kind and honours Retry-After
// (measured on the proxy's own clock) before giving up.
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <strings.h>

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "anonfs/api/api_error.hpp"
#include "anonfs/api/http_client.hpp"
#include "anonfs/api/range_fetch.hpp"
#include "fault_proxy.hpp"
#include "server_fixture.hpp"

namespace anonfs::faultproxy_test {
namespace {

using server::test::http;
using server::test::http_get;
using server::test::http_json;
using server::test::pattern_bytes;
using server::test::TempDir;

const std::vector<std::string> kAllFaults = {"reset", "stall", "truncate", "500", "503", "429"};

class FaultProxyTest : public server::test::ServerTest {
 protected:
  void SetUp() override {
    log_dir_ = std::make_unique<TempDir>();
    proxy_ = std::make_unique<FaultProxy>(log_dir_->path() / "faultproxy.log");
    ServerTest::SetUp();
    proxy_->configure({{"target", server_->url()}});
  }

  // Presigned URLs point at the proxy: the server's public URL is the proxy's.
  std::vector<std::string> server_args() const override { return {"--public-url", proxy_->url()}; }

  // Uploads `content` as a finished drop and returns its presigned GET URL (through the proxy).
  std::string object_url(const std::string& content) {
    const auto [drop, file] = upload_single(content);
    const auto r =
        http_json("POST", api("/api/v1/drop/" + drop + "/download"), nlohmann::json::object());
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json()["downloadUrls"][file].get<std::string>();
  }

  std::string direct(const std::string& proxied) const {
    return server_->url() + proxied.substr(proxy_->url().size());
  }

  std::unique_ptr<TempDir> log_dir_;
  std::unique_ptr<FaultProxy> proxy_;
};

// One GET without retries, classified by what the client saw. A transfer that makes no progress
// for 2 s is a stall (the proxy stalls for far longer).
struct Outcome {
  std::string kind;  // none, reset, stall, truncate, 500, 503, 429, or "unexpected ..."
  std::string body;
};

std::size_t append_body(char* data, std::size_t size, std::size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}
std::size_t note_retry_after(char* data, std::size_t size, std::size_t n, void* user) {
  const std::string line(data, size * n);
  if (line.size() > 12 && strncasecmp(line.c_str(), "retry-after:", 12) == 0) {
    *static_cast<bool*>(user) = true;
  }
  return size * n;
}

Outcome get_once(const std::string& url, const std::string& expected) {
  Outcome out;
  bool retry_after = false;
  CURL* c = curl_easy_init();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &out.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, note_retry_after);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &retry_after);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 2L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  const CURLcode rc = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(c);
  const bool prefix = expected.compare(0, out.body.size(), out.body) == 0;
  if ((rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR || rc == CURLE_GOT_NOTHING) &&
      out.body.empty() && status == 0) {
    out.kind = "reset";
  } else if (rc == CURLE_OPERATION_TIMEDOUT && status == 200 && prefix) {
    out.kind = "stall";
  } else if (rc == CURLE_PARTIAL_FILE && status == 200 && prefix &&
             out.body.size() < expected.size()) {
    out.kind = "truncate";
  } else if (rc == CURLE_OK && status == 200 && out.body == expected) {
    out.kind = "none";
  } else if (rc == CURLE_OK && status == 500 && !retry_after) {
    out.kind = "500";
  } else if (rc == CURLE_OK && (status == 503 || status == 429) && retry_after) {
    out.kind = std::to_string(status);
  } else {
    out.kind = "unexpected rc " + std::to_string(rc) + " status " + std::to_string(status);
  }
  return out;
}

std::vector<std::string> run_sequence(const std::string& url, const std::string& content, int n) {
  std::vector<std::string> kinds;
  for (int i = 0; i < n; ++i)
    kinds.push_back(get_once(url, content).kind);
  return kinds;
}

TEST_F(FaultProxyTest, PassesBodiesRangesAndStatusesVerbatim) {
  const std::string content = pattern_bytes((3u << 20) + 123, 1);
  const std::string url = object_url(content);
  ASSERT_EQ(url.rfind(proxy_->url() + "/objects/", 0), 0u) << url;

  const auto via = http_get(url);
  const auto straight = http_get(direct(url));
  EXPECT_EQ(via.status, 200);
  EXPECT_TRUE(via.body == content);
  for (const char* h : {"content-length", "etag", "content-type", "accept-ranges"}) {
    EXPECT_EQ(via.header(h), straight.header(h)) << h;
  }

  const std::vector<std::string> range = {"Range: bytes=1000-2000999"};
  const auto part = http_get(url, range);
  const auto part_direct = http_get(direct(url), range);
  EXPECT_EQ(part.status, 206);
  EXPECT_EQ(part.header("content-range"), part_direct.header("content-range"));
  EXPECT_EQ(part.header("content-length"), "2000000");
  EXPECT_TRUE(part.body == content.substr(1000, 2000000));

  // Error statuses and bodies of the server pass through as they are.
  std::string forged = url;
  forged.back() = forged.back() == '0' ? '1' : '0';
  const auto refused = http_get(forged);
  const auto refused_direct = http_get(direct(forged));
  EXPECT_GE(refused.status, 400);
  EXPECT_EQ(refused.status, refused_direct.status);
  EXPECT_EQ(refused.body, refused_direct.body);

  const auto stats = proxy_->stats();
  EXPECT_EQ(stats["requests"], stats["passed"]);
  for (const auto& kind : kAllFaults)
    EXPECT_EQ(stats["faults"][kind], 0) << kind;
  const auto log = proxy_->log();
  EXPECT_EQ(log.size(), stats["requests"].get<std::size_t>());
  EXPECT_EQ(log.back()["path"],
            url.substr(proxy_->url().size(), url.find('?') - proxy_->url().size()));
}

TEST_F(FaultProxyTest, InjectsEveryKindAndTheSameSeedGivesTheSameSequence) {
  const std::string content = pattern_bytes(256u << 10, 2);
  const std::string url = object_url(content);
  const nlohmann::json config = {
      {"rate", 0.5}, {"seed", 5}, {"faults", kAllFaults}, {"stallMs", 30000}};
  const int n = 24;

  proxy_->configure(config);
  const auto first_log_index = proxy_->log().size();
  const auto first = run_sequence(url, content, n);
  proxy_->configure(config);  // giving the seed again restarts the sequence
  const auto second = run_sequence(url, content, n);
  proxy_->configure({{"seed", 6}});
  const auto other = run_sequence(url, content, n);

  EXPECT_EQ(first, second);
  EXPECT_NE(first, other);
  std::set<std::string> seen(first.begin(), first.end());
  for (const auto& kind : kAllFaults)
    EXPECT_TRUE(seen.count(kind)) << kind << " never injected in " << n << " requests";
  EXPECT_TRUE(seen.count("none"));
  for (const auto& kind : first)
    EXPECT_EQ(kind.rfind("unexpected", 0), std::string::npos) << kind;

  // The log names, in order, exactly the fault each request got.
  const auto log = proxy_->log();
  ASSERT_EQ(log.size(), first_log_index + 3 * n);
  for (int i = 0; i < n; ++i) {
    EXPECT_EQ(log[first_log_index + i]["fault"], first[i]) << i;
  }
  const auto stats = proxy_->stats();
  int faults = 0;
  for (const auto& kind : kAllFaults)
    faults += stats["faults"][kind].get<int>();
  EXPECT_EQ(stats["passed"].get<int>() + faults, stats["requests"].get<int>());
}

TEST_F(FaultProxyTest, HttpClientReadsIntactDataThroughTwentyPercentFaults) {
  const std::string content = pattern_bytes(2u << 20, 3);
  const std::string url = object_url(content);
  proxy_->configure({{"rate", 0.2}, {"seed", 7}, {"faults", kAllFaults}, {"stallMs", 30000}});
  const auto requests_before = proxy_->stats()["requests"].get<std::uint64_t>();

  api::ClientOptions options;
  options.low_speed_time = std::chrono::seconds(2);  // a stall is detected by the client's timeout
  options.retry.max_attempts = 10;
  options.retry.base_delay = std::chrono::milliseconds(50);
  api::HttpClient client(options);
  api::Request request;
  request.url = url;
  request.idempotent = true;
  api::RangeFetchOptions fetch;
  fetch.part_size = 128u << 10;
  fetch.concurrency = 4;
  for (int round = 0; round < 3; ++round) {
    std::string got;
    api::fetch_range(
        client, request, {0, content.size()},
        [&](std::span<const std::uint8_t> b) { got.append(b.begin(), b.end()); }, fetch);
    ASSERT_TRUE(got == content) << "round " << round;
  }
  // The decisions are a fixed sequence: the first 48 requests (3 x 16 parts) hold every kind.
  const auto stats = proxy_->stats();
  for (const auto& kind : kAllFaults)
    EXPECT_GE(stats["faults"][kind].get<int>(), 1) << kind << ": " << stats.dump();
  // Every retry is a request the proxy saw (curl may add a transparent one when a reused
  // connection turns out dead, hence at least).
  EXPECT_GT(client.stats().retries, 0u);
  EXPECT_GE(stats["requests"].get<std::uint64_t>() - requests_before,
            48 + client.stats().retries);
}

// Each retry of `path` came no earlier than the Retry-After of the answer before it, measured
// between the proxy's arrival timestamps; returns the number of attempts seen.
std::size_t expect_retry_after_honoured(const std::vector<nlohmann::json>& log,
                                        const std::string& path, double retry_after_ms) {
  std::vector<double> arrivals;
  for (const auto& e : log) {
    if (e["path"] == path) arrivals.push_back(e["t"].get<double>());
  }
  for (std::size_t i = 1; i < arrivals.size(); ++i) {
    EXPECT_GE(arrivals[i] - arrivals[i - 1], retry_after_ms) << "retry " << i;
  }
  return arrivals.size();
}

TEST_F(FaultProxyTest, RetryAfterIsHonouredThenTheStatusSurfaces) {
  const std::string content = pattern_bytes(64u << 10, 4);
  const std::string url = object_url(content);
  const std::string path = url.substr(proxy_->url().size(), url.find('?') - proxy_->url().size());

  api::ClientOptions options;
  options.retry.base_delay = std::chrono::milliseconds(10);  // far below the Retry-After
  api::HttpClient client(options);
  api::Request request;
  request.url = url;
  request.idempotent = true;
  for (const char* kind : {"429", "503"}) {
    const auto before = proxy_->log().size();
    proxy_->configure({{"rate", 1}, {"faults", {kind}}, {"retryAfter", 1}});
    try {
      client.send(request);
      ADD_FAILURE() << "expected " << kind;
    } catch (const api::ApiError& e) {
      EXPECT_EQ(e.kind(), api::ErrorKind::kHttpStatus);
      EXPECT_EQ(std::to_string(e.status()), kind);
      ASSERT_TRUE(e.retry_after().has_value());
    }
    auto log = proxy_->log();
    log.erase(log.begin(), log.begin() + static_cast<std::ptrdiff_t>(before));
    EXPECT_EQ(expect_retry_after_honoured(log, path, 1000.0),
              static_cast<std::size_t>(options.retry.max_attempts))
        << kind;
  }
  // The same client succeeds once the faults stop.
  proxy_->configure({{"rate", 0}});
  EXPECT_TRUE(client.send(request).body == content);
}

}  // namespace
}  // namespace anonfs::faultproxy_test
