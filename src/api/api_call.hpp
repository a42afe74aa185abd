// Internal to the api layer: the request/response plumbing the typed clients (AnonliClient,
// FormsClient) share. A Route names one endpoint; a Call sends one request of it (API key,
// JSON body, secrets wiped afterwards) and decodes envelope or bare bodies strictly, turning any
// shape mismatch into ApiError(kProtocol) naming the route.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>

#include "anonfs/api/api_error.hpp"
#include "anonfs/api/http_client.hpp"
#include "anonfs/api/http_types.hpp"
#include "anonfs/api/url.hpp"
#include "anonfs/crypto/bytes.hpp"
#include "anonfs/wire/envelope.hpp"
#include "text_util.hpp"
#include "transfer.hpp"

namespace anonfs::api {

using json = nlohmann::json;

constexpr std::size_t kMaxIdLength = 64;  // longest id the client ever puts into a path
constexpr std::size_t kMaxDetail = 200;   // bytes of a decoder message kept in an error

// One route of the API: its method and its name in errors ("GET /api/v1/drop/:id").
struct Route {
  Method method;
  const char* name;
  bool authenticated;
  bool idempotent;
};

// Drop and file ids end up in URL paths: only [A-Za-z0-9_-]{1,64}, so no id can add a path
// segment, a query or a fragment.
inline bool is_safe_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > kMaxIdLength) return false;
  for (const char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// An API key goes into a header: printable ASCII without spaces only.
inline bool is_valid_api_key(std::string_view key) noexcept {
  for (const char c : key) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return false;
  }
  return true;
}

[[noreturn]] inline void refuse(const Route& route, const std::string& base_url, std::string why) {
  ErrorInfo info;
  info.kind = ErrorKind::kInvalidRequest;
  info.method = to_string(route.method);
  info.url = redact_url(base_url);
  info.detail = std::string(route.name) + ": " + std::move(why);
  info.request_not_sent = true;
  throw ApiError(std::move(info));
}

inline void require_id(const Route& route, const std::string& base_url, std::string_view id,
                       const char* what) {
  if (!is_safe_id(id)) {
    refuse(route, base_url,
           std::string("invalid ") + what + " (expected 1.." + std::to_string(kMaxIdLength) +
               " characters of [A-Za-z0-9_-])");
  }
}

[[noreturn]] inline void protocol_error(const Route& route, const Request& request, long status,
                                        std::string why) {
  ErrorInfo info = detail::error_info(request, ErrorKind::kProtocol,
                                      std::string(route.name) + ": " + std::move(why));
  info.status = status;
  throw ApiError(std::move(info));
}

// A request with secrets in it (the Authorization header, vault secrets in the body): wiped when
// the call is over, whatever its outcome.
class SecretRequest {
 public:
  SecretRequest() = default;
  ~SecretRequest() { wipe(); }
  SecretRequest(const SecretRequest&) = delete;
  SecretRequest& operator=(const SecretRequest&) = delete;

  Request request;

 private:
  void wipe() noexcept {
    crypto::secure_wipe(request.body.data(), request.body.size());
    // Headers only hands out const entries; the strings themselves are not const objects.
    for (const auto& entry : request.headers.entries()) {
      if (iequals(entry.first, "Authorization") || iequals(entry.first, "X-Upload-Token")) {
        auto& value = const_cast<std::string&>(entry.second);
        crypto::secure_wipe(value.data(), value.size());
      }
    }
  }
};

// Context of one call: the route and how to reach the server.
class Call {
 public:
  Call(HttpClient& http, const std::string& base_url, const crypto::SecretBytes& api_key,
       const Route& route)
      : http_(http), base_url_(base_url), api_key_(api_key), route_(route) {}

  // Sends `path` (already safe: ids checked, query built here) with an optional JSON body.
  // Returns the parsed JSON of the 2xx response.
  // `extra` headers (e.g. X-Upload-Token) are added as given and wiped with the request.
  json send(const std::string& path, const json* body, std::stop_token cancel,
            const Headers* extra = nullptr) {
    if (route_.authenticated && api_key_.empty()) {
      refuse(route_, base_url_, "no API key configured");
    }
    auto& request = secret_.request;
    request = Request::json(route_.method, base_url_ + path);
    if (body != nullptr) {
      // Moved, never copied, so the one buffer that may hold a secret is the one wiped.
      request.headers.set("Content-Type", "application/json");
      request.body = body->dump();
    }
    request.idempotent = route_.idempotent;
    if (route_.authenticated) {
      std::string value;
      value.reserve(7 + api_key_.size());
      value.append("Bearer ").append(api_key_.str());
      request.headers.set("Authorization", std::move(value));
    }
    if (extra != nullptr) {
      for (const auto& [name, value] : extra->entries())
        request.headers.set(name, value);
    }
    const Response response = http_.send(request, std::move(cancel));
    status_ = response.status;
    auto doc = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) fail("response is not valid JSON");
    if (!doc.is_object()) fail("response is not a JSON object");
    return doc;
  }

  // The "data" member of a {data, meta} envelope.
  json envelope_data(json document) {
    auto it = document.find("data");
    if (it == document.end()) fail("expected a {data, meta} envelope, got a bare object");
    if (auto meta = document.find("meta"); meta != document.end() && !meta->is_object()) {
      fail("envelope meta is not an object");
    }
    return std::move(*it);
  }

  // The list envelope's meta (empty when absent).
  wire::Meta envelope_meta(const json& document) {
    auto it = document.find("meta");
    if (it == document.end()) return {};
    return convert<wire::Meta>(*it);
  }

  // A bare body: an object that is not an envelope.
  json bare(json document) {
    if (document.contains("data") && document.contains("meta")) {
      fail("expected a bare JSON body, got a {data, meta} envelope");
    }
    return document;
  }

  template <typename T>
  T convert(const json& value) {
    try {
      return value.get<T>();
    } catch (const json::exception& e) {
      // nlohmann messages name the key or type, never the body's values.
      fail("unexpected response shape: " + sanitize_text(e.what(), kMaxDetail));
    }
  }

  // {"success": true}
  void expect_success(const json& document) {
    if (!convert<wire::SuccessResponse>(bare(document)).success)
      fail("server answered success=false");
  }

  [[noreturn]] void fail(std::string why) {
    protocol_error(route_, secret_.request, status_, std::move(why));
  }

 private:
  HttpClient& http_;
  const std::string& base_url_;
  const crypto::SecretBytes& api_key_;
  const Route& route_;
  SecretRequest secret_;
  long status_ = 0;
};

// Wipes the string members of a JSON object that carry secrets once the body is serialised.
inline void wipe_json_string(json& document, const char* key) noexcept {
  auto it = document.find(key);
  if (it != document.end() && it->is_string()) {
    auto& text = it->get_ref<std::string&>();
    crypto::secure_wipe(text.data(), text.size());
  }
}

class JsonWiper {
 public:
  JsonWiper(json& document, const char* key) : document_(document), key_(key) {}
  ~JsonWiper() { wipe_json_string(document_, key_); }
  JsonWiper(const JsonWiper&) = delete;
  JsonWiper& operator=(const JsonWiper&) = delete;

 private:
  json& document_;
  const char* key_;
};

}  // namespace anonfs::api
