#include "http_context.hpp"

#include "ids.hpp"
#include "presign.hpp"

namespace anonfs::server {

Context::Context(const httplib::Request& rq, httplib::Response& rs,
                 const httplib::ContentReader* rd)
    : req(rq), res(rs), reader(rd), request_id(ids::request_id()) {}

std::string Context::param(std::size_t i) const {
  return i < req.matches.size() ? req.matches[i].str() : std::string();
}

std::string Context::client_ip() const {
  return req.remote_addr;
}

std::string Context::read_body(std::size_t max) {
  if (body_read) throw std::logic_error("body read twice");
  body_read = true;
  if (req.has_header("Content-Length")) {
    auto cl = parse_decimal(req.get_header_value("Content-Length"));
    if (!cl || *cl > static_cast<std::int64_t>(max)) {
      throw bare_error(413, "Request body too large").closing();
    }
  }
  if (!reader) {
    if (req.body.size() > max) throw bare_error(413, "Request body too large");
    return req.body;
  }
  std::string body;
  bool too_large = false;
  (*reader)([&](const char* data, std::size_t len) {
    if (body.size() + len > max) {
      too_large = true;
      return false;
    }
    body.append(data, len);
    return true;
  });
  if (too_large) throw bare_error(413, "Request body too large").closing();
  return body;
}

nlohmann::json Context::json_body(const HttpError& on_error, std::size_t max) {
  auto body = read_body(max);
  bool too_deep = false;
  nlohmann::json::parser_callback_t depth_check =
      [&too_deep](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
        if (depth > 32) too_deep = true;
        return !too_deep;
      };
  auto j = nlohmann::json::parse(body, depth_check, /*allow_exceptions=*/false);
  if (too_deep || j.is_discarded()) throw on_error;
  return j;
}

namespace {
void common_headers(Context& ctx) {
  ctx.res.set_header("X-Request-Id", ctx.request_id);
  if (ctx.no_store) {
    ctx.res.set_header("Cache-Control", "no-store, max-age=0");
    ctx.res.set_header("Pragma", "no-cache");
    ctx.res.set_header("Expires", "0");
  }
}
}  // namespace

void send_json(Context& ctx, int status, const nlohmann::json& body) {
  common_headers(ctx);
  ctx.res.status = status;
  ctx.res.set_content(body.dump(), "application/json");
}

void send_data(Context& ctx, const nlohmann::json& data, wire::Meta meta) {
  meta.request_id = ctx.request_id;
  send_json(ctx, 200, wire::make_envelope(data, meta));
}

void send_text(Context& ctx, int status, const std::string& text) {
  common_headers(ctx);
  ctx.res.status = status;
  ctx.res.set_content(text, "text/plain; charset=utf-8");
}

void render_error(Context& ctx, const HttpError& e) {
  for (const auto& [name, value] : e.headers()) {
    ctx.res.headers.erase(name);  // the error's own values win (e.g. limiter vs quota headers)
    ctx.res.set_header(name, value);
  }
  if (e.close_connection()) ctx.res.set_header("Connection", "close");
  switch (e.shape()) {
    case ErrorShape::kEnvelope: {
      wire::ErrorEnvelope env;
      env.error.message = e.what();
      env.error.code = e.code();
      env.error.details = e.details();
      env.meta.request_id = ctx.request_id;
      send_json(ctx, e.status(), env);
      break;
    }
    case ErrorShape::kBare:
      send_json(ctx, e.status(), wire::BareError{e.what()});
      break;
    case ErrorShape::kRateLimit: {
      wire::RateLimitBody body;
      body.message = e.what();
      body.retryAfter = e.retry_after();
      send_json(ctx, e.status(), body);
      break;
    }
    case ErrorShape::kText:
    case ErrorShape::kRedirect:
      send_text(ctx, e.status(), e.what());
      break;
  }
}

}  // namespace anonfs::server
