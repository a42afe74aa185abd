// Per-request context and the response helpers every route uses: request ids, envelopes, bare JSON,
// bounded body reading and JSON parsing, and the single place that renders HttpError.
#pragma once

#include <httplib.h>

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "anonfs/wire/envelope.hpp"
#include "errors.hpp"
#include "store.hpp"

namespace anonfs::server {

// Largest JSON request body any route accepts (the finish manifest for 10 000 chunks is ~0.7 MB;
// form submissions, a later issue, are capped at ~5 MiB by the protocol).
inline constexpr std::size_t kMaxJsonBody = 6 * 1024 * 1024;

struct Context {
  Context(const httplib::Request& rq, httplib::Response& rs, const httplib::ContentReader* rd);

  const httplib::Request& req;
  httplib::Response& res;
  const httplib::ContentReader* reader;  // null for routes without a body
  std::string request_id;
  std::optional<store::ApiKeyAuth> auth;
  bool no_store = false;  // authenticated route: add the no-cache headers (§1.3)

  // Path capture i (1-based) of the route pattern.
  std::string param(std::size_t i) const;
  // Client address used for per-IP limits.
  std::string client_ip() const;
  const store::User& user() const { return auth->user; }

  // Reads the whole body, refusing more than `max` bytes (413, connection closed).
  std::string read_body(std::size_t max = kMaxJsonBody);
  // Reads and parses the body as JSON. Malformed JSON, or nesting deeper than 32 levels, throws
  // `on_error`.
  nlohmann::json json_body(const HttpError& on_error, std::size_t max = kMaxJsonBody);

  bool body_read = false;
};

// Success helpers.
void send_json(Context& ctx, int status, const nlohmann::json& body);
void send_data(Context& ctx, const nlohmann::json& data, wire::Meta meta = {});
void send_text(Context& ctx, int status, const std::string& text);

// Renders `error` into the response (status, body shape, headers).
void render_error(Context& ctx, const HttpError& error);

}  // namespace anonfs::server
