// Test support for the api layer: a loopback cpp-httplib server on an ephemeral port, run in a
// background thread and always stopped (and joined) on destruction.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

namespace anonfs::api::testing {

class TestServer {
 public:
  TestServer() {
    // More workers than the default so idle keep-alive connections of pooled client handles
    // never starve new connections. (httplib's API takes ownership of a raw pointer here.)
    server_.new_task_queue = [] { return new httplib::ThreadPool(32); };
    server_.set_keep_alive_timeout(2);
  }
  ~TestServer() { stop(); }
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  httplib::Server& http() { return server_; }

  // Binds 127.0.0.1 on a free port and serves in a background thread. Register routes first.
  void start() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("cannot bind a loopback port");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running())
      std::this_thread::yield();
  }

  void stop() {
    stopping_ = true;
    if (thread_.joinable()) {
      server_.stop();
      thread_.join();
    }
  }

  // Slow handlers poll this and return when the test is over.
  bool stopping() const { return stopping_.load(); }
  int port() const { return port_; }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
};

// Sleeps in small steps until `server` is stopping or `limit` passed; for stalling handlers.
inline void stall(const TestServer& server, std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!server.stopping() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace anonfs::api::testing
