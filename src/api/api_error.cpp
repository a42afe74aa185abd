// ApiError construction and message formatting, and the anon.li error-body parser.
#include "anonfs/api/api_error.hpp"

#include <cstddef>
#include <string>

#include "text_util.hpp"

namespace anonfs::api {

const char* to_string(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::kNetwork:
      return "network error";
    case ErrorKind::kTimeout:
      return "timeout";
    case ErrorKind::kCancelled:
      return "cancelled";
    case ErrorKind::kHttpStatus:
      return "HTTP error";
    case ErrorKind::kProtocol:
      return "protocol error";
    case ErrorKind::kBodyTooLarge:
      return "response body too large";
    case ErrorKind::kInvalidRequest:
      return "invalid request";
  }
  return "unknown error";
}

namespace {

constexpr std::size_t kMaxMessage = 512;

std::string string_member(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return {};
  return sanitize_text(it->get_ref<const std::string&>(), kMaxMessage);
}

std::optional<std::chrono::seconds> seconds_member(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number()) return std::nullopt;
  const double value = it->get<double>();
  if (!(value >= 0)) return std::nullopt;
  if (value > 1e9) return std::chrono::seconds(1'000'000'000);
  return std::chrono::seconds(static_cast<long long>(value));
}

std::string format_what(const ErrorInfo& info) {
  std::string what = info.method.empty() ? std::string() : info.method + " ";
  what += info.url.empty() ? std::string("<no url>") : info.url;
  what += ": ";
  if (info.kind == ErrorKind::kHttpStatus) {
    what += "HTTP " + std::to_string(info.status);
    if (!info.server.code.empty()) what += " " + info.server.code;
  } else {
    what += to_string(info.kind);
  }
  if (!info.detail.empty()) what += ": " + info.detail;
  return what;
}

}  // namespace

ErrorBody parse_error_body(std::string_view body) noexcept {
  ErrorBody out;
  try {
    const auto doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (doc.is_object() && doc.contains("error")) {
      const auto& error = doc.at("error");
      if (error.is_string()) {
        // Bare route error or per-route 429 body {"error", "message", "retryAfter"}.
        out.message = sanitize_text(error.get_ref<const std::string&>(), kMaxMessage);
        const std::string extra = string_member(doc, "message");
        if (!extra.empty() && extra != out.message) {
          out.message = out.message.empty() ? extra : out.message + ": " + extra;
        }
        out.retry_after = seconds_member(doc, "retryAfter");
      } else if (error.is_object()) {
        out.message = string_member(error, "message");
        out.code = string_member(error, "code");
        auto details = error.find("details");
        if (details != error.end()) out.details = *details;
      }
      auto meta = doc.find("meta");
      if (meta != doc.end() && meta->is_object())
        out.request_id = string_member(*meta, "request_id");
      if (!out.message.empty() || !out.code.empty()) return out;
    }
    // Not an error document: plain text (or unexpected JSON), shown as text.
    out.message = sanitize_text(body, kMaxMessage);
  } catch (...) {
    out = ErrorBody{};
  }
  return out;
}

ApiError::ApiError(ErrorInfo info)
    : std::runtime_error(format_what(info)), info_(std::move(info)) {}

}  // namespace anonfs::api
