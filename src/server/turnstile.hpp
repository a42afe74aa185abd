// Cloudflare Turnstile verification (§9.8, §11, §15.12): the one outbound HTTP call of the server.
// Off unless a secret is configured (`--turnstile-secret`/`--turnstile-secret-file`).
#pragma once

#include <chrono>
#include <string>

namespace anonfs::server {

class TurnstileVerifier {
 public:
  // `verify_url` receives a form-encoded POST of `secret`, `response` and `remoteip`.
  TurnstileVerifier(std::string secret, std::string verify_url,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10));

  // True iff the verify endpoint answered JSON with `"success": true` within the timeout. A
  // network error, a timeout, a non-2xx status or a reply that is not such JSON is a failure.
  // Blocks for up to the timeout: call it with no lock held.
  bool verify(const std::string& token, const std::string& remote_ip) const;

 private:
  std::string secret_;
  std::string verify_url_;
  std::chrono::milliseconds timeout_;
};

}  // namespace anonfs::server
