// One authenticated JSON call of the secret-service clients (EnigmaCrypt, password.link): builds
// the request, sends it, parses the JSON object answer, and wipes every header value
// (Authorization, X-Delete-Token) and the body (which may carry a password half) whatever the
// outcome. Errors: ApiError (kInvalidRequest for a bad id or missing key, kProtocol for a malformed
// answer, naming the route).
#pragma once

#include <nlohmann/json.hpp>
#include <stop_token>
#include <string>
#include <string_view>

#include "anonfs/api/api_error.hpp"
#include "anonfs/api/http_client.hpp"
#include "anonfs/crypto/bytes.hpp"

namespace anonfs::api::detail {

struct ServiceRoute {
  Method method;
  const char* name;  // "GET /api/secrets/:id", used in errors
  bool idempotent;   // never true for a call that consumes a view
};

// [A-Za-z0-9_-]{1,64}: safe as one URL path segment.
bool is_safe_path_id(std::string_view id) noexcept;

[[noreturn]] void refuse_call(const ServiceRoute& route, const std::string& base_url,
                              std::string why);
void require_path_id(const ServiceRoute& route, const std::string& base_url, std::string_view id);

class ServiceCall {
 public:
  ServiceCall(HttpClient& http, const std::string& base_url, const ServiceRoute& route)
      : http_(http), base_url_(base_url), route_(route) {}
  ~ServiceCall();
  ServiceCall(const ServiceCall&) = delete;
  ServiceCall& operator=(const ServiceCall&) = delete;

  // `auth_scheme` "Bearer" / "ApiKey"; an empty key sends no Authorization header.
  nlohmann::json send(const std::string& path, const nlohmann::json* body,
                      std::string_view auth_scheme, const crypto::SecretBytes& key,
                      std::stop_token cancel, const Headers& extra = {});

  template <typename T>
  T convert(const nlohmann::json& value) {
    try {
      return value.get<T>();
    } catch (const nlohmann::json::exception& e) {
      fail(std::string("unexpected response shape: ") + e.what());
    }
  }
  // The member `key` of an object answer; kProtocol when absent.
  const nlohmann::json& member(const nlohmann::json& document, const char* key);

  [[noreturn]] void fail(std::string why);

 private:
  HttpClient& http_;
  const std::string& base_url_;
  const ServiceRoute& route_;
  Request request_;
  long status_ = 0;
};

}  // namespace anonfs::api::detail
