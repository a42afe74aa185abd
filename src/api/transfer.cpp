// A single HTTP attempt over libcurl: options, header/body callbacks, the multi loop with prompt
// cancellation, and the classification of the outcome into success or ApiError.
#include "transfer.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <memory>
#include <string>
#include <string_view>

#include "anonfs/api/url.hpp"
#include "curl_handle.hpp"
#include "text_util.hpp"

namespace anonfs::api::detail {

namespace {

constexpr std::size_t kMaxErrorBody = 64 * 1024;

struct SlistDeleter {
  void operator()(curl_slist* list) const noexcept { curl_slist_free_all(list); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

void slist_append(Slist& list, const std::string& line) {
  curl_slist* appended = curl_slist_append(list.get(), line.c_str());
  if (appended == nullptr) throw std::bad_alloc();
  (void)list.release();
  list.reset(appended);
}

bool parse_u64(std::string_view text, std::uint64_t& out) {
  if (text.empty()) return false;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

// "bytes a-b/total" or "bytes a-b/*" → [a, b] inclusive.
bool parse_content_range(std::string_view value, std::uint64_t& first, std::uint64_t& last) {
  value = trim(value);
  if (value.size() < 6 || !iequals(value.substr(0, 6), "bytes ")) return false;
  value = trim(value.substr(6));
  const auto dash = value.find('-');
  const auto slash = value.find('/');
  if (dash == std::string_view::npos || slash == std::string_view::npos || slash < dash) {
    return false;
  }
  if (!parse_u64(value.substr(0, dash), first)) return false;
  if (!parse_u64(value.substr(dash + 1, slash - dash - 1), last)) return false;
  const std::string_view total = value.substr(slash + 1);
  std::uint64_t total_value = 0;
  if (total != "*" && !parse_u64(total, total_value)) return false;
  if (total != "*" && last >= total_value) return false;
  return first <= last;
}

// Everything the callbacks see. Lives on the stack of run_attempt.
struct TransferState {
  const AttemptSpec* spec = nullptr;
  long status = 0;
  Headers headers;
  bool headers_done = false;
  std::string body;  // buffered success body, or the (capped) error body
  std::uint64_t delivered = 0;
  bool error_body_truncated = false;
  std::optional<ApiError> abort_error;  // set by a callback that refused the response
  std::exception_ptr sink_error;

  bool success() const noexcept { return status >= 200 && status < 300; }

  void fail(ErrorKind kind, std::string detail) {
    if (abort_error) return;
    ErrorInfo info = error_info(*spec->request, kind, std::move(detail));
    info.status = status;
    abort_error.emplace(std::move(info));
  }

  // Called when the header block of the final (non-1xx) response is complete. Returns false to
  // abort the transfer.
  bool check_headers() {
    if (!success() || spec->request->method == Method::kHead) return true;
    const auto content_length = headers.get("Content-Length");
    std::uint64_t length = 0;
    const bool has_length = content_length && parse_u64(trim(*content_length), length);
    if (spec->range) {
      const ByteRange& range = *spec->range;
      if (status != 206) {
        fail(ErrorKind::kProtocol,
             "server answered " + std::to_string(status) + " to a Range request (expected 206)");
        return false;
      }
      std::uint64_t first = 0, last = 0;
      const auto content_range = headers.get("Content-Range");
      if (!content_range || !parse_content_range(*content_range, first, last) ||
          first != range.offset || last != range.end() - 1) {
        fail(ErrorKind::kProtocol,
             "Content-Range does not match the requested range " + range.header_value());
        return false;
      }
      if (has_length && length != range.length) {
        fail(ErrorKind::kProtocol, "Content-Length does not match the requested range");
        return false;
      }
    } else if (status == 206) {
      fail(ErrorKind::kProtocol, "206 Partial Content without a Range request");
      return false;
    }
    if (spec->sink == nullptr && has_length && length > spec->max_body) {
      fail(ErrorKind::kBodyTooLarge, "Content-Length " + std::to_string(length) +
                                         " exceeds the cap of " + std::to_string(spec->max_body));
      return false;
    }
    return true;
  }

  bool on_header_line(std::string_view line) {
    if (headers_done) return true;  // trailers
    if (line.size() >= 5 && line.substr(0, 5) == "HTTP/") {
      // A new response starts (after 1xx interim responses): forget earlier headers.
      headers.clear();
      status = 0;
      const auto space = line.find(' ');
      if (space != std::string_view::npos) {
        std::uint64_t code = 0;
        const std::string_view rest = line.substr(space + 1);
        const auto end = std::min(rest.find(' '), rest.find('\r'));
        if (parse_u64(trim(rest.substr(0, end)), code) && code < 1000) {
          status = static_cast<long>(code);
        }
      }
      return true;
    }
    if (trim(line).empty()) {
      if (status >= 100 && status < 200) return true;  // interim response, the real one follows
      headers_done = true;
      return check_headers();
    }
    // Obsolete line folding (RFC 9112 §5.2) is not supported: such lines are dropped.
    if (line.front() == ' ' || line.front() == '\t') return true;
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return true;
    headers.add(std::string(trim(line.substr(0, colon))),
                std::string(trim(line.substr(colon + 1))));
    return true;
  }

  bool on_body(const char* data, std::size_t size) {
    if (!headers_done || !success()) {
      // Error bodies are kept up to a small cap for the message; beyond it the transfer stops.
      const std::size_t room = kMaxErrorBody - std::min(kMaxErrorBody, body.size());
      body.append(data, std::min(room, size));
      if (size > room) {
        error_body_truncated = true;
        return false;
      }
      return true;
    }
    if (spec->sink != nullptr) {
      if (spec->range && delivered + size > spec->range->length) {
        fail(ErrorKind::kProtocol, "server sent more bytes than the requested range");
        return false;
      }
      try {
        (*spec->sink)(
            std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(data), size));
      } catch (...) {
        sink_error = std::current_exception();
        return false;
      }
      delivered += size;
      return true;
    }
    if (body.size() + size > spec->max_body) {
      fail(ErrorKind::kBodyTooLarge,
           "response body exceeds the cap of " + std::to_string(spec->max_body) + " bytes");
      return false;
    }
    body.append(data, size);
    return true;
  }
};

extern "C" size_t header_callback(char* buffer, size_t size, size_t count, void* user) {
  auto* state = static_cast<TransferState*>(user);
  const std::size_t n = size * count;
  try {
    return state->on_header_line(std::string_view(buffer, n)) ? n : 0;
  } catch (...) {
    state->sink_error = std::current_exception();
    return 0;
  }
}

extern "C" size_t write_callback(char* buffer, size_t size, size_t count, void* user) {
  auto* state = static_cast<TransferState*>(user);
  const std::size_t n = size * count;
  try {
    return state->on_body(buffer, n) ? n : 0;
  } catch (...) {
    state->sink_error = std::current_exception();
    return 0;
  }
}

extern "C" int xferinfo_callback(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* state = static_cast<const TransferState*>(user);
  return state->spec->cancel.stop_requested() ? 1 : 0;
}

bool is_transient(CURLcode rc) {
  switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
    case CURLE_OPERATION_TIMEDOUT:
      return true;
    default:
      return false;
  }
}

bool is_before_send(CURLcode rc) {
  return rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_RESOLVE_PROXY ||
         rc == CURLE_COULDNT_CONNECT;
}

std::string curl_detail(CURLcode rc, const char* errbuf) {
  std::string detail = curl_easy_strerror(rc);
  const std::string_view extra(errbuf);
  // curl's error buffer may quote the URL; it is only used when it cannot carry a query string.
  if (!extra.empty() && extra.find('?') == std::string_view::npos) {
    detail += " (" + sanitize_text(extra, 200) + ")";
  }
  return detail;
}

void set_method_and_body(CURL* easy, const Request& request, Slist& headers) {
  const std::string_view body = request.body_view();
  const bool sends_body = request.method == Method::kPost || request.method == Method::kPut ||
                          request.method == Method::kPatch ||
                          (request.method == Method::kDelete && !body.empty());
  switch (request.method) {
    case Method::kGet:
      curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
      break;
    case Method::kHead:
      curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
      break;
    default:
      break;
  }
  if (sends_body) {
    // POSTFIELDS does not copy: the request outlives the attempt. Exact Content-Length.
    curl_easy_setopt(easy, CURLOPT_POST, 1L);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body.empty() ? "" : body.data());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    if (!request.headers.contains("Content-Type")) slist_append(headers, "Content-Type:");
  }
  if (request.method != Method::kGet && request.method != Method::kHead &&
      request.method != Method::kPost) {
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, to_string(request.method));
  }
}

}  // namespace

ErrorInfo error_info(const Request& request, ErrorKind kind, std::string detail) {
  ErrorInfo info;
  info.kind = kind;
  info.method = to_string(request.method);
  info.url = redact_url(request.url);
  info.detail = std::move(detail);
  return info;
}

AttemptResult run_attempt(CurlHandle& handle, const AttemptSpec& spec,
                          const ClientOptions& options) {
  const Request& request = *spec.request;
  AttemptResult result;
  TransferState state;
  state.spec = &spec;
  std::array<char, CURL_ERROR_SIZE> errbuf{};

  handle.reset();
  CURL* easy = handle.easy();
  curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(easy, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options.connect_timeout.count()));
  curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, options.low_speed_limit);
  curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options.low_speed_time.count()));
  if (spec.timeout.count() > 0) {
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(spec.timeout.count()));
  }
  curl_easy_setopt(easy, CURLOPT_USERAGENT, options.user_agent.c_str());
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, options.verify_tls ? 1L : 0L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, options.verify_tls ? 2L : 0L);
  if (!options.ca_file.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, options.ca_file.c_str());
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf.data());
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &header_callback);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &state);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &write_callback);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &state);
  curl_easy_setopt(easy, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(easy, CURLOPT_XFERINFOFUNCTION, &xferinfo_callback);
  curl_easy_setopt(easy, CURLOPT_XFERINFODATA, &state);

  Slist header_list;
  for (const auto& [name, value] : request.headers.entries()) {
    if (iequals(name, "Range") || iequals(name, "Expect")) continue;
    slist_append(header_list, value.empty() ? name + ";" : name + ": " + value);
  }
  slist_append(header_list, "Expect:");
  if (spec.range) slist_append(header_list, "Range: " + spec.range->header_value());
  set_method_and_body(easy, request, header_list);
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, header_list.get());

  // Run on the handle's multi so that cancellation can wake the wait at once.
  CURLM* multi = handle.multi();
  bool cancelled = false;
  CURLcode rc = CURLE_OK;
  if (curl_multi_add_handle(multi, easy) != CURLM_OK) {
    rc = CURLE_FAILED_INIT;
  } else {
    {
      std::stop_callback wake(spec.cancel, [multi] { curl_multi_wakeup(multi); });
      int running = 1;
      while (true) {
        if (curl_multi_perform(multi, &running) != CURLM_OK) {
          rc = CURLE_FAILED_INIT;
          break;
        }
        if (running == 0) break;
        if (spec.cancel.stop_requested()) {
          cancelled = true;
          break;
        }
        if (curl_multi_poll(multi, nullptr, 0, 1000, nullptr) != CURLM_OK) {
          rc = CURLE_FAILED_INIT;
          break;
        }
      }
    }
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
      if (msg->msg == CURLMSG_DONE && msg->easy_handle == easy) rc = msg->data.result;
    }
    curl_multi_remove_handle(multi, easy);
  }
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, nullptr);

  result.delivered = state.delivered;
  result.response.status = state.status;
  result.response.headers = std::move(state.headers);
  if (state.sink_error) {
    result.sink_error = state.sink_error;
    return result;
  }
  if (cancelled || rc == CURLE_ABORTED_BY_CALLBACK) {
    result.error.emplace(error_info(request, ErrorKind::kCancelled, "transfer cancelled"));
    return result;
  }
  if (state.abort_error) {
    result.error = std::move(state.abort_error);
    return result;
  }
  if (rc == CURLE_WRITE_ERROR && state.error_body_truncated) rc = CURLE_OK;
  if (rc != CURLE_OK) {
    const ErrorKind kind =
        rc == CURLE_OPERATION_TIMEDOUT ? ErrorKind::kTimeout : ErrorKind::kNetwork;
    ErrorInfo info = error_info(request, kind, curl_detail(rc, errbuf.data()));
    info.status = state.headers_done ? state.status : 0;
    info.transient = is_transient(rc);
    info.request_not_sent = is_before_send(rc);
    result.error.emplace(std::move(info));
    return result;
  }
  if (state.success()) {
    if (spec.sink != nullptr && spec.range && state.delivered != spec.range->length) {
      result.error.emplace(error_info(request, ErrorKind::kProtocol,
                                      "server sent " + std::to_string(state.delivered) +
                                          " bytes for a range of " +
                                          std::to_string(spec.range->length)));
      return result;
    }
    result.response.body = std::move(state.body);
    return result;
  }
  // A complete non-2xx response.
  ErrorInfo info = error_info(request, ErrorKind::kHttpStatus, {});
  info.status = state.status;
  info.server = parse_error_body(state.body);
  info.detail = info.server.message;
  if (const auto header = result.response.headers.get("Retry-After")) {
    info.retry_after = parse_retry_after(*header);
  }
  if (!info.retry_after) info.retry_after = info.server.retry_after;
  result.error.emplace(std::move(info));
  return result;
}

}  // namespace anonfs::api::detail
