// Turnstile siteverify over libcurl (one easy handle per call, owned by a unique_ptr).
#include "turnstile.hpp"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace anonfs::server {

namespace {

// Replies larger than this are not a siteverify answer (a real one is ~200 bytes).
constexpr std::size_t kMaxReply = 64 * 1024;

void ensure_curl_global() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw std::runtime_error("curl_global_init failed");
    }
  });
}

struct EasyDeleter {
  void operator()(CURL* h) const noexcept { curl_easy_cleanup(h); }
};
using Easy = std::unique_ptr<CURL, EasyDeleter>;

struct CurlFree {
  void operator()(char* p) const noexcept { curl_free(p); }
};

std::string escape(CURL* h, const std::string& value) {
  std::unique_ptr<char, CurlFree> out(
      curl_easy_escape(h, value.c_str(), static_cast<int>(value.size())));
  if (!out) throw std::runtime_error("curl_easy_escape failed");
  return out.get();
}

std::size_t on_body(char* data, std::size_t size, std::size_t nmemb, void* user) {
  auto* body = static_cast<std::string*>(user);
  const std::size_t n = size * nmemb;
  if (body->size() + n > kMaxReply) return 0;  // aborts the transfer
  body->append(data, n);
  return n;
}

}  // namespace

TurnstileVerifier::TurnstileVerifier(std::string secret, std::string verify_url,
                                     std::chrono::milliseconds timeout)
    : secret_(std::move(secret)), verify_url_(std::move(verify_url)), timeout_(timeout) {
  ensure_curl_global();
}

bool TurnstileVerifier::verify(const std::string& token, const std::string& remote_ip) const {
  Easy h(curl_easy_init());
  if (!h) {
    spdlog::warn("turnstile: curl_easy_init failed");
    return false;
  }
  std::string form = "secret=" + escape(h.get(), secret_) + "&response=" + escape(h.get(), token);
  if (!remote_ip.empty()) form += "&remoteip=" + escape(h.get(), remote_ip);
  std::string body;
  curl_easy_setopt(h.get(), CURLOPT_URL, verify_url_.c_str());
  curl_easy_setopt(h.get(), CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h.get(), CURLOPT_POSTFIELDS, form.c_str());
  curl_easy_setopt(h.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(form.size()));
  curl_easy_setopt(h.get(), CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(h.get(), CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(h.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
  curl_easy_setopt(h.get(), CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min<std::int64_t>(timeout_.count(), 5000)));
  curl_easy_setopt(h.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h.get(), CURLOPT_FOLLOWLOCATION, 0L);
  const CURLcode rc = curl_easy_perform(h.get());
  if (rc != CURLE_OK) {
    spdlog::warn("turnstile: siteverify failed: {}", curl_easy_strerror(rc));
    return false;
  }
  long status = 0;
  curl_easy_getinfo(h.get(), CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status > 299) {
    spdlog::warn("turnstile: siteverify answered HTTP {}", status);
    return false;
  }
  const auto reply = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!reply.is_object()) {
    spdlog::warn("turnstile: siteverify reply is not a JSON object");
    return false;
  }
  const auto it = reply.find("success");
  return it != reply.end() && it->is_boolean() && it->get<bool>();
}

}  // namespace anonfs::server
