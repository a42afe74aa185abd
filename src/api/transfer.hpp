// One HTTP attempt on a pooled handle: sets every curl option from the request, runs the transfer
// on the handle's multi (woken at once by cancellation), checks status/Range/size as headers and
// bytes arrive, and classifies the outcome. Retries live in http_client.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <optional>
#include <stop_token>

#include "anonfs/api/api_error.hpp"
#include "anonfs/api/http_client.hpp"
#include "anonfs/api/http_types.hpp"

namespace anonfs::api::detail {

class CurlHandle;

struct AttemptSpec {
  const Request* request = nullptr;
  std::optional<ByteRange> range;        // the range of this attempt (resumes shift it)
  const Sink* sink = nullptr;            // null: buffer the body into Response::body
  std::uint64_t max_body = 0;            // cap of a buffered body
  std::chrono::milliseconds timeout{0};  // overall cap of this attempt, 0 = none
  std::stop_token cancel;
};

struct AttemptResult {
  Response response;              // status and headers of the final response; buffered body
  std::uint64_t delivered = 0;    // bytes handed to the sink
  std::optional<ApiError> error;  // anything but a 2xx success
  std::exception_ptr sink_error;  // the sink threw: rethrow as is, never retry
};

AttemptResult run_attempt(CurlHandle& handle, const AttemptSpec& spec,
                          const ClientOptions& options);

// Common fields of an ApiError for `request`.
ErrorInfo error_info(const Request& request, ErrorKind kind, std::string detail);

}  // namespace anonfs::api::detail
