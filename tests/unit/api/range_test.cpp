// Tests of ranged GETs (206 + Content-Range verification, misbehaving servers) and of the
// parallel in-order range fetch.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <random>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "anonfs/api/http_client.hpp"
#include "anonfs/api/range_fetch.hpp"
#include "test_server.hpp"

namespace anonfs::api {
namespace {

using namespace std::chrono_literals;
using testing::TestServer;

std::string random_blob(std::size_t size, unsigned seed) {
  std::mt19937 rng(seed);
  std::string out(size, '\0');
  for (auto& c : out)
    c = static_cast<char>(rng());
  return out;
}

ClientOptions fast_options() {
  ClientOptions o;
  o.connect_timeout = 2s;
  o.retry.base_delay = 1ms;
  o.retry.max_delay = 5ms;
  o.retry.retry_after_cap = 10ms;
  return o;
}

Request presigned_get(const std::string& url) {
  Request r;
  r.url = url;
  r.idempotent = true;
  return r;
}

Sink append_to(std::string& out) {
  return [&out](std::span<const std::uint8_t> b) {
    out.append(reinterpret_cast<const char*>(b.data()), b.size());
  };
}

template <typename F>
ErrorKind error_kind(F&& f) {
  try {
    f();
  } catch (const ApiError& e) {
    return e.kind();
  }
  ADD_FAILURE() << "no ApiError thrown";
  return ErrorKind::kNetwork;
}

// Serves `body` for a 206 with whatever Content-Range and byte count a test wants (chunked, so
// httplib applies no Range logic of its own).
void serve_partial(httplib::Response& res, std::string content_range, std::string body) {
  res.status = 206;
  res.set_header("Content-Range", content_range);
  res.set_chunked_content_provider("application/octet-stream",
                                   [body = std::move(body)](size_t, httplib::DataSink& sink) {
                                     sink.write(body.data(), body.size());
                                     sink.done();
                                     return true;
                                   });
}

class RangeTest : public ::testing::Test {
 protected:
  void serve_blob(std::size_t size) {
    blob = random_blob(size, 1234);
    server.http().Get("/blob", [this](const httplib::Request& req, httplib::Response& res) {
      ++hits;
      if (req.has_header("Range")) ++ranged_hits;
      res.set_content(blob, "application/octet-stream");  // httplib answers Range with 206
    });
    server.start();
  }

  // Declared before the server so that they outlive it: members are destroyed in reverse order,
  // and the server's handler threads read them until the server has stopped.
  std::string blob;
  std::atomic<int> hits{0}, ranged_hits{0};
  TestServer server;
};

TEST_F(RangeTest, RangedGetReturnsExactlyTheRange) {
  serve_blob(100000);
  HttpClient client(fast_options());
  Request r = presigned_get(server.url("/blob?X-Amz-Signature=s"));
  r.range = ByteRange{10, 1000};
  std::string got;
  const Response res = client.stream(r, append_to(got));
  EXPECT_EQ(res.status, 206);
  EXPECT_EQ(got, blob.substr(10, 1000));
  EXPECT_TRUE(res.header("content-range").has_value());

  got.clear();
  r.range = ByteRange{99999, 1};  // last byte
  client.stream(r, append_to(got));
  EXPECT_EQ(got, blob.substr(99999, 1));
}

TEST_F(RangeTest, ServerAnswering200ToARangeIsRejected) {
  std::atomic<int> hits200{0};
  server.http().Get("/ignores-range", [&](const httplib::Request&, httplib::Response& res) {
    ++hits200;
    res.status = 200;
    res.set_chunked_content_provider("application/octet-stream",
                                     [](size_t, httplib::DataSink& sink) {
                                       const std::string whole(5000, 'w');
                                       sink.write(whole.data(), whole.size());
                                       sink.done();
                                       return true;
                                     });
  });
  server.start();
  HttpClient client(fast_options());
  Request r = presigned_get(server.url("/ignores-range"));
  r.range = ByteRange{100, 200};
  std::string got;
  EXPECT_EQ(error_kind([&] { client.stream(r, append_to(got)); }), ErrorKind::kProtocol);
  EXPECT_TRUE(got.empty());      // not a single wrong byte delivered
  EXPECT_EQ(hits200.load(), 1);  // protocol errors are not retried
}

TEST_F(RangeTest, MismatchedContentRangeIsRejected) {
  server.http().Get("/wrong", [&](const httplib::Request&, httplib::Response& res) {
    serve_partial(res, "bytes 0-199/5000", std::string(200, 'a'));
  });
  server.start();
  HttpClient client(fast_options());
  Request r = presigned_get(server.url("/wrong"));
  r.range = ByteRange{100, 200};
  std::string got;
  EXPECT_EQ(error_kind([&] { client.stream(r, append_to(got)); }), ErrorKind::kProtocol);
  EXPECT_TRUE(got.empty());
}

TEST_F(RangeTest, TooManyBytesAreRejected) {
  server.http().Get("/more", [&](const httplib::Request&, httplib::Response& res) {
    serve_partial(res, "bytes 100-299/5000", std::string(300, 'm'));
  });
  server.start();
  HttpClient client(fast_options());
  Request r = presigned_get(server.url("/more"));
  r.range = ByteRange{100, 200};
  std::string got;
  EXPECT_EQ(error_kind([&] { client.stream(r, append_to(got)); }), ErrorKind::kProtocol);
  EXPECT_LE(got.size(), 200u);
}

TEST_F(RangeTest, TooFewBytesAreRejected) {
  server.http().Get("/less", [&](const httplib::Request&, httplib::Response& res) {
    serve_partial(res, "bytes 100-299/5000", std::string(50, 'l'));
  });
  server.start();
  HttpClient client(fast_options());
  Request r = presigned_get(server.url("/less"));
  r.range = ByteRange{100, 200};
  std::string got;
  EXPECT_EQ(error_kind([&] { client.stream(r, append_to(got)); }), ErrorKind::kProtocol);
}

TEST_F(RangeTest, ParallelFetchReassemblesInOrder) {
  const std::size_t size = 3 * 1024 * 1024 + 12345;
  serve_blob(size);
  HttpClient client(fast_options());
  const Request base = presigned_get(server.url("/blob?X-Amz-Signature=sig"));
  const ByteRange range{1000, size - 1000 - 333};
  const std::string expected = blob.substr(range.offset, range.length);
  for (const std::uint64_t part : {64ull * 1024, 1024ull * 1024 + 7, 5ull * 1024 * 1024}) {
    for (const std::size_t concurrency : {std::size_t{1}, std::size_t{2}, std::size_t{4}}) {
      SCOPED_TRACE("part " + std::to_string(part) + " concurrency " + std::to_string(concurrency));
      std::string got;
      got.reserve(expected.size());
      fetch_range(client, base, range, append_to(got), {part, concurrency});
      ASSERT_EQ(got.size(), expected.size());
      EXPECT_TRUE(got == expected);
    }
  }
  EXPECT_EQ(hits.load(), ranged_hits.load());  // every request was a ranged GET
}

TEST_F(RangeTest, ParallelFetchPartCountMatchesPartSize) {
  serve_blob(1024 * 1024);
  HttpClient client(fast_options());
  std::string got;
  fetch_range(client, presigned_get(server.url("/blob")), {0, 1024 * 1024}, append_to(got),
              {100 * 1024, 3});
  EXPECT_TRUE(got == blob);
  EXPECT_EQ(hits.load(), 11);  // ceil(1 MiB / 100 KiB)
}

TEST_F(RangeTest, ParallelFetchFailsOnAFailingPart) {
  blob = random_blob(400000, 7);
  server.http().Get("/blob", [this](const httplib::Request& req, httplib::Response& res) {
    if (req.get_header_value("Range").rfind("bytes=200000-", 0) == 0) {
      res.status = 403;  // chunked, so httplib does not turn it into a 416 for the range
      res.set_chunked_content_provider("text/plain", [](size_t, httplib::DataSink& sink) {
        sink.write("AccessDenied", 12);
        sink.done();
        return true;
      });
      return;
    }
    res.set_content(blob, "application/octet-stream");
  });
  server.start();
  HttpClient client(fast_options());
  std::string got;
  try {
    fetch_range(client, presigned_get(server.url("/blob")), {0, 400000}, append_to(got),
                {100000, 2});
    FAIL() << "no error";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kHttpStatus);
    EXPECT_EQ(e.status(), 403);
  }
  EXPECT_LE(got.size(), 200000u);
  EXPECT_TRUE(got == blob.substr(0, got.size()));  // whatever was delivered is the right prefix
}

TEST_F(RangeTest, ParallelFetchSinkExceptionStopsEverything) {
  serve_blob(2 * 1024 * 1024);
  HttpClient client(fast_options());
  struct Enough {};
  EXPECT_THROW(fetch_range(client, presigned_get(server.url("/blob")), {0, 2 * 1024 * 1024},
                           [](std::span<const std::uint8_t>) { throw Enough{}; }, {256 * 1024, 4}),
               Enough);
}

TEST_F(RangeTest, ParallelFetchCanBeCancelled) {
  server.http().Get("/slow", [&](const httplib::Request& req, httplib::Response& res) {
    // Honest 206 headers for whatever range was asked, then a trickle that never completes.
    const std::string range = req.get_header_value("Range");  // bytes=a-b
    const auto dash = range.find('-');
    const std::uint64_t a = std::stoull(range.substr(6, dash - 6));
    const std::uint64_t b = std::stoull(range.substr(dash + 1));
    res.status = 206;
    res.set_header("Content-Range",
                   "bytes " + std::to_string(a) + "-" + std::to_string(b) + "/1000000");
    res.set_chunked_content_provider("application/octet-stream",
                                     [&](size_t offset, httplib::DataSink& sink) {
                                       if (offset == 0) {
                                         sink.write("x", 1);
                                         return true;
                                       }
                                       testing::stall(server, 20s);
                                       return false;
                                     });
  });
  server.start();
  HttpClient client(fast_options());
  std::stop_source stop;
  std::promise<void> first_byte;
  std::atomic<bool> signalled{false};
  auto result = std::async(std::launch::async, [&] {
    return error_kind([&] {
      fetch_range(
          client, presigned_get(server.url("/slow")), {0, 400000},
          [&](std::span<const std::uint8_t>) {
            if (!signalled.exchange(true)) first_byte.set_value();
          },
          {100000, 4}, stop.get_token());
    });
  });
  first_byte.get_future().wait();
  stop.request_stop();
  EXPECT_EQ(result.get(), ErrorKind::kCancelled);
}

TEST_F(RangeTest, EmptyRangeAndBadOptions) {
  serve_blob(10);
  HttpClient client(fast_options());
  std::string got;
  fetch_range(client, presigned_get(server.url("/blob")), {5, 0}, append_to(got));
  EXPECT_TRUE(got.empty());
  EXPECT_EQ(hits.load(), 0);
  EXPECT_EQ(
      error_kind([&] {
        fetch_range(client, presigned_get(server.url("/blob")), {0, 10}, append_to(got), {0, 4});
      }),
      ErrorKind::kInvalidRequest);
  EXPECT_EQ(error_kind([&] {
              fetch_range(client, presigned_get(server.url("/blob#key")), {0, 10}, append_to(got));
            }),
            ErrorKind::kInvalidRequest);
}

// ---- fetch_range_into: sub-ranges written straight into the caller's buffer ------------------

TEST_F(RangeTest, FetchIntoBufferWritesEveryPartAtItsOffset) {
  const std::size_t size = 3 * 1024 * 1024 + 12345;
  serve_blob(size);
  HttpClient client(fast_options());
  const Request base = presigned_get(server.url("/blob?X-Amz-Signature=sig"));
  const ByteRange range{1000, size - 1000 - 333};
  const std::string expected = blob.substr(range.offset, range.length);
  int requests = 0;
  for (const std::uint64_t part : {64ull * 1024, 1024ull * 1024 + 7, 5ull * 1024 * 1024}) {
    for (const std::size_t concurrency : {std::size_t{1}, std::size_t{3}, std::size_t{8}}) {
      SCOPED_TRACE("part " + std::to_string(part) + " concurrency " + std::to_string(concurrency));
      std::string got(expected.size(), '\0');
      fetch_range_into(client, base, range,
                       std::span(reinterpret_cast<std::uint8_t*>(got.data()), got.size()),
                       {part, concurrency});
      EXPECT_TRUE(got == expected);
      requests += static_cast<int>((range.length + part - 1) / part);
      EXPECT_EQ(hits.load(), requests);  // one GET per part, no retries
    }
  }
  EXPECT_EQ(hits.load(), ranged_hits.load());
}

TEST_F(RangeTest, FetchIntoBufferOfTheWrongSizeIsRefused) {
  serve_blob(1000);
  HttpClient client(fast_options());
  std::vector<std::uint8_t> small(99), big(101);
  const Request r = presigned_get(server.url("/blob"));
  EXPECT_EQ(error_kind([&] {
              fetch_range_into(client, r, {0, 100}, small);
            }),
            ErrorKind::kInvalidRequest);
  EXPECT_EQ(error_kind([&] {
              fetch_range_into(client, r, {0, 100}, big);
            }),
            ErrorKind::kInvalidRequest);
  EXPECT_EQ(error_kind([&] {
              fetch_range_into(client, r, {0, 100}, big, {0, 4});
            }),
            ErrorKind::kInvalidRequest);
  fetch_range_into(client, r, {10, 0}, std::span<std::uint8_t>());  // empty: nothing to fetch
  EXPECT_EQ(hits.load(), 0);
}

// A server that answers the part starting at `bad_offset` with `delta` bytes more or less than
// asked for (honest Content-Range), every other part correctly.
class MisbehavingPartTest : public RangeTest {
 protected:
  void serve(std::uint64_t bad_offset, int delta) {
    blob = random_blob(400000, 9);
    server.http().Get(
        "/blob", [this, bad_offset, delta](const httplib::Request& req, httplib::Response& res) {
          const std::string range = req.get_header_value("Range");  // bytes=a-b
          const auto dash = range.find('-');
          const std::uint64_t a = std::stoull(range.substr(6, dash - 6));
          const std::uint64_t b = std::stoull(range.substr(dash + 1));
          std::string body = blob.substr(a, b - a + 1);
          if (a == bad_offset) body.resize(body.size() + delta, 'x');
          serve_partial(res,
                        "bytes " + std::to_string(a) + "-" + std::to_string(b) + "/" +
                            std::to_string(blob.size()),
                        std::move(body));
        });
    server.start();
  }
  ErrorKind fetch() {
    HttpClient client(fast_options());
    std::vector<std::uint8_t> out(400000);
    return error_kind([&] {
      fetch_range_into(client, presigned_get(server.url("/blob")), {0, 400000}, out, {100000, 4});
    });
  }
};

TEST_F(MisbehavingPartTest, ShortPartIsAProtocolError) {
  serve(200000, -1);
  EXPECT_EQ(fetch(), ErrorKind::kProtocol);
}

TEST_F(MisbehavingPartTest, OversizedPartIsAProtocolError) {
  serve(300000, 1000);
  EXPECT_EQ(fetch(), ErrorKind::kProtocol);
}

TEST_F(RangeTest, FetchIntoBufferFailsOnAFailingPart) {
  blob = random_blob(400000, 7);
  server.http().Get("/blob", [this](const httplib::Request& req, httplib::Response& res) {
    if (req.get_header_value("Range").rfind("bytes=200000-", 0) == 0) {
      res.status = 403;
      res.set_chunked_content_provider("text/plain", [](size_t, httplib::DataSink& sink) {
        sink.write("AccessDenied", 12);
        sink.done();
        return true;
      });
      return;
    }
    res.set_content(blob, "application/octet-stream");
  });
  server.start();
  HttpClient client(fast_options());
  std::vector<std::uint8_t> out(400000);
  try {
    fetch_range_into(client, presigned_get(server.url("/blob")), {0, 400000}, out, {100000, 2});
    FAIL() << "no error";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kHttpStatus);
    EXPECT_EQ(e.status(), 403);
  }
}

TEST_F(RangeTest, FetchIntoBufferCanBeCancelled) {
  std::atomic<int> started{0};
  server.http().Get("/slow", [&](const httplib::Request& req, httplib::Response& res) {
    const std::string range = req.get_header_value("Range");
    const auto dash = range.find('-');
    const std::uint64_t a = std::stoull(range.substr(6, dash - 6));
    const std::uint64_t b = std::stoull(range.substr(dash + 1));
    res.status = 206;
    res.set_header("Content-Range",
                   "bytes " + std::to_string(a) + "-" + std::to_string(b) + "/1000000");
    res.set_chunked_content_provider("application/octet-stream",
                                     [&](size_t offset, httplib::DataSink& sink) {
                                       if (offset == 0) {
                                         sink.write("x", 1);
                                         ++started;
                                         return true;
                                       }
                                       testing::stall(server, 20s);
                                       return false;
                                     });
  });
  server.start();
  HttpClient client(fast_options());
  std::stop_source stop;
  std::vector<std::uint8_t> out(400000);
  auto result = std::async(std::launch::async, [&] {
    return error_kind([&] {
      fetch_range_into(client, presigned_get(server.url("/slow")), {0, 400000}, out, {100000, 4},
                       stop.get_token());
    });
  });
  while (started.load() == 0)
    std::this_thread::yield();
  stop.request_stop();
  EXPECT_EQ(result.get(), ErrorKind::kCancelled);
}

}  // namespace
}  // namespace anonfs::api
