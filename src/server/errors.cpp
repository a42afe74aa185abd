#include "errors.hpp"

namespace anonfs::server {

namespace {
HttpError envelope(int status, const char* code, const std::string& message) {
  return HttpError(status, ErrorShape::kEnvelope, code, message);
}
}  // namespace

HttpError validation_error(const std::string& message, nlohmann::json details) {
  auto e = envelope(400, "VALIDATION_ERROR", message);
  if (!details.is_null()) e.with_details(std::move(details));
  return e;
}
HttpError bad_request(const std::string& message) {
  return envelope(400, "INVALID_REQUEST", message);
}
HttpError unauthorized(const std::string& message) {
  return envelope(401, "UNAUTHORIZED", message);
}
HttpError forbidden(const std::string& message) {
  return envelope(403, "FORBIDDEN", message);
}
HttpError not_found(const std::string& message) {
  return envelope(404, "NOT_FOUND", message);
}
HttpError conflict(const std::string& message) {
  return envelope(409, "CONFLICT", message);
}
HttpError too_many(const std::string& message) {
  return envelope(429, "RATE_LIMITED", message);
}
HttpError payment_required(const std::string& message, nlohmann::json upgrade) {
  auto e = envelope(402, "PAYMENT_REQUIRED", message);
  e.with_details({{"upgrade", std::move(upgrade)}});
  return e;
}
HttpError internal_error() {
  return envelope(500, "INTERNAL_ERROR", "Internal server error");
}

HttpError bare_error(int status, const std::string& message) {
  return HttpError(status, ErrorShape::kBare, "", message);
}
HttpError text_error(int status, const std::string& message) {
  return HttpError(status, ErrorShape::kText, "", message);
}

}  // namespace anonfs::server
