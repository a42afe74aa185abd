// ApiError, the one exception type of the api layer, and the anon.li error-body parser
// (protocol §1.2 envelopes, bare {"error": "..."} bodies, §1.5 per-route 429 bodies, plain text).
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace anonfs::api {

enum class ErrorKind {
  kNetwork,         // DNS, connect, TLS, reset, truncated transfer
  kTimeout,         // connect timeout, stalled transfer (low-speed limit), overall cap
  kCancelled,       // the caller's stop token was triggered
  kHttpStatus,      // the server answered with a non-2xx status
  kProtocol,        // malformed or inconsistent response (bad JSON, wrong Content-Range, ...)
  kBodyTooLarge,    // a buffered body exceeded the configured cap
  kInvalidRequest,  // refused before sending (fragment in URL, bad scheme, bad arguments)
};

const char* to_string(ErrorKind kind) noexcept;

// What a server said in an error body. All fields are untrusted text, already truncated and
// stripped of control characters.
struct ErrorBody {
  std::string message;                              // human-readable message (may be empty)
  std::string code;                                 // envelope error.code, e.g. "RATE_LIMITED"
  nlohmann::json details = nullptr;                 // envelope error.details, null if absent
  std::string request_id;                           // meta.request_id, if present
  std::optional<std::chrono::seconds> retry_after;  // 429 body "retryAfter"
};

// Parses any of the anon.li error shapes:
//   {"error": "text"}                                    (bare routes)
//   {"error": {"message", "code", "details"?}, "meta"}   (standard envelope)
//   {"error": "Too many requests", "message", "retryAfter"}  (per-route 429)
//   anything else: the body as plain text.
// Never throws.
ErrorBody parse_error_body(std::string_view body) noexcept;

struct ErrorInfo {
  ErrorKind kind = ErrorKind::kNetwork;
  long status = 0;     // HTTP status, 0 if none was received
  std::string method;  // "GET", "PUT", ...
  std::string url;     // redacted: no userinfo, query string or fragment
  std::string detail;  // transport/protocol explanation, or the server's message
  ErrorBody server;    // parsed error body (kHttpStatus only)
  std::optional<std::chrono::seconds> retry_after;  // Retry-After header or body, if any
  bool transient = false;         // a retry may succeed (connection-level failure, timeout)
  bool request_not_sent = false;  // failed before the request reached the server
};

class ApiError : public std::runtime_error {
 public:
  explicit ApiError(ErrorInfo info);

  ErrorKind kind() const noexcept { return info_.kind; }
  long status() const noexcept { return info_.status; }
  const std::string& method() const noexcept { return info_.method; }
  const std::string& url() const noexcept { return info_.url; }
  // The server's message for kHttpStatus, otherwise the transport/protocol explanation.
  const std::string& message() const noexcept { return info_.detail; }
  const std::string& code() const noexcept { return info_.server.code; }
  const ErrorBody& server_error() const noexcept { return info_.server; }
  std::optional<std::chrono::seconds> retry_after() const noexcept { return info_.retry_after; }
  bool transient() const noexcept { return info_.transient; }
  bool request_not_sent() const noexcept { return info_.request_not_sent; }
  const ErrorInfo& info() const noexcept { return info_; }

 private:
  ErrorInfo info_;
};

}  // namespace anonfs::api
