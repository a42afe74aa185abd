// AnonliClient against a scripted loopback server (cpp-httplib): what is sent (Authorization only
// on authenticated routes, idempotency, paths and pagination) and how malformed or mismatched
// responses are refused (ErrorKind::kProtocol naming the route).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "anonfs/api/anonli_client.hpp"
#include "anonfs/api/api_error.hpp"
#include "test_server.hpp"

namespace anonfs::api {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::TestServer;

const std::string kKey = "ak_0123456789abcdef0123456789abcdef";
const std::string kDrop = "abcdefghij012345";

ClientOptions fast_options() {
  ClientOptions o;
  o.connect_timeout = 2s;
  o.request_timeout = 10s;
  o.retry.max_attempts = 3;
  o.retry.base_delay = 1ms;
  o.retry.max_delay = 2ms;
  o.retry.retry_after_cap = 5ms;
  return o;
}

template <typename F>
ApiError expect_api_error(F&& f) {
  try {
    f();
  } catch (const ApiError& e) {
    return e;
  }
  ADD_FAILURE() << "no ApiError thrown";
  return ApiError(ErrorInfo{});
}

json metadata(const std::string& id) {
  return {{"id", id},
          {"encryptedTitle", nullptr},
          {"encryptedMessage", nullptr},
          {"iv", "AAECAwQFBgcICQoL"},
          {"customKey", false},
          {"salt", nullptr},
          {"customKeyData", nullptr},
          {"customKeyIv", nullptr},
          {"downloads", 0},
          {"maxDownloads", nullptr},
          {"expiresAt", nullptr},
          {"hideBranding", false},
          {"createdAt", "2026-01-01T00:00:00.000Z"},
          {"files", json::array()}};
}

json envelope(json data) {
  return {{"data", std::move(data)}, {"meta", {{"request_id", "req_0123456789abcdef"}}}};
}

json list_item(int n) {
  char id[17];
  std::snprintf(id, sizeof id, "%016d", n);
  return {{"id", id}, {"iv", "AAECAwQFBgcICQoL"}, {"createdAt", "2026-01-01T00:00:00.000Z"}};
}

struct Seen {
  std::string method;
  std::string path;
  std::string authorization;
};

class AnonliClientProtocolTest : public ::testing::Test {
 protected:
  // Serves `handler` for every method and path; records each request.
  void serve(std::function<void(const httplib::Request&, httplib::Response&)> handler) {
    auto record = [this, handler](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard lock(mutex_);
        seen_.push_back({req.method, req.path, req.get_header_value("Authorization")});
      }
      handler(req, res);
    };
    server_.http().Get(".*", record);
    server_.http().Post(".*", record);
    server_.http().Put(".*", record);
    server_.http().Patch(".*", record);
    server_.http().Delete(".*", record);
    server_.start();
    client_ = std::make_unique<AnonliClient>(http_, server_.url(""),
                                             crypto::SecretBytes::from_string(kKey));
  }
  // Answers `body` (JSON text) with status 200 to everything.
  void serve_json(std::string body, int status = 200) {
    serve([body, status](const httplib::Request&, httplib::Response& res) {
      res.status = status;
      res.set_content(body, "application/json");
    });
  }
  std::vector<Seen> seen() {
    std::lock_guard lock(mutex_);
    return seen_;
  }

  void expect_protocol(const std::function<void()>& call, const std::string& route) {
    const ApiError e = expect_api_error(call);
    EXPECT_EQ(e.kind(), ErrorKind::kProtocol) << e.what();
    EXPECT_NE(e.message().find(route), std::string::npos) << e.message();
    EXPECT_EQ(std::string(e.what()).find(kKey), std::string::npos);
  }

  TestServer server_;
  HttpClient http_{fast_options()};
  std::unique_ptr<AnonliClient> client_;
  std::mutex mutex_;
  std::vector<Seen> seen_;
};

TEST_F(AnonliClientProtocolTest, AuthorizationOnlyOnAuthenticatedRoutes) {
  serve([](const httplib::Request& req, httplib::Response& res) {
    // Enough of every shape for the calls below.
    if (req.path == "/objects/part") {
      res.set_header("ETag", "\"abc\"");
      return;
    }
    json body;
    if (req.path == "/api/v1/drop/" + kDrop && req.method == "GET") {
      body = metadata(kDrop);
    } else if (req.path == "/api/v1/drop/" + kDrop + "/download") {
      body = {{"success", true}, {"downloadUrls", json::object()}};
    } else if (req.path == "/api/vault/bootstrap") {
      body = envelope({{"authSalt", std::string(43, 'A')}, {"kdfVersion", 1}});
    } else if (req.path == "/api/v1/me") {
      body = envelope({{"id", "u"}, {"email", "a@b.c"}});
    } else if (req.path == "/api/v1/drop") {
      body = envelope(json::array());
    } else if (req.path == "/api/v1/vault/drop-keys") {
      body = envelope(json::array());
    } else {
      body = {{"success", true}};
    }
    res.set_content(body.dump(), "application/json");
  });
  client_->drop_metadata(kDrop);
  client_->consume_download(kDrop);
  client_->vault_bootstrap("a@b.c");
  const std::vector<std::uint8_t> part(10, 7);
  EXPECT_EQ(client_->upload_part(server_.url("/objects/part?sig=1"), part), "\"abc\"");
  client_->me();
  client_->list_drops();
  client_->drop_keys();
  client_->delete_drop(kDrop);
  client_->finish_drop(kDrop, {});
  client_->abort_file(kDrop, "f1", {"u"});

  const auto requests = seen();
  ASSERT_EQ(requests.size(), 10u);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(requests[i].authorization, "") << requests[i].path;
  }
  for (std::size_t i = 4; i < requests.size(); ++i) {
    EXPECT_EQ(requests[i].authorization, "Bearer " + kKey) << requests[i].path;
  }
  EXPECT_EQ(requests[1].method, "POST");
  EXPECT_EQ(requests[3].method, "PUT");
  EXPECT_EQ(requests[7].method, "DELETE");
  EXPECT_EQ(requests[8].method, "PATCH");
  EXPECT_EQ(requests[9].path, "/api/v1/drop/" + kDrop + "/file/f1");
}

TEST_F(AnonliClientProtocolTest, OnlyIdempotentCallsAreRetried) {
  std::atomic<int> hits{0};
  serve([&](const httplib::Request&, httplib::Response& res) {
    ++hits;
    res.status = 503;
    res.set_content(R"({"error":"busy"})", "application/json");
  });
  const auto count = [&](const std::function<void()>& call) {
    hits = 0;
    const ApiError e = expect_api_error(call);
    EXPECT_EQ(e.status(), 503);
    return hits.load();
  };
  EXPECT_EQ(count([&] { client_->drop_metadata(kDrop); }), 3);
  EXPECT_EQ(count([&] { client_->list_drops(); }), 3);
  EXPECT_EQ(count([&] { client_->delete_drop(kDrop); }), 3);
  EXPECT_EQ(count([&] { client_->finish_drop(kDrop, {}); }), 3);
  const std::vector<std::uint8_t> part(4, 1);
  EXPECT_EQ(count([&] { client_->upload_part(server_.url("/objects/p"), part); }), 3);
  // Consuming a download, creating things and flipping a flag must not be repeated blindly.
  EXPECT_EQ(count([&] { client_->consume_download(kDrop); }), 1);
  EXPECT_EQ(count([&] { client_->create_drop({}); }), 1);
  EXPECT_EQ(count([&] { client_->add_file(kDrop, {1, "n", "i", "a/b", 1, 1, {}}); }), 1);
  EXPECT_EQ(count([&] { client_->toggle_drop(kDrop); }), 1);
  EXPECT_EQ(count([&] { client_->vault_setup({}); }), 1);
}

TEST_F(AnonliClientProtocolTest, EnvelopeOnBareRouteIsProtocolError) {
  serve_json(envelope(metadata(kDrop)).dump());
  expect_protocol([&] { client_->drop_metadata(kDrop); }, "GET /api/v1/drop/:id");
  expect_protocol([&] { client_->consume_download(kDrop); }, "POST /api/v1/drop/:id/download");
  expect_protocol([&] { client_->toggle_drop(kDrop); }, "PATCH /api/v1/drop/:id?action=toggle");
  expect_protocol([&] { client_->delete_drop(kDrop); }, "DELETE /api/v1/drop/:id");
}

TEST_F(AnonliClientProtocolTest, BareBodyOnEnvelopeRouteIsProtocolError) {
  serve_json(json({{"id", "u"}, {"email", "a@b.c"}, {"drop_id", kDrop}}).dump());
  expect_protocol([&] { client_->me(); }, "GET /api/v1/me");
  expect_protocol([&] { client_->create_drop({}); }, "POST /api/v1/drop");
  expect_protocol([&] { client_->list_drops(); }, "GET /api/v1/drop");
  expect_protocol([&] { client_->drop_keys(); }, "GET /api/v1/vault/drop-keys");
  expect_protocol([&] { client_->vault_bootstrap("a@b.c"); }, "POST /api/vault/bootstrap");
}

TEST_F(AnonliClientProtocolTest, GarbageAndWrongTypes) {
  std::atomic<int> mode{0};
  serve([&](const httplib::Request&, httplib::Response& res) {
    switch (mode.load()) {
      case 0:
        res.set_content("<html>not json ak_secret</html>", "text/html");
        break;
      case 1:
        res.set_content("", "application/json");
        break;
      case 2:
        res.set_content("[1,2,3]", "application/json");
        break;
      case 3: {
        auto m = metadata(kDrop);
        m["files"] = "nope";
        res.set_content(m.dump(), "application/json");
        break;
      }
      case 4:
        res.set_content(metadata("otherdrop0000000").dump(), "application/json");
        break;
      default:
        res.set_content(envelope({{"not", "a list"}}).dump(), "application/json");
        break;
    }
  });
  for (int m = 0; m < 5; ++m) {
    SCOPED_TRACE(m);
    mode = m;
    expect_protocol([&] { client_->drop_metadata(kDrop); }, "GET /api/v1/drop/:id");
    const ApiError e = expect_api_error([&] { client_->drop_metadata(kDrop); });
    EXPECT_EQ(e.status(), 200);
    EXPECT_EQ(e.message().find("ak_secret"), std::string::npos);  // no body contents
  }
  mode = 5;
  expect_protocol([&] { client_->list_drops(); }, "GET /api/v1/drop");
  expect_protocol([&] { client_->drop_keys(); }, "GET /api/v1/vault/drop-keys");
}

TEST_F(AnonliClientProtocolTest, CreateAndAddFileResponsesAreChecked) {
  std::atomic<int> mode{0};
  serve([&](const httplib::Request& req, httplib::Response& res) {
    json body;
    if (req.path == "/api/v1/drop") {
      body = envelope({{"drop_id", mode == 0 ? "../../me" : kDrop}, {"owner_key_stored", false}});
    } else {
      json urls = {{"1", "http://x/1"}, {"2", "http://x/2"}};
      if (mode == 1) urls.erase("2");
      if (mode == 2) urls = {{"1", "http://x/1"}, {"3", "http://x/3"}};
      body = {
          {"fileId", mode == 3 ? "a/b" : "abcdefghij"}, {"s3UploadId", "up"}, {"uploadUrls", urls}};
    }
    res.set_content(body.dump(), "application/json");
  });
  expect_protocol([&] { client_->create_drop({}); }, "POST /api/v1/drop");
  const wire::AddFileRequest add{100, "n", "AAECAwQFBgcICQoL", "a/b", 2, 5242880, {}};
  for (int m = 1; m <= 3; ++m) {
    mode = m;
    expect_protocol([&] { client_->add_file(kDrop, add); }, "POST /api/v1/drop/:id/file");
  }
  mode = 4;
  EXPECT_EQ(client_->create_drop({}).drop_id, kDrop);
  const auto added = client_->add_file(kDrop, add);
  EXPECT_EQ(added.fileId, "abcdefghij");
  EXPECT_EQ(added.uploadUrls.size(), 2u);
  // A chunk count the server could never accept is refused locally.
  const auto calls = http_.stats().calls;
  EXPECT_EQ(expect_api_error([&] {
              client_->add_file(kDrop, {100, "n", "AAECAwQFBgcICQoL", "a/b", 0, 1, {}});
            }).kind(),
            ErrorKind::kInvalidRequest);
  EXPECT_EQ(http_.stats().calls, calls);
}

TEST_F(AnonliClientProtocolTest, UploadPartWithoutEtagIsProtocolError) {
  serve([](const httplib::Request&, httplib::Response& res) { res.set_content("", "text/plain"); });
  const std::vector<std::uint8_t> part(3, 9);
  expect_protocol([&] { client_->upload_part(server_.url("/objects/x?sig=secret"), part); },
                  "PUT <presigned part URL>");
  const ApiError e =
      expect_api_error([&] { client_->upload_part(server_.url("/objects/x?sig=secret"), part); });
  EXPECT_EQ(std::string(e.what()).find("secret"), std::string::npos);  // query string redacted
}

TEST_F(AnonliClientProtocolTest, ListPaginates) {
  static constexpr int kTotal = 250;
  serve([](const httplib::Request& req, httplib::Response& res) {
    const int limit = std::stoi(req.get_param_value("limit"));
    const int offset = std::stoi(req.get_param_value("offset"));
    json data = json::array();
    for (int i = offset; i < std::min(offset + limit, kTotal); ++i)
      data.push_back(list_item(i));
    json body = envelope(data);
    body["meta"]["total"] = kTotal;
    res.set_content(body.dump(), "application/json");
  });
  const auto items = client_->list_drops();
  ASSERT_EQ(items.size(), static_cast<std::size_t>(kTotal));
  EXPECT_EQ(items.front().id, "0000000000000000");
  EXPECT_EQ(items.back().id, "0000000000000249");
  const auto requests = seen();
  ASSERT_EQ(requests.size(), 3u);
  // max_items bounds the result.
  expect_protocol([&] { client_->list_drops(150); }, "GET /api/v1/drop");
  EXPECT_EQ(client_->list_drops(250).size(), 250u);
}

TEST_F(AnonliClientProtocolTest, ListStopsOnHasMoreFalseAndDeduplicates) {
  std::atomic<int> pages{0};
  serve([&](const httplib::Request& req, httplib::Response& res) {
    ++pages;
    const int offset = std::stoi(req.get_param_value("offset"));
    json data = json::array();
    // A drop created between the pages shifts the list: item 99 comes again at offset 100.
    const int first = offset == 0 ? 0 : 99;
    for (int i = first; i < first + 100; ++i)
      data.push_back(list_item(i));
    json body = envelope(data);
    body["meta"]["has_more"] = offset == 0;
    res.set_content(body.dump(), "application/json");
  });
  const auto items = client_->list_drops();
  EXPECT_EQ(items.size(), 199u);
  EXPECT_EQ(pages.load(), 2);
}

TEST_F(AnonliClientProtocolTest, HostileEndlessListIsBounded) {
  std::atomic<int> pages{0};
  serve([&](const httplib::Request&, httplib::Response& res) {
    ++pages;
    json data = json::array();
    for (int i = 0; i < 100; ++i)
      data.push_back(list_item(i));  // the same full page forever
    res.set_content(envelope(data).dump(), "application/json");
  });
  expect_protocol([&] { client_->list_drops(1000); }, "GET /api/v1/drop");
  EXPECT_LE(pages.load(), 12);
}

TEST_F(AnonliClientProtocolTest, DropKeyNotFoundIsNullopt) {
  std::atomic<int> status{404};
  serve([&](const httplib::Request& req, httplib::Response& res) {
    EXPECT_EQ(req.get_param_value("drop_id"), kDrop);
    res.status = status;
    if (status == 404) {
      res.set_content(
          R"({"error":{"message":"Drop key not found","code":"NOT_FOUND"},"meta":{"request_id":"r"}})",
          "application/json");
    } else {
      res.set_content(
          envelope({{"drop_id", "zzzzzzzzzzzzzzzz"}, {"wrapped_key", "k"}, {"vault_generation", 1}})
              .dump(),
          "application/json");
    }
  });
  EXPECT_FALSE(client_->drop_key(kDrop));
  status = 200;
  expect_protocol([&] { client_->drop_key(kDrop); }, "GET /api/v1/vault/drop-keys");  // other id
}

TEST(AnonliClientConstruction, RefusesBadConfiguration) {
  HttpClient http(fast_options());
  EXPECT_THROW(AnonliClient(http, "ftp://host", {}), ApiError);
  EXPECT_THROW(AnonliClient(http, "https://host/#key", {}), ApiError);
  EXPECT_THROW(AnonliClient(http, "https://host/?a=b", {}), ApiError);
  try {
    AnonliClient(http, "https://host", crypto::SecretBytes::from_string("ak_x\r\nX-Evil: 1"));
    ADD_FAILURE() << "accepted a key with a line break";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidRequest);
    EXPECT_EQ(std::string(e.what()).find("Evil"), std::string::npos);
  }
  AnonliClient ok(http, "https://anon.li///", {});
  EXPECT_EQ(ok.base_url(), "https://anon.li");
}

}  // namespace
}  // namespace anonfs::api
