// HttpClient: request validation, the retry loop around single attempts, logging and counters.
//
// Thread safety: HttpClient is safe to use from many threads at once. `options` is immutable
// after construction; the handle pool guards its idle list with its own mutex; the CURLSH guards
// the shared DNS/TLS-session caches with one mutex per data kind (CurlShare); counters are
// atomics; every transfer runs on a handle leased to exactly one thread.
#include "anonfs/api/http_client.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <limits>
#include <utility>

#include "anonfs/api/url.hpp"
#include "curl_handle.hpp"
#include "curl_share.hpp"
#include "transfer.hpp"

namespace anonfs::api {

using detail::AttemptResult;
using detail::AttemptSpec;

struct HttpClient::Impl {
  explicit Impl(ClientOptions opts)
      : options(std::move(opts)), pool(share, options.max_idle_handles) {}

  const ClientOptions options;
  detail::CurlShare share;  // declared before pool: outlives every handle
  detail::HandlePool pool;
  std::atomic<std::uint64_t> calls{0}, attempts{0}, retries{0}, failures{0}, bytes_received{0};

  Response execute(const Request& request, const AttemptSpec& base, std::stop_token cancel);
};

namespace {

bool has_line_break(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

[[noreturn]] void invalid(const Request& request, std::string why) {
  throw ApiError(detail::error_info(request, ErrorKind::kInvalidRequest, std::move(why)));
}

void validate(const Request& request) {
  check_url(request.url);
  for (const auto& [name, value] : request.headers.entries()) {
    if (name.empty() || has_line_break(name) || name.find(':') != std::string::npos ||
        name.find(' ') != std::string::npos || has_line_break(value)) {
      invalid(request, "malformed request header");
    }
  }
  if (request.range) {
    if (request.method != Method::kGet) invalid(request, "Range is only supported on GET");
    if (request.range->length == 0) invalid(request, "empty byte range");
    if (request.range->offset > std::numeric_limits<std::uint64_t>::max() - request.range->length) {
      invalid(request, "byte range overflows");
    }
  }
}

void log_attempt(const Request& request, const AttemptResult& result, int attempt,
                 std::chrono::steady_clock::duration elapsed) {
  if (!spdlog::should_log(spdlog::level::debug)) return;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
  // Method, redacted URL, status and duration only: never bodies, headers or query strings.
  if (result.error && result.error->kind() != ErrorKind::kHttpStatus) {
    spdlog::debug("http {} {} -> {} ({} ms, attempt {})", to_string(request.method),
                  redact_url(request.url), to_string(result.error->kind()), ms, attempt);
  } else {
    spdlog::debug("http {} {} -> {} ({} ms, attempt {})", to_string(request.method),
                  redact_url(request.url), result.response.status, ms, attempt);
  }
}

}  // namespace

Response HttpClient::Impl::execute(const Request& request, const AttemptSpec& base,
                                   std::stop_token cancel) {
  ++calls;
  std::uint64_t delivered = 0;
  for (int attempt = 1;; ++attempt) {
    AttemptSpec spec = base;
    spec.cancel = cancel;
    if (spec.range && delivered > 0) {  // resume a ranged stream after the delivered prefix
      spec.range->offset += delivered;
      spec.range->length -= delivered;
    }
    ++attempts;
    if (attempt > 1) ++retries;
    const auto start = std::chrono::steady_clock::now();
    AttemptResult result;
    {
      auto lease = pool.acquire();
      result = detail::run_attempt(*lease, spec, options);
    }
    delivered += result.delivered;
    bytes_received += result.delivered;
    log_attempt(request, result, attempt, std::chrono::steady_clock::now() - start);
    if (result.sink_error) {
      ++failures;
      std::rethrow_exception(result.sink_error);
    }
    if (!result.error) {
      bytes_received += result.response.body.size();
      return std::move(result.response);
    }
    // An unranged stream cannot be resumed once bytes reached the sink.
    const bool repeatable = base.sink == nullptr || base.range || delivered == 0;
    const RetryDecision decision =
        repeatable ? decide_retry(options.retry, *result.error, attempt, request.idempotent)
                   : RetryDecision{};
    if (!decision.retry) {
      ++failures;
      throw std::move(*result.error);
    }
    if (!cancellable_sleep(decision.delay, cancel)) {
      ++failures;
      throw ApiError(
          detail::error_info(request, ErrorKind::kCancelled, "cancelled while waiting to retry"));
    }
  }
}

HttpClient::HttpClient(ClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

HttpClient::~HttpClient() = default;

Response HttpClient::send(const Request& request, std::stop_token cancel) {
  validate(request);
  AttemptSpec spec;
  spec.request = &request;
  spec.range = request.range;
  spec.max_body = request.max_body_bytes.value_or(impl_->options.max_body_bytes);
  spec.timeout = request.timeout.value_or(impl_->options.request_timeout);
  return impl_->execute(request, spec, std::move(cancel));
}

Response HttpClient::stream(const Request& request, const Sink& sink, std::stop_token cancel) {
  validate(request);
  if (!sink) invalid(request, "stream without a sink");
  AttemptSpec spec;
  spec.request = &request;
  spec.range = request.range;
  spec.sink = &sink;
  spec.timeout = request.timeout.value_or(std::chrono::milliseconds(0));
  return impl_->execute(request, spec, std::move(cancel));
}

const ClientOptions& HttpClient::options() const noexcept {
  return impl_->options;
}

ClientStats HttpClient::stats() const noexcept {
  ClientStats s;
  s.calls = impl_->calls.load();
  s.attempts = impl_->attempts.load();
  s.retries = impl_->retries.load();
  s.failures = impl_->failures.load();
  s.bytes_received = impl_->bytes_received.load();
  return s;
}

}  // namespace anonfs::api
