// Typed errors of the server. Handlers throw; one place (render_error in http_context.cpp) maps
// every error to its HTTP status, body shape and headers, so that routes never format error bodies
// themselves.
#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace anonfs::server {

enum class ErrorShape {
  kEnvelope,   // {"error": {"message", "code", "details"?}, "meta": {"request_id"}}
  kBare,       // {"error": "<message>"}
  kText,       // text/plain body
  kRateLimit,  // {"error": "Too many requests", "message", "retryAfter"}
  kRedirect,   // not an error; never thrown
};

class HttpError : public std::runtime_error {
 public:
  HttpError(int status, ErrorShape shape, std::string code, const std::string& message)
      : std::runtime_error(message), status_(status), shape_(shape), code_(std::move(code)) {}

  int status() const noexcept { return status_; }
  ErrorShape shape() const noexcept { return shape_; }
  const std::string& code() const noexcept { return code_; }
  const nlohmann::json& details() const noexcept { return details_; }
  const std::vector<std::pair<std::string, std::string>>& headers() const noexcept {
    return headers_;
  }
  // Whether the connection must be closed (the request body was not read).
  bool close_connection() const noexcept { return close_; }
  std::int64_t retry_after() const noexcept { return retry_after_; }

  HttpError& with_details(nlohmann::json details) {
    details_ = std::move(details);
    return *this;
  }
  HttpError& with_header(std::string name, std::string value) {
    headers_.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  HttpError& closing() {
    close_ = true;
    return *this;
  }
  HttpError& with_retry_after(std::int64_t seconds) {
    retry_after_ = seconds;
    return *this;
  }

 private:
  int status_;
  ErrorShape shape_;
  std::string code_;
  nlohmann::json details_ = nullptr;
  std::vector<std::pair<std::string, std::string>> headers_;
  bool close_ = false;
  std::int64_t retry_after_ = 0;
};

// Envelope errors (§1.2) by code.
HttpError validation_error(const std::string& message, nlohmann::json details = nullptr);
HttpError bad_request(const std::string& message);  // 400 INVALID_REQUEST
HttpError unauthorized(const std::string& message);
HttpError forbidden(const std::string& message);
HttpError not_found(const std::string& message);
HttpError conflict(const std::string& message);
HttpError too_many(const std::string& message);  // 429 RATE_LIMITED envelope
HttpError payment_required(const std::string& message, nlohmann::json upgrade);
HttpError internal_error();

// Bare {"error": "..."} errors.
HttpError bare_error(int status, const std::string& message);
// Plain text errors (per-file route, object store).
HttpError text_error(int status, const std::string& message);

}  // namespace anonfs::server
