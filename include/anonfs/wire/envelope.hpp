// Response envelopes of the anon.li API (protocol §1.2). Success: {data, meta}; list: {data, meta
// with total/limit/offset/has_more}; error: {error:{message, code, details?}, meta}. Some routes
// are bare JSON whose own errors are {"error": "<string>"}; per-route 429s use RateLimitBody
// (§1.5).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "anonfs/wire/json_util.hpp"

namespace anonfs::wire {

struct StorageUsage {
  std::string used;   // decimal string (bytes)
  std::string limit;  // decimal string (bytes)
};

inline void to_json(nlohmann::json& j, const StorageUsage& v) {
  j = {{"used", v.used}, {"limit", v.limit}};
}
inline void from_json(const nlohmann::json& j, StorageUsage& v) {
  v.used = j.at("used").get<std::string>();
  v.limit = j.at("limit").get<std::string>();
}

struct Meta {
  std::string request_id;
  // List envelopes only.
  std::optional<std::int64_t> total, limit, offset;
  std::optional<bool> has_more;
  std::optional<StorageUsage> storage;  // GET /api/v1/drop only
};

inline void to_json(nlohmann::json& j, const Meta& m) {
  j = {{"request_id", m.request_id}};
  if (m.total) j["total"] = *m.total;
  if (m.limit) j["limit"] = *m.limit;
  if (m.offset) j["offset"] = *m.offset;
  if (m.has_more) j["has_more"] = *m.has_more;
  if (m.storage) j["storage"] = *m.storage;
}
inline void from_json(const nlohmann::json& j, Meta& m) {
  get_or_default(j, "request_id", m.request_id);
  get_optional(j, "total", m.total);
  get_optional(j, "limit", m.limit);
  get_optional(j, "offset", m.offset);
  get_optional(j, "has_more", m.has_more);
  get_optional(j, "storage", m.storage);
}

struct ErrorObject {
  std::string message;
  std::string code;  // VALIDATION_ERROR, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, ...
  nlohmann::json details =
      nullptr;  // array of {field, message} or {"upgrade": {...}}; null if absent
};

inline void to_json(nlohmann::json& j, const ErrorObject& e) {
  j = {{"message", e.message}, {"code", e.code}};
  if (!e.details.is_null()) j["details"] = e.details;
}
inline void from_json(const nlohmann::json& j, ErrorObject& e) {
  get_or_default(j, "message", e.message);
  get_or_default(j, "code", e.code);
  auto it = j.find("details");
  e.details = it == j.end() ? nlohmann::json(nullptr) : *it;
}

struct ErrorEnvelope {
  ErrorObject error;
  Meta meta;
};

inline void to_json(nlohmann::json& j, const ErrorEnvelope& e) {
  j = {{"error", e.error}, {"meta", e.meta}};
}
inline void from_json(const nlohmann::json& j, ErrorEnvelope& e) {
  e.error = j.at("error").get<ErrorObject>();
  if (j.contains("meta")) e.meta = j.at("meta").get<Meta>();
}

// {"error": "<string>"} — the own errors of bare-JSON routes.
struct BareError {
  std::string error;
};

inline void to_json(nlohmann::json& j, const BareError& e) {
  j = {{"error", e.error}};
}
inline void from_json(const nlohmann::json& j, BareError& e) {
  e.error = j.at("error").get<std::string>();
}

// Per-route rate limiter body (§1.5).
struct RateLimitBody {
  std::string error = "Too many requests";
  std::string message;
  std::int64_t retryAfter = 0;  // seconds
};

inline void to_json(nlohmann::json& j, const RateLimitBody& b) {
  j = {{"error", b.error}, {"message", b.message}, {"retryAfter", b.retryAfter}};
}
inline void from_json(const nlohmann::json& j, RateLimitBody& b) {
  get_or_default(j, "error", b.error);
  get_or_default(j, "message", b.message);
  get_or_default(j, "retryAfter", b.retryAfter);
}

// {"success": true}
struct SuccessResponse {
  bool success = true;
};

inline void to_json(nlohmann::json& j, const SuccessResponse& s) {
  j = {{"success", s.success}};
}
inline void from_json(const nlohmann::json& j, SuccessResponse& s) {
  s.success = j.at("success").get<bool>();
}

// Wraps a payload into {data, meta}.
template <typename T>
nlohmann::json make_envelope(const T& data, const Meta& meta) {
  return {{"data", data}, {"meta", meta}};
}

}  // namespace anonfs::wire
