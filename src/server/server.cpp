// Server: wires the HTTP library, the data directory and the routes together (anonfs/server).
#include "anonfs/server/server.hpp"

#include <fcntl.h>
#include <httplib.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "app.hpp"
#include "auth.hpp"
#include "clock.hpp"
#include "fs_util.hpp"
#include "ids.hpp"
#include "migrations.hpp"
#include "request_log.hpp"
#include "router.hpp"
#include "routes_forms.hpp"
#include "secret_routes.hpp"
#include "service_keys.hpp"
#include "sweeper.hpp"
#include "validation.hpp"

namespace anonfs::server {

namespace {

// Largest body any request may carry: a part (chunkSize + 16 ≤ 5 GiB + 16 by §2.3/§2.4).
constexpr std::size_t kMaxPartBody = 5ULL * 1024 * 1024 * 1024 + 16;

std::string host_for_url(const std::string& host) {
  if (host.find(':') != std::string::npos) return "[" + host + "]";
  if (host == "0.0.0.0") return "127.0.0.1";
  return host;
}

void render_plain_error(const httplib::Request& req, httplib::Response& res, int status,
                        const HttpError& e) {
  Context ctx(req, res, nullptr);
  render_error(ctx, e);
  res.status = status;
  if (e.close_connection()) res.set_header("Connection", "close");
}

}  // namespace

std::unique_ptr<Db> open_database(const std::filesystem::path& data_dir) {
  make_private_dirs(data_dir);
  auto path = data_dir / "anonfs.db";
  // Create the file 0600 first: SQLite gives its -wal/-shm files the database file's mode.
  Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd) throw ServerError("cannot create " + path.string());
  fd.reset();
  auto db = std::make_unique<Db>(path);
  migrate(*db);
  return db;
}

struct Server::Impl {
  App app;
  std::unique_ptr<httplib::Server> http;
  std::unique_ptr<Sweeper> sweeper;
  std::unique_ptr<RequestLog> request_log;  // set before the listener starts, then read-only
  std::thread listener;
  std::atomic<bool> listener_done{false};
  std::uint16_t port = 0;
  std::string listen_url;
  std::string base_url;
  std::mutex mutex;
  std::condition_variable cv;
  bool running = false;
  bool stopped = false;

  void configure_http();
};

void Server::Impl::configure_http() {
  auto& h = *http;
  h.new_task_queue = [n = app.options.worker_threads] {
    // httplib takes ownership of the returned queue.
    return std::make_unique<httplib::ThreadPool>(n).release();
  };
  h.set_payload_max_length(kMaxPartBody);
  h.set_keep_alive_timeout(5);
  h.set_read_timeout(60);
  h.set_write_timeout(60);
  h.set_tcp_nodelay(true);

  // Refuse oversized or unframed bodies before anything reads them.
  h.set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    const bool object_put =
        req.method == "PUT" && req.path.rfind(std::string(kObjectsPrefix), 0) == 0;
    if (req.has_header("Transfer-Encoding")) {
      render_plain_error(
          req, res, 411,
          bare_error(411, "Length Required: chunked bodies are not accepted").closing());
      return httplib::Server::HandlerResponse::Handled;
    }
    if (!object_put && req.has_header("Content-Length")) {
      auto cl = parse_decimal(req.get_header_value("Content-Length"));
      if (!cl || *cl > static_cast<std::int64_t>(kMaxJsonBody)) {
        render_plain_error(req, res, 413, bare_error(413, "Request body too large").closing());
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  h.set_expect_100_continue_handler([this](const httplib::Request& req, httplib::Response& res) {
    return precheck_object_put(app, req, res);
  });
  h.set_error_handler(
      httplib::Server::HandlerWithResponse([](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty() || res.has_header("Content-Type")) {
          return httplib::Server::HandlerResponse::Unhandled;
        }
        const int status = res.status;
        if (status == 404) {
          render_plain_error(req, res, 404, not_found("Not found"));
        } else if (status == 413) {
          render_plain_error(req, res, 413, bare_error(413, "Request body too large"));
        } else if (status == 416) {
          res.set_content("InvalidRange", "text/plain");
        } else {
          render_plain_error(req, res, status, bad_request("Bad request"));
        }
        return httplib::Server::HandlerResponse::Handled;
      }));
  h.set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
        try {
          if (ep) std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          spdlog::error("{} {}: unhandled exception: {}", req.method, req.path, e.what());
        } catch (...) {
          spdlog::error("{} {}: unhandled exception", req.method, req.path);
        }
        render_plain_error(req, res, 500, internal_error());
      });
  h.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    // Method, path (no query: it may carry signatures) and status only; never headers or bodies.
    spdlog::debug("{} {} -> {}", req.method, req.path, res.status);
    if (request_log) request_log->record(req, res);
  });
}

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->app.options = std::move(options);
}

Server::~Server() {
  try {
    stop();
  } catch (const std::exception& e) {
    spdlog::error("stopping the server failed: {}", e.what());
  }
}

void Server::start() {
  auto& im = *impl_;
  auto& app = im.app;
  if (im.running) throw ServerError("server already started");
  const auto& opt = app.options;
  if (opt.data_dir.empty()) throw ServerError("no data directory given");
  // spdlog's registry (and its default logger) is created on first use, inside the library; create
  // it here, before the worker threads exist, so every thread that logs is ordered after it.
  (void)spdlog::default_logger_raw();
  try {
    app.db = open_database(opt.data_dir);
    app.blobs = std::make_unique<BlobStore>(opt.data_dir / "objects");
    app.secret = std::make_unique<ServerSecret>(ServerSecret::load_or_create(opt.data_dir));
  } catch (const ServerError&) {
    throw;
  } catch (const std::exception& e) {
    throw ServerError(std::string("cannot open data directory: ") + e.what());
  }
  app.limits = std::make_unique<Limits>(opt.limits, *app.db);
  try {
    app.hostility = Hostility::parse(opt.hostile);
  } catch (const std::invalid_argument& e) {
    throw ServerError(e.what());
  }
  if (app.hostility.any()) spdlog::warn("hostile test mode: drop metadata and objects lie");
  if (opt.turnstile_secret) {
    if (opt.turnstile_secret->empty()) throw ServerError("the Turnstile secret is empty");
    app.turnstile = std::make_unique<TurnstileVerifier>(
        *opt.turnstile_secret, opt.turnstile_verify_url, opt.turnstile_timeout);
  }

  const bool tls = opt.tls_cert.has_value();
  if (tls != opt.tls_key.has_value()) throw ServerError("--tls-cert and --tls-key go together");
  if (tls) {
    im.http = std::make_unique<httplib::SSLServer>(opt.tls_cert->c_str(), opt.tls_key->c_str());
  } else {
    im.http = std::make_unique<httplib::Server>();
  }
  if (!im.http->is_valid()) throw ServerError("cannot load the TLS certificate or key");

  int port = 0;
  if (opt.port == 0) {
    port = im.http->bind_to_any_port(opt.host);
  } else {
    port = im.http->bind_to_port(opt.host, opt.port) ? opt.port : -1;
  }
  if (port <= 0) throw ServerError("cannot listen on " + opt.host + ":" + std::to_string(opt.port));
  im.port = static_cast<std::uint16_t>(port);
  im.listen_url = std::string(tls ? "https://" : "http://") + host_for_url(opt.host) + ":" +
                  std::to_string(im.port);
  im.base_url = opt.public_url.value_or(im.listen_url);
  while (!im.base_url.empty() && im.base_url.back() == '/')
    im.base_url.pop_back();
  app.presigner = std::make_unique<Presigner>(app.secret->derive("presign-v1"), im.base_url);

  if (opt.request_log) {
    try {
      im.request_log = std::make_unique<RequestLog>(*opt.request_log);
    } catch (const std::exception& e) {
      throw ServerError(std::string("cannot open the request log: ") + e.what());
    }
  }
  im.configure_http();
  Router router(*im.http, app);
  register_drop_routes(router);
  register_object_routes(router);
  register_vault_routes(router);
  register_account_routes(router);
  register_form_submission_routes(router);
  register_form_routes(router);
  register_form_submit_routes(router);
  register_enigmacrypt_routes(router);
  register_passwordlink_routes(router);

  im.running = true;
  im.listener = std::thread([&im] {
    if (!im.http->listen_after_bind()) spdlog::error("the HTTP listener stopped with an error");
    im.listener_done = true;
  });
  // httplib's stop() is a no-op until the listener thread has entered its accept loop, so a stop
  // (e.g. SIGTERM right after the URL is printed) could otherwise be lost. Return only once the
  // loop runs.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!im.http->is_running() && !im.listener_done &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  im.sweeper = std::make_unique<Sweeper>(app, opt.sweep_interval);
}

std::uint16_t Server::port() const {
  return impl_->port;
}
std::string Server::url() const {
  return impl_->base_url;
}
std::string Server::listen_url() const {
  return impl_->listen_url;
}

void Server::stop() {
  auto& im = *impl_;
  {
    std::lock_guard lock(im.mutex);
    if (!im.running || im.stopped) return;
    im.stopped = true;
  }
  im.sweeper.reset();
  im.http->stop();
  if (im.listener.joinable()) im.listener.join();
  im.cv.notify_all();
}

void Server::wait() {
  std::unique_lock lock(impl_->mutex);
  impl_->cv.wait(lock, [this] { return impl_->stopped || !impl_->running; });
}

CreatedUser add_user(const std::filesystem::path& data_dir, const std::string& email_in,
                     Plan plan) {
  std::string email;
  for (char c : email_in)
    email += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  while (!email.empty() && std::isspace(static_cast<unsigned char>(email.back())))
    email.pop_back();
  while (!email.empty() && std::isspace(static_cast<unsigned char>(email.front()))) {
    email.erase(email.begin());
  }
  if (!looks_like_email(email)) throw ServerError("invalid email address: " + email_in);
  std::unique_ptr<Db> db;
  try {
    db = open_database(data_dir);
  } catch (const ServerError&) {
    throw;
  } catch (const std::exception& e) {
    throw ServerError(std::string("cannot open data directory: ") + e.what());
  }
  CreatedUser out;
  out.email = email;
  out.plan = plan;
  out.api_key = ids::api_key();
  const std::int64_t now = now_ms();
  auto lock = db->lock();
  Transaction tx(*db);
  auto existing = store::find_user_by_email(*db, email);
  if (existing) {
    out.user_id = existing->id;
    Stmt s(*db, "UPDATE users SET plan = ? WHERE id = ?");
    s.bind(1, to_string(plan)).bind(2, existing->id);
    s.run();
  } else {
    store::User user;
    user.id = ids::cuid();
    user.email = email;
    user.plan = plan;
    user.created_at = now;
    store::insert_user(*db, user);
    out.user_id = user.id;
  }
  store::insert_api_key(*db, out.user_id, hash_api_key(out.api_key), out.api_key.substr(0, 11),
                        now);
  const auto service = add_service_keys(*db, out.user_id, now);
  out.enigma_token = service.enigma_token;
  out.passwordlink_public_key = service.passwordlink_public_key;
  out.passwordlink_private_key = service.passwordlink_private_key;
  tx.commit();
  return out;
}

}  // namespace anonfs::server
