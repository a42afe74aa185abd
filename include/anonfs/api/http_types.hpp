// Value types of the HTTP transport: methods, case-insensitive headers, byte ranges, requests,
// responses and the streaming sink.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace anonfs::api {

enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete };

const char* to_string(Method method) noexcept;

// Ordered header list with case-insensitive lookup. Values are stored verbatim (an ETag keeps its
// quotes) with surrounding whitespace trimmed.
class Headers {
 public:
  using Entry = std::pair<std::string, std::string>;

  // Appends; a repeated name keeps all values.
  void add(std::string name, std::string value);
  // Replaces every value of `name` by one value.
  void set(std::string name, std::string value);
  void remove(std::string_view name);
  // The first value of `name`.
  std::optional<std::string> get(std::string_view name) const;
  bool contains(std::string_view name) const { return get(name).has_value(); }
  const std::vector<Entry>& entries() const noexcept { return entries_; }
  bool empty() const noexcept { return entries_.empty(); }
  void clear() noexcept { entries_.clear(); }

 private:
  std::vector<Entry> entries_;
};

bool iequals(std::string_view a, std::string_view b) noexcept;

// A byte range [offset, offset + length); length must be > 0. Sent as
// "Range: bytes=offset-(offset+length-1)".
struct ByteRange {
  std::uint64_t offset = 0;
  std::uint64_t length = 0;

  std::uint64_t end() const noexcept { return offset + length; }  // exclusive
  std::string header_value() const;                               // "bytes=a-b"
  friend bool operator==(const ByteRange&, const ByteRange&) = default;
};

// Receives response body bytes as they arrive, in order. Throwing aborts the transfer; the
// exception propagates to the caller unchanged and is never retried.
using Sink = std::function<void(std::span<const std::uint8_t>)>;

struct Request {
  Method method = Method::kGet;
  std::string url;  // absolute http(s) URL, never with a #fragment
  Headers headers;  // Authorization is sent but never logged
  // Body sent from memory with an exact Content-Length and no "Expect: 100-continue". `body` is
  // owned; `borrowed_body`, when set, is used instead (zero copy, for large part PUTs) and must
  // stay valid for the whole call, retries included.
  std::string body;
  std::optional<std::span<const std::uint8_t>> borrowed_body;
  // The caller's statement that repeating the request is harmless. Non-idempotent requests are
  // retried only when the server cannot have acted on them (429, connect failures).
  bool idempotent = false;
  // GET only: a single byte range; the response must be 206 with a matching Content-Range.
  std::optional<ByteRange> range;
  // Overrides of the client options for this call.
  std::optional<std::chrono::milliseconds> timeout;  // overall cap per attempt (0 = none)
  std::optional<std::uint64_t> max_body_bytes;       // buffered calls only

  std::string_view body_view() const noexcept;

  // GET/DELETE/... with Accept: application/json, or POST/PUT/PATCH with a JSON body.
  static Request json(Method method, std::string url);
  static Request json(Method method, std::string url, const std::string& json_text);
};

struct Response {
  long status = 0;
  Headers headers;
  std::string body;  // empty for streamed transfers

  std::optional<std::string> header(std::string_view name) const { return headers.get(name); }
  bool ok() const noexcept { return status >= 200 && status < 300; }
};

}  // namespace anonfs::api
