#include "router.hpp"

#include <spdlog/spdlog.h>

#include "presign.hpp"

namespace anonfs::server {

namespace {
// Makes sure no unread body is left in the connection: small bodies are drained, anything else
// closes the connection.
void settle_body(Context& ctx) {
  if (ctx.body_read || !ctx.reader) return;
  if (!ctx.req.has_header("Content-Length")) return;
  auto cl = parse_decimal(ctx.req.get_header_value("Content-Length"));
  if (cl && *cl == 0) return;
  if (cl && *cl <= static_cast<std::int64_t>(kMaxJsonBody)) {
    ctx.body_read = true;
    (*ctx.reader)([](const char*, std::size_t) { return true; });
    return;
  }
  ctx.res.set_header("Connection", "close");
}

httplib::Server::HandlerWithContentReader body_handler(RouteHandler handler) {
  return [h = std::move(handler)](const httplib::Request& req, httplib::Response& res,
                                  const httplib::ContentReader& reader) {
    Context ctx(req, res, &reader);
    Router::run(ctx, h);
  };
}
}  // namespace

void Router::run(Context& ctx, const RouteHandler& handler) {
  try {
    handler(ctx);
  } catch (const HttpError& e) {
    ctx.res.headers.erase("Location");
    render_error(ctx, e);
  } catch (const std::exception& e) {
    spdlog::error("{} {}: internal error: {}", ctx.req.method, ctx.req.path, e.what());
    render_error(ctx, internal_error());
  }
  try {
    settle_body(ctx);
  } catch (const std::exception&) {
    ctx.res.set_header("Connection", "close");
  }
}

void Router::get(const std::string& pattern, RouteHandler handler) {
  http_.Get(pattern, [h = std::move(handler)](const httplib::Request& req, httplib::Response& res) {
    Context ctx(req, res, nullptr);
    run(ctx, h);
  });
}

void Router::post(const std::string& pattern, RouteHandler handler) {
  http_.Post(pattern, body_handler(std::move(handler)));
}
void Router::put(const std::string& pattern, RouteHandler handler) {
  http_.Put(pattern, body_handler(std::move(handler)));
}
void Router::patch(const std::string& pattern, RouteHandler handler) {
  http_.Patch(pattern, body_handler(std::move(handler)));
}
void Router::del(const std::string& pattern, RouteHandler handler) {
  http_.Delete(pattern, body_handler(std::move(handler)));
}

}  // namespace anonfs::server
