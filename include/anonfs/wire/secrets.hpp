// JSON wire types of the two one-time-secret services (secrets-protocols.md §1, §2; the
// reference server's extensions in docs/server-api.md "EnigmaCrypt" and "password.link"):
//   EnigmaCrypt   POST /api/messages (seed 002), GET/DELETE /api/messages/:id, GET /api/messages;
//                 bodies {success, message?, data?} and errors {success:false, error}.
//   password.link /api/secrets and /api/secret_requests (seed 004); bodies {data, metadata} and
//                 errors {error:{message, field}}.
// Shared by the server (src/server) and the typed clients (src/api). Header-only.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "anonfs/wire/json_util.hpp"

namespace anonfs::wire {

// ---- EnigmaCrypt --------------------------------------------------------------------------------

// POST /api/messages body.
struct EnigmaCreateRequest {
  std::string encryptedContent;           // lowerhex(salt) || lowerhex(iv) || base64(ct)
  std::optional<std::string> name;        // plaintext metadata
  std::optional<std::string> expiresAt;   // ISO-8601, null = no expiry
  std::optional<std::int64_t> maxAccess;  // null = unlimited
};

inline void to_json(nlohmann::json& j, const EnigmaCreateRequest& r) {
  j = {{"encryptedContent", r.encryptedContent},
       {"name", nullable(r.name)},
       {"expiresAt", nullable(r.expiresAt)},
       {"maxAccess", nullable(r.maxAccess)}};
}
inline void from_json(const nlohmann::json& j, EnigmaCreateRequest& r) {
  r.encryptedContent = j.at("encryptedContent").get<std::string>();
  get_optional(j, "name", r.name);
  get_optional(j, "expiresAt", r.expiresAt);
  get_optional(j, "maxAccess", r.maxAccess);
}

// `data` of the 201 answer to POST /api/messages.
struct EnigmaCreated {
  std::string messageId;
  std::optional<std::string> deleteToken;  // anonymous (token-less) creations only
};

inline void to_json(nlohmann::json& j, const EnigmaCreated& c) {
  j = {{"messageId", c.messageId}};
  if (c.deleteToken) j["deleteToken"] = *c.deleteToken;
}
inline void from_json(const nlohmann::json& j, EnigmaCreated& c) {
  c.messageId = j.at("messageId").get<std::string>();
  get_optional(j, "deleteToken", c.deleteToken);
}

// Metadata of one message (GET /api/messages list items; also part of EnigmaFetched).
struct EnigmaMessageInfo {
  std::string messageId;
  std::optional<std::string> name;
  std::string createdAt;                 // ISO-8601
  std::optional<std::string> expiresAt;  // ISO-8601
  std::int64_t accessCount = 0;
  std::optional<std::int64_t> maxAccess;
  bool available = true;  // false once consumed (maxAccess reached) or expired
};

inline void to_json(nlohmann::json& j, const EnigmaMessageInfo& m) {
  j = {{"messageId", m.messageId},     {"name", nullable(m.name)},
       {"createdAt", m.createdAt},     {"expiresAt", nullable(m.expiresAt)},
       {"accessCount", m.accessCount}, {"maxAccess", nullable(m.maxAccess)},
       {"available", m.available}};
}
inline void from_json(const nlohmann::json& j, EnigmaMessageInfo& m) {
  m.messageId = j.at("messageId").get<std::string>();
  get_optional(j, "name", m.name);
  get_or_default(j, "createdAt", m.createdAt);
  get_optional(j, "expiresAt", m.expiresAt);
  get_or_default(j, "accessCount", m.accessCount);
  get_optional(j, "maxAccess", m.maxAccess);
  get_or_default(j, "available", m.available);
}

// `data` of GET /api/messages/:id (the recipient fetch; counts one access).
struct EnigmaFetched {
  std::string messageId;
  std::string encryptedContent;
  std::string createdAt;
  std::optional<std::string> expiresAt;
  std::int64_t accessCount = 0;  // including this fetch
  std::optional<std::int64_t> maxAccess;
};

inline void to_json(nlohmann::json& j, const EnigmaFetched& m) {
  j = {{"messageId", m.messageId},     {"encryptedContent", m.encryptedContent},
       {"createdAt", m.createdAt},     {"expiresAt", nullable(m.expiresAt)},
       {"accessCount", m.accessCount}, {"maxAccess", nullable(m.maxAccess)}};
}
inline void from_json(const nlohmann::json& j, EnigmaFetched& m) {
  m.messageId = j.at("messageId").get<std::string>();
  m.encryptedContent = j.at("encryptedContent").get<std::string>();
  get_or_default(j, "createdAt", m.createdAt);
  get_optional(j, "expiresAt", m.expiresAt);
  get_or_default(j, "accessCount", m.accessCount);
  get_optional(j, "maxAccess", m.maxAccess);
}

// ---- password.link ------------------------------------------------------------------------------

// The quota object every password.link response carries.
struct PlMetadata {
  std::int64_t secrets_total = 0;                     // secrets stored now
  std::int64_t secrets_usage = 0;                     // secrets created this calendar month (UTC)
  std::int64_t secrets_allowance = 0;                 // monthly allowance of the plan
  std::optional<std::int64_t> secret_requests_total;  // request routes only
  std::optional<std::int64_t> secret_requests_allowance;  // request routes only
};

inline void to_json(nlohmann::json& j, const PlMetadata& m) {
  j = {{"secrets_total", m.secrets_total},
       {"secrets_usage", m.secrets_usage},
       {"secrets_allowance", m.secrets_allowance}};
  if (m.secret_requests_total) j["secret_requests_total"] = *m.secret_requests_total;
  if (m.secret_requests_allowance) j["secret_requests_allowance"] = *m.secret_requests_allowance;
}
inline void from_json(const nlohmann::json& j, PlMetadata& m) {
  get_or_default(j, "secrets_total", m.secrets_total);
  get_or_default(j, "secrets_usage", m.secrets_usage);
  get_or_default(j, "secrets_allowance", m.secrets_allowance);
  get_optional(j, "secret_requests_total", m.secret_requests_total);
  get_optional(j, "secret_requests_allowance", m.secret_requests_allowance);
}

// POST /api/secrets body.
struct PlCreateSecret {
  std::string ciphertext;             // base64 of the SJCL JSON text
  std::string password_part_private;  // base64 of the private half
  std::optional<std::string> description, message;
  std::optional<std::int64_t> expiration;  // hours, 0..350
  std::optional<bool> view_button, captcha;
  std::optional<std::string> password;
  std::optional<std::int64_t> max_views;  // 1..100
};

inline void to_json(nlohmann::json& j, const PlCreateSecret& r) {
  j = {{"ciphertext", r.ciphertext}, {"password_part_private", r.password_part_private}};
  if (r.description) j["description"] = *r.description;
  if (r.message) j["message"] = *r.message;
  if (r.expiration) j["expiration"] = *r.expiration;
  if (r.view_button) j["view_button"] = *r.view_button;
  if (r.captcha) j["captcha"] = *r.captcha;
  if (r.password) j["password"] = *r.password;
  if (r.max_views) j["max_views"] = *r.max_views;
}

// `data` of GET /api/secrets/:id (the destructive view).
struct PlSecretView {
  std::string id;
  std::string ciphertext;
  std::string password_part_private;
  std::optional<std::string> message;
};

inline void to_json(nlohmann::json& j, const PlSecretView& v) {
  j = {{"id", v.id},
       {"ciphertext", v.ciphertext},
       {"password_part_private", v.password_part_private},
       {"message", nullable(v.message)}};
}
inline void from_json(const nlohmann::json& j, PlSecretView& v) {
  v.id = j.at("id").get<std::string>();
  v.ciphertext = j.at("ciphertext").get<std::string>();
  v.password_part_private = j.at("password_part_private").get<std::string>();
  get_optional(j, "message", v.message);
}

struct PlView {
  std::string viewed_at;  // ISO-8601
  std::string viewed_by_ip;
  std::string viewed_by_user_agent;
};

inline void to_json(nlohmann::json& j, const PlView& v) {
  j = {{"viewed_at", v.viewed_at},
       {"viewed_by_ip", v.viewed_by_ip},
       {"viewed_by_user_agent", v.viewed_by_user_agent}};
}
inline void from_json(const nlohmann::json& j, PlView& v) {
  get_or_default(j, "viewed_at", v.viewed_at);
  get_or_default(j, "viewed_by_ip", v.viewed_by_ip);
  get_or_default(j, "viewed_by_user_agent", v.viewed_by_user_agent);
}

// One item of GET /api/secrets (metadata only, never the ciphertext).
struct PlSecretItem {
  std::string id;
  std::string created_at;
  std::optional<std::string> message, description;
  bool view_button = false, captcha = false, password = false;
  std::optional<std::int64_t> expiration;  // hours
  bool expired = false;
  std::int64_t view_times = 0;
  std::int64_t max_views = 1;
  std::vector<PlView> views;
};

inline void to_json(nlohmann::json& j, const PlSecretItem& s) {
  j = {{"id", s.id},
       {"created_at", s.created_at},
       {"message", nullable(s.message)},
       {"description", nullable(s.description)},
       {"view_button", s.view_button},
       {"captcha", s.captcha},
       {"password", s.password},
       {"expiration", nullable(s.expiration)},
       {"expired", s.expired},
       {"view_times", s.view_times},
       {"max_views", s.max_views},
       {"views", s.views}};
}
inline void from_json(const nlohmann::json& j, PlSecretItem& s) {
  s.id = j.at("id").get<std::string>();
  get_or_default(j, "created_at", s.created_at);
  get_optional(j, "message", s.message);
  get_optional(j, "description", s.description);
  get_or_default(j, "view_button", s.view_button);
  get_or_default(j, "captcha", s.captcha);
  get_or_default(j, "password", s.password);
  get_optional(j, "expiration", s.expiration);
  get_or_default(j, "expired", s.expired);
  get_or_default(j, "view_times", s.view_times);
  get_or_default(j, "max_views", s.max_views);
  get_or_default(j, "views", s.views);
}

// POST /api/secret_requests body (every field optional).
struct PlCreateRequest {
  std::optional<std::string> description, message;
  std::optional<std::int64_t> expiration;  // hours
  std::optional<std::int64_t> limit;       // secrets that can be made with it (default 1)
  std::optional<std::string> send_request_to_email, send_to_email;
  std::optional<std::string> secret_description, secret_message;
  std::optional<std::int64_t> secret_expiration;
  std::optional<std::string> secret_password;
  std::optional<std::int64_t> secret_max_views;
};

inline void to_json(nlohmann::json& j, const PlCreateRequest& r) {
  j = nlohmann::json::object();
  auto put = [&j](const char* key, const auto& v) {
    if (v) j[key] = *v;
  };
  put("description", r.description);
  put("message", r.message);
  put("expiration", r.expiration);
  put("limit", r.limit);
  put("send_request_to_email", r.send_request_to_email);
  put("send_to_email", r.send_to_email);
  put("secret_description", r.secret_description);
  put("secret_message", r.secret_message);
  put("secret_expiration", r.secret_expiration);
  put("secret_password", r.secret_password);
  put("secret_max_views", r.secret_max_views);
}

// One item of GET /api/secret_requests.
struct PlRequestItem {
  std::string id;  // UUID
  std::optional<std::string> description, message;
  std::optional<std::int64_t> expiration;
  std::int64_t limit = 1;
  std::optional<std::string> send_to_email;
  std::optional<std::string> secret_description, secret_message;
  std::optional<std::int64_t> secret_expiration;
  std::optional<std::int64_t> secret_max_views;
  bool secret_password = false;
  std::optional<std::string> template_id;
};

inline void to_json(nlohmann::json& j, const PlRequestItem& r) {
  j = {{"id", r.id},
       {"description", nullable(r.description)},
       {"message", nullable(r.message)},
       {"expiration", nullable(r.expiration)},
       {"limit", r.limit},
       {"send_to_email", nullable(r.send_to_email)},
       {"secret_description", nullable(r.secret_description)},
       {"secret_message", nullable(r.secret_message)},
       {"secret_expiration", nullable(r.secret_expiration)},
       {"secret_max_views", nullable(r.secret_max_views)},
       {"secret_password", r.secret_password},
       {"template_id", nullable(r.template_id)}};
}
inline void from_json(const nlohmann::json& j, PlRequestItem& r) {
  r.id = j.at("id").get<std::string>();
  get_optional(j, "description", r.description);
  get_optional(j, "message", r.message);
  // The seed's example shows secret_expiration as a string; accept numbers only, else absent.
  auto int_or_absent = [&j](const char* key, std::optional<std::int64_t>& out) {
    auto it = j.find(key);
    if (it != j.end() && it->is_number_integer()) out = it->get<std::int64_t>();
  };
  int_or_absent("expiration", r.expiration);
  get_or_default(j, "limit", r.limit);
  get_optional(j, "send_to_email", r.send_to_email);
  get_optional(j, "secret_description", r.secret_description);
  get_optional(j, "secret_message", r.secret_message);
  int_or_absent("secret_expiration", r.secret_expiration);
  int_or_absent("secret_max_views", r.secret_max_views);
  get_or_default(j, "secret_password", r.secret_password);
  get_optional(j, "template_id", r.template_id);
}

}  // namespace anonfs::wire
