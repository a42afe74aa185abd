// Shared pieces of the one-time-secret routes (routes_enigmacrypt.cpp, routes_passwordlink.cpp):
// their own error bodies (EnigmaCrypt {success:false, error}, password.link {error:{message,
// field}}), short ids, offsets and the registration functions.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

#include "router.hpp"

namespace anonfs::server {

// An error whose JSON body the route chose itself; rendered by with_json_errors.
class JsonError : public std::runtime_error {
 public:
  JsonError(int status, nlohmann::json body)
      : std::runtime_error("json error"), status_(status), body_(std::move(body)) {}
  int status() const noexcept { return status_; }
  const nlohmann::json& body() const noexcept { return body_; }

 private:
  int status_;
  nlohmann::json body_;
};

// Wraps a handler so that JsonError becomes its status and body (other errors go on to
// Router::run).
RouteHandler with_json_errors(RouteHandler handler);

// The request body as JSON; malformed JSON (or nesting deeper than 32) throws `on_error`, an
// oversized body the usual 413.
nlohmann::json json_body_or(Context& ctx, const JsonError& on_error);

// `n` random characters of [A-Za-z0-9].
std::string random_alnum(std::size_t n);
// ^[A-Za-z0-9]{1,64}$
bool is_alnum_id(std::string_view s) noexcept;
// Random RFC 4122 version-4 UUID, lowercase.
std::string random_uuid();
// The ?offset= parameter: absent = 0; a non-negative decimal otherwise (nullopt if malformed).
std::optional<std::int64_t> offset_param(const Context& ctx);
// Standard base64 alphabet with '=' padding only at the end (length not checked).
bool is_base64_text(std::string_view s) noexcept;

// Page size of every secret list route.
inline constexpr std::int64_t kSecretPageSize = 50;
// Largest secret payload accepted (encryptedContent, ciphertext), in characters.
inline constexpr std::size_t kMaxSecretPayload = 1024 * 1024;

void register_enigmacrypt_routes(Router& router);
void register_passwordlink_routes(Router& router);

}  // namespace anonfs::server
