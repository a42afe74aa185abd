// Tests of HttpClient against a real loopback HTTP server: bodies and headers, uploads, body
// caps, retries and Retry-After, error bodies, stalls, cancellation and URL safety.
#include "anonfs/api/http_client.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <set>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "anonfs/api/json_body.hpp"
#include "test_server.hpp"

namespace anonfs::api {
namespace {

using namespace std::chrono_literals;
using testing::TestServer;

ClientOptions fast_options() {
  ClientOptions o;
  o.connect_timeout = 2s;
  o.request_timeout = 10s;
  o.retry.max_attempts = 4;
  o.retry.base_delay = 1ms;
  o.retry.max_delay = 5ms;
  o.retry.retry_after_cap = 10ms;
  return o;
}

Request get(const std::string& url, bool idempotent = true) {
  Request r;
  r.url = url;
  r.idempotent = idempotent;
  return r;
}

template <typename F>
ApiError expect_api_error(F&& f) {
  try {
    f();
  } catch (const ApiError& e) {
    return e;
  }
  ADD_FAILURE() << "no ApiError thrown";
  ErrorInfo none;
  return ApiError(none);
}

class HttpClientTest : public ::testing::Test {
 protected:
  TestServer server;
};

TEST_F(HttpClientTest, StatusHeadersAndBody) {
  server.http().Get("/hello", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("X-Thing", "  value with spaces ");
    res.set_header("ETag", "\"0123abcd\"");
    res.set_content("hello world", "text/plain");
  });
  server.start();
  HttpClient client(fast_options());
  const Response r = client.send(get(server.url("/hello")));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello world");
  EXPECT_EQ(r.header("x-thing"), "value with spaces");
  EXPECT_EQ(r.header("etag"), "\"0123abcd\"");  // verbatim, quotes included
  EXPECT_EQ(r.header("CONTENT-TYPE"), "text/plain");
  EXPECT_FALSE(r.header("X-Missing"));
  EXPECT_EQ(client.stats().attempts, 1u);
}

TEST_F(HttpClientTest, PutSendsExactContentLengthWithoutExpect) {
  std::string seen_length, seen_expect, seen_type, seen_body;
  server.http().Put("/part", [&](const httplib::Request& req, httplib::Response& res) {
    seen_length = req.get_header_value("Content-Length");
    seen_expect = req.get_header_value("Expect");
    seen_type = req.get_header_value("Content-Type");
    seen_body = req.body;
    res.set_header("ETag", "\"9b2cf535f27731c974343645a3985328\"");
  });
  server.start();
  HttpClient client(fast_options());
  std::vector<std::uint8_t> payload(3 * 1024 * 1024 + 17);
  for (std::size_t i = 0; i < payload.size(); ++i)
    payload[i] = static_cast<std::uint8_t>(i * 7);
  Request put;
  put.method = Method::kPut;
  put.url = server.url("/part?partNumber=1&uploadId=u&X-Amz-Signature=s");
  put.borrowed_body = std::span<const std::uint8_t>(payload);
  put.idempotent = true;
  const Response r = client.send(put);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("ETag"), "\"9b2cf535f27731c974343645a3985328\"");
  EXPECT_EQ(seen_length, std::to_string(payload.size()));
  EXPECT_EQ(seen_expect, "");
  EXPECT_EQ(seen_type, "");
  ASSERT_EQ(seen_body.size(), payload.size());
  EXPECT_EQ(0, std::memcmp(seen_body.data(), payload.data(), payload.size()));
}

TEST_F(HttpClientTest, EmptyPutSendsContentLengthZero) {
  std::string seen_length = "unset";
  server.http().Put("/empty", [&](const httplib::Request& req, httplib::Response&) {
    seen_length = req.get_header_value("Content-Length");
  });
  server.start();
  HttpClient client(fast_options());
  Request put;
  put.method = Method::kPut;
  put.url = server.url("/empty");
  client.send(put);
  EXPECT_EQ(seen_length, "0");
}

TEST_F(HttpClientTest, JsonRoundTripAndEnvelope) {
  std::string seen_type, seen_auth, seen_method;
  server.http().Patch("/api/v1/drop/abc", [&](const httplib::Request& req, httplib::Response& res) {
    seen_type = req.get_header_value("Content-Type");
    seen_auth = req.get_header_value("Authorization");
    const auto in = nlohmann::json::parse(req.body);
    res.set_content(
        nlohmann::json{{"data", {{"echo", in["x"]}}}, {"meta", {{"request_id", "r"}}}}.dump(),
        "application/json");
  });
  server.start();
  HttpClient client(fast_options());
  Headers h;
  h.set("Authorization", "Bearer ak_0123456789abcdef0123456789abcdef");
  const auto doc = send_json(client, Method::kPatch, server.url("/api/v1/drop/abc?action=finish"),
                             {{"x", 42}}, h);
  const Request dummy = get(server.url("/api/v1/drop/abc"));
  EXPECT_EQ(envelope_data(dummy, doc)["echo"], 42);
  EXPECT_EQ(seen_type, "application/json");
  EXPECT_EQ(seen_auth, "Bearer ak_0123456789abcdef0123456789abcdef");
  EXPECT_EQ(expect_api_error([&] {
              envelope_data(dummy, nlohmann::json{{"x", 1}});
            }).kind(),
            ErrorKind::kProtocol);
}

TEST_F(HttpClientTest, MalformedJsonIsProtocolError) {
  server.http().Get("/bad", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("{not json", "application/json");
  });
  server.start();
  HttpClient client(fast_options());
  const ApiError e = expect_api_error([&] { send_json(client, Method::kGet, server.url("/bad")); });
  EXPECT_EQ(e.kind(), ErrorKind::kProtocol);
  EXPECT_EQ(e.status(), 200);
}

TEST_F(HttpClientTest, BodyCapWithContentLength) {
  server.http().Get("/big", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(2 * 1024 * 1024, 'x'), "application/json");
  });
  server.start();
  HttpClient client(fast_options());
  Request r = get(server.url("/big"));
  r.max_body_bytes = 1024 * 1024;
  EXPECT_EQ(expect_api_error([&] { client.send(r); }).kind(), ErrorKind::kBodyTooLarge);
  r.max_body_bytes = 4 * 1024 * 1024;
  EXPECT_EQ(client.send(r).body.size(), 2u * 1024 * 1024);
}

TEST_F(HttpClientTest, BodyCapWithoutContentLength) {
  std::atomic<int> chunks_sent{0};
  server.http().Get("/chunked", [&](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider("application/json", [&](size_t, httplib::DataSink& sink) {
      // Endless body: the client must stop reading at its cap instead of buffering it all.
      const std::string block(64 * 1024, 'y');
      if (server.stopping() || !sink.write(block.data(), block.size())) return false;
      return ++chunks_sent < 10000;
    });
  });
  server.start();
  ClientOptions o = fast_options();
  o.max_body_bytes = 256 * 1024;
  HttpClient client(o);
  EXPECT_EQ(expect_api_error([&] { client.send(get(server.url("/chunked"))); }).kind(),
            ErrorKind::kBodyTooLarge);
  EXPECT_LT(chunks_sent.load(), 10000);
}

TEST_F(HttpClientTest, RetriesServiceUnavailableThenSucceeds) {
  std::atomic<int> hits{0};
  server.http().Get("/flaky", [&](const httplib::Request&, httplib::Response& res) {
    if (++hits == 1) {
      res.status = 503;
      res.set_content(R"({"error":{"message":"down","code":"SERVICE_UNAVAILABLE"}})",
                      "application/json");
      return;
    }
    res.set_content("ok", "text/plain");
  });
  server.start();
  HttpClient client(fast_options());
  EXPECT_EQ(client.send(get(server.url("/flaky"))).body, "ok");
  EXPECT_EQ(hits.load(), 2);
  EXPECT_EQ(client.stats().attempts, 2u);
  EXPECT_EQ(client.stats().retries, 1u);
  EXPECT_EQ(client.stats().failures, 0u);
}

TEST_F(HttpClientTest, NonIdempotentIsNotRetriedOn5xx) {
  std::atomic<int> hits{0};
  server.http().Post("/create", [&](const httplib::Request&, httplib::Response& res) {
    ++hits;
    res.status = 500;
  });
  server.start();
  HttpClient client(fast_options());
  Request r = Request::json(Method::kPost, server.url("/create"), "{}");
  EXPECT_EQ(expect_api_error([&] { client.send(r); }).status(), 500);
  EXPECT_EQ(hits.load(), 1);
}

TEST_F(HttpClientTest, RetryAfterIsHonoured) {
  std::atomic<int> hits{0};
  server.http().Get("/limited", [&](const httplib::Request&, httplib::Response& res) {
    if (++hits == 1) {
      res.status = 429;
      res.set_header("Retry-After", "1");
      res.set_content(R"({"error":"Too many requests","message":"slow down","retryAfter":1})",
                      "application/json");
      return;
    }
    res.set_content("second", "text/plain");
  });
  server.start();
  HttpClient client(fast_options());  // retry_after_cap = 10 ms keeps the test fast
  EXPECT_EQ(client.send(get(server.url("/limited"), /*idempotent=*/false)).body, "second");
  EXPECT_EQ(hits.load(), 2);  // the server saw the repeated request
  EXPECT_EQ(client.stats().attempts, 2u);
}

TEST_F(HttpClientTest, RateLimitBodyIsParsedWhenRetriesRunOut) {
  std::atomic<int> hits{0};
  server.http().Get("/limited", [&](const httplib::Request&, httplib::Response& res) {
    ++hits;
    res.status = 429;
    res.set_header("Retry-After", "7");
    res.set_header("X-RateLimit-Remaining", "0");
    res.set_content(
        R"({"error":"Too many requests","message":"Rate limit exceeded","retryAfter":7})",
        "application/json");
  });
  server.start();
  ClientOptions o = fast_options();
  o.retry.max_attempts = 2;
  HttpClient client(o);
  const ApiError e = expect_api_error([&] { client.send(get(server.url("/limited"))); });
  EXPECT_EQ(e.kind(), ErrorKind::kHttpStatus);
  EXPECT_EQ(e.status(), 429);
  EXPECT_EQ(e.message(), "Too many requests: Rate limit exceeded");
  ASSERT_TRUE(e.retry_after());
  EXPECT_EQ(e.retry_after()->count(), 7);
  EXPECT_EQ(hits.load(), 2);
}

TEST_F(HttpClientTest, LongRetryAfterIsNotWaitedFor) {
  std::atomic<int> hits{0};
  server.http().Get("/quota", [&](const httplib::Request&, httplib::Response& res) {
    ++hits;
    res.status = 429;
    res.set_header("Retry-After", "86400");
    res.set_content(R"({"error":{"message":"Monthly API limit reached","code":"RATE_LIMITED"}})",
                    "application/json");
  });
  server.start();
  HttpClient client(fast_options());
  const ApiError e = expect_api_error([&] { client.send(get(server.url("/quota"))); });
  EXPECT_EQ(e.code(), "RATE_LIMITED");
  EXPECT_EQ(e.retry_after(), std::chrono::seconds(86400));
  EXPECT_EQ(hits.load(), 1);
}

TEST_F(HttpClientTest, NotFoundIsNotRetriedAndKeepsPlainTextMessage) {
  std::atomic<int> hits{0};
  server.http().Get("/gone", [&](const httplib::Request&, httplib::Response& res) {
    ++hits;
    res.status = 404;
    res.set_content("This file is not available.", "text/plain");
  });
  server.start();
  HttpClient client(fast_options());
  const ApiError e = expect_api_error([&] { client.send(get(server.url("/gone"))); });
  EXPECT_EQ(e.kind(), ErrorKind::kHttpStatus);
  EXPECT_EQ(e.status(), 404);
  EXPECT_EQ(e.message(), "This file is not available.");
  EXPECT_EQ(hits.load(), 1);
  EXPECT_EQ(client.stats().failures, 1u);
}

TEST_F(HttpClientTest, EnvelopeErrorIsParsed) {
  server.http().Post("/api/v1/drop", [&](const httplib::Request&, httplib::Response& res) {
    res.status = 400;
    res.set_content(
        R"({"error":{"message":"Invalid request body","code":"VALIDATION_ERROR",)"
        R"("details":[{"field":"iv","message":"Required"}]},"meta":{"request_id":"req_1"}})",
        "application/json");
  });
  server.start();
  HttpClient client(fast_options());
  const ApiError e = expect_api_error([&] {
    send_json(client, Method::kPost, server.url("/api/v1/drop"), {{"a", 1}});
  });
  EXPECT_EQ(e.status(), 400);
  EXPECT_EQ(e.code(), "VALIDATION_ERROR");
  EXPECT_EQ(e.message(), "Invalid request body");
  EXPECT_EQ(e.server_error().details[0]["field"], "iv");
  EXPECT_EQ(e.server_error().request_id, "req_1");
}

TEST_F(HttpClientTest, ErrorsNeverContainTheQueryString) {
  server.http().Get("/obj", [&](const httplib::Request&, httplib::Response& res) {
    res.status = 403;
    res.set_content("SignatureDoesNotMatch", "text/plain");
  });
  server.start();
  HttpClient client(fast_options());
  const std::string url = server.url("/obj?X-Amz-Credential=CRED&X-Amz-Signature=SIGNATURE");
  const ApiError e = expect_api_error([&] { client.send(get(url)); });
  const std::string what = e.what();
  EXPECT_EQ(what.find("SIGNATURE"), std::string::npos) << what;
  EXPECT_EQ(what.find('?'), std::string::npos) << what;
  EXPECT_EQ(e.url(), server.url("/obj"));
  EXPECT_NE(what.find("HTTP 403"), std::string::npos) << what;
}

TEST_F(HttpClientTest, NetworkErrorsNeverContainTheQueryString) {
  server.start();
  const std::string url = server.url("/obj?X-Amz-Signature=SIGNATURE");
  server.stop();  // nothing listens on the port any more
  ClientOptions o = fast_options();
  o.retry.max_attempts = 2;
  HttpClient client(o);
  const ApiError e = expect_api_error([&] { client.send(get(url)); });
  EXPECT_EQ(e.kind(), ErrorKind::kNetwork);
  EXPECT_TRUE(e.request_not_sent());
  EXPECT_EQ(std::string(e.what()).find("SIGNATURE"), std::string::npos) << e.what();
  EXPECT_EQ(client.stats().attempts, 2u);  // connection refused is retried
}

TEST_F(HttpClientTest, FragmentUrlsAreRefusedBeforeSending) {
  std::atomic<int> hits{0};
  server.http().Get("/d/abc", [&](const httplib::Request&, httplib::Response&) { ++hits; });
  server.start();
  HttpClient client(fast_options());
  const ApiError e = expect_api_error([&] { client.send(get(server.url("/d/abc#SECRETKEY"))); });
  EXPECT_EQ(e.kind(), ErrorKind::kInvalidRequest);
  EXPECT_EQ(std::string(e.what()).find("SECRETKEY"), std::string::npos);
  EXPECT_EQ(
      expect_api_error([&] { client.stream(get(server.url("/d/abc#k")), [](auto) {}); }).kind(),
      ErrorKind::kInvalidRequest);
  EXPECT_EQ(hits.load(), 0);
  EXPECT_EQ(client.stats().attempts, 0u);
}

TEST_F(HttpClientTest, HeaderInjectionIsRefused) {
  server.start();
  HttpClient client(fast_options());
  Request r = get(server.url("/x"));
  r.headers.set("X-A", "b\r\nX-Injected: 1");
  EXPECT_EQ(expect_api_error([&] { client.send(r); }).kind(), ErrorKind::kInvalidRequest);
}

TEST_F(HttpClientTest, StalledTransferTimesOut) {
  server.http().Get("/stall", [&](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider("application/octet-stream",
                                     [&](size_t offset, httplib::DataSink& sink) {
                                       if (offset == 0) {
                                         sink.write("0123456789", 10);
                                         return true;
                                       }
                                       testing::stall(server, 20s);
                                       return false;
                                     });
  });
  server.start();
  ClientOptions o = fast_options();
  o.low_speed_limit = 1000;
  o.low_speed_time = 1s;
  o.retry = RetryPolicy::none();
  HttpClient client(o);
  std::string got;
  const ApiError e = expect_api_error([&] {
    client.stream(get(server.url("/stall")), [&](std::span<const std::uint8_t> b) {
      got.append(reinterpret_cast<const char*>(b.data()), b.size());
    });
  });
  EXPECT_EQ(e.kind(), ErrorKind::kTimeout);
  EXPECT_EQ(got, "0123456789");
}

TEST_F(HttpClientTest, CancellationStopsASlowTransfer) {
  server.http().Get("/slow", [&](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider("application/octet-stream",
                                     [&](size_t offset, httplib::DataSink& sink) {
                                       if (offset == 0) {
                                         sink.write("abc", 3);
                                         return true;
                                       }
                                       testing::stall(server, 20s);
                                       return false;
                                     });
  });
  server.start();
  HttpClient client(fast_options());  // default 30 s low-speed time: only cancellation ends it
  std::stop_source stop;
  std::promise<void> first_bytes;
  std::atomic<bool> signalled{false};
  auto result = std::async(std::launch::async, [&] {
    return expect_api_error([&] {
      client.stream(
          get(server.url("/slow")),
          [&](std::span<const std::uint8_t>) {
            if (!signalled.exchange(true)) first_bytes.set_value();
          },
          stop.get_token());
    });
  });
  first_bytes.get_future().wait();
  stop.request_stop();
  EXPECT_EQ(result.get().kind(), ErrorKind::kCancelled);
}

TEST_F(HttpClientTest, CancellationInterruptsRetryBackoff) {
  std::promise<void> first_hit;
  std::atomic<int> hits{0};
  server.http().Get("/busy", [&](const httplib::Request&, httplib::Response& res) {
    res.status = 503;
    res.set_header("Retry-After", "100");
    if (++hits == 1) first_hit.set_value();
  });
  server.start();
  ClientOptions o = fast_options();
  o.retry.retry_after_cap = 100s;  // would wait 100 s unless the wait is cancellable
  HttpClient client(o);
  std::stop_source stop;
  auto result = std::async(std::launch::async, [&] {
    return expect_api_error([&] { client.send(get(server.url("/busy")), stop.get_token()); });
  });
  first_hit.get_future().wait();
  stop.request_stop();
  EXPECT_EQ(result.get().kind(), ErrorKind::kCancelled);
  EXPECT_EQ(hits.load(), 1);
}

TEST_F(HttpClientTest, SinkExceptionPropagatesUnchanged) {
  server.http().Get("/data", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(100000, 'z'), "application/octet-stream");
  });
  server.start();
  HttpClient client(fast_options());
  struct Boom {};
  EXPECT_THROW(client.stream(get(server.url("/data")), [](auto) { throw Boom{}; }), Boom);
  EXPECT_EQ(client.stats().attempts, 1u);
}

TEST_F(HttpClientTest, ConnectionsAreReused) {
  std::mutex mutex;
  std::set<int> client_ports;
  server.http().Get("/ping", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mutex);
    client_ports.insert(req.remote_port);
    res.set_content("pong", "text/plain");
  });
  server.start();
  HttpClient client(fast_options());
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(client.send(get(server.url("/ping"))).body, "pong");
  std::lock_guard lock(mutex);
  EXPECT_EQ(client_ports.size(), 1u);  // one pooled handle, one kept-alive connection
}

TEST_F(HttpClientTest, ConcurrentCallsShareTheClient) {
  std::atomic<int> hits{0};
  server.http().Get(R"(/n/(\d+))", [&](const httplib::Request& req, httplib::Response& res) {
    ++hits;
    res.set_content(req.matches[1].str(), "text/plain");
  });
  server.start();
  HttpClient client(fast_options());
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        const std::string n = std::to_string(t * 100 + i);
        if (client.send(get(server.url("/n/" + n))).body == n) ++ok;
      }
    });
  }
  for (auto& th : threads)
    th.join();
  EXPECT_EQ(ok.load(), 100);
  EXPECT_EQ(hits.load(), 100);
}

}  // namespace
}  // namespace anonfs::api
