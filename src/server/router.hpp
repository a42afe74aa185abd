// Registers routes on the HTTP server with the common wrapper: a Context per request, typed
// errors rendered in one place, unexpected exceptions logged (never bodies or keys) as 500, and
// unread request bodies drained or the connection closed.
#pragma once

#include <httplib.h>

#include <functional>
#include <string>

#include "app.hpp"
#include "http_context.hpp"

namespace anonfs::server {

using RouteHandler = std::function<void(Context&)>;

class Router {
 public:
  Router(httplib::Server& http, App& app) : http_(http), app_(app) {}

  App& app() noexcept { return app_; }
  // GET routes also answer HEAD.
  void get(const std::string& pattern, RouteHandler handler);
  void post(const std::string& pattern, RouteHandler handler);
  void put(const std::string& pattern, RouteHandler handler);
  void patch(const std::string& pattern, RouteHandler handler);
  void del(const std::string& pattern, RouteHandler handler);

  // Runs `handler` with error handling; used by the registration functions above.
  static void run(Context& ctx, const RouteHandler& handler);

 private:
  httplib::Server& http_;
  App& app_;
};

void register_drop_routes(Router& router);
void register_object_routes(Router& router);
void register_vault_routes(Router& router);
void register_account_routes(Router& router);

// Expect: 100-continue hook: refuses a bad part upload (signature, expiry, length) before its
// body is sent. Returns 100 to continue or the error status (with the body rendered into `res`).
int precheck_object_put(App& app, const httplib::Request& req, httplib::Response& res);

}  // namespace anonfs::server
