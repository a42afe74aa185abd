// HttpClient: the thread-safe HTTP transport over libcurl (pooled handles, shared DNS/TLS-session
// cache, timeouts, cancellation, retries). Buffered calls for JSON, streaming GETs with a single
// verified Range. Knows nothing about anon.li routes; the typed clients build on it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stop_token>
#include <string>

#include "anonfs/api/http_types.hpp"
#include "anonfs/api/retry.hpp"

namespace anonfs::api {

struct ClientOptions {
  std::chrono::milliseconds connect_timeout{10'000};
  // A transfer slower than low_speed_limit bytes/s for low_speed_time fails with kTimeout.
  long low_speed_limit = 1024;
  std::chrono::seconds low_speed_time{30};
  // Overall cap per attempt of buffered calls (send). Streams have none unless Request::timeout.
  std::chrono::milliseconds request_timeout{60'000};
  // Largest buffered response body (JSON). Larger bodies are refused without being buffered.
  std::uint64_t max_body_bytes = 16u << 20;
  RetryPolicy retry;
  std::string user_agent = "anonfs/0.1";
  std::size_t max_idle_handles = 16;  // pooled easy handles (each keeps its own connections)
  bool verify_tls = true;
  std::string ca_file;  // empty: system trust store
};

// Counters since construction; read with stats().
struct ClientStats {
  std::uint64_t calls = 0;           // send/stream calls
  std::uint64_t attempts = 0;        // HTTP attempts made (calls + retries)
  std::uint64_t retries = 0;         // attempts that were repeats of a failed one
  std::uint64_t failures = 0;        // calls that ended with an ApiError
  std::uint64_t bytes_received = 0;  // 2xx body bytes streamed or buffered, retries included
};

class HttpClient {
 public:
  explicit HttpClient(ClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Buffered request with retries. Returns a 2xx response; any other outcome throws ApiError
  // (non-2xx statuses as kHttpStatus with the parsed server error body).
  Response send(const Request& request, std::stop_token cancel = {});

  // Streaming request (normally GET): the 2xx body goes to `sink` as it arrives and is not kept.
  // With request.range the server must answer 206 with exactly that Content-Range and exactly
  // range.length bytes; anything else is kProtocol and no wrong byte reaches the sink. A ranged
  // transfer that fails transiently resumes after the bytes already delivered; an unranged one is
  // retried only if nothing was delivered yet. Returns status and headers (empty body).
  Response stream(const Request& request, const Sink& sink, std::stop_token cancel = {});

  const ClientOptions& options() const noexcept;
  ClientStats stats() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace anonfs::api
