// A local stand-in for Cloudflare's Turnstile siteverify endpoint: an httplib::Server on a free
// loopback port that accepts one token, rejects every other one (and answers "not JSON" for the
// token "not-json"), and records every form it received. Stopped and joined on destruction.
#pragma once

#include <httplib.h>

#include <chrono>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace anonfs::server::test {

class TurnstileStub {
 public:
  static constexpr const char* kGoodToken = "good.turnstile.token";
  static constexpr const char* kNotJsonToken = "not-json";

  TurnstileStub() {
    server_.Post("/siteverify", [this](const httplib::Request& req, httplib::Response& res) {
      auto form = parse_form(req.body);
      const auto token = form["response"];
      {
        std::lock_guard lock(mutex_);
        received_.push_back(std::move(form));
      }
      if (token == kNotJsonToken) {
        res.set_content("<html>bad gateway</html>", "text/html");
      } else if (token == kGoodToken) {
        res.set_content(R"({"success":true,"error-codes":[]})", "application/json");
      } else {
        res.set_content(R"({"success":false,"error-codes":["invalid-input-response"]})",
                        "application/json");
      }
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("turnstile stub: cannot bind");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() is a no-op until the accept loop runs: wait for it (bounded).
    for (int i = 0; i < 5000 && !server_.is_running(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~TurnstileStub() { stop(); }
  TurnstileStub(const TurnstileStub&) = delete;
  TurnstileStub& operator=(const TurnstileStub&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/siteverify"; }
  // Stops answering (the port is closed: connections are refused).
  void stop() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  std::vector<std::map<std::string, std::string>> received() const {
    std::lock_guard lock(mutex_);
    return received_;
  }

 private:
  // application/x-www-form-urlencoded → map (percent escapes and '+' decoded).
  static std::map<std::string, std::string> parse_form(const std::string& body) {
    auto decode = [](const std::string& s) {
      std::string out;
      for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
          out += ' ';
        } else if (s[i] == '%' && i + 2 < s.size()) {
          out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
          i += 2;
        } else {
          out += s[i];
        }
      }
      return out;
    };
    std::map<std::string, std::string> form;
    std::size_t pos = 0;
    while (pos <= body.size()) {
      auto amp = body.find('&', pos);
      if (amp == std::string::npos) amp = body.size();
      const auto pair = body.substr(pos, amp - pos);
      const auto eq = pair.find('=');
      if (eq != std::string::npos) form[decode(pair.substr(0, eq))] = decode(pair.substr(eq + 1));
      pos = amp + 1;
    }
    return form;
  }

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<std::map<std::string, std::string>> received_;
};

}  // namespace anonfs::server::test
