// URL checks (scheme, fragment, control characters) and redaction for logs and errors.
#include "anonfs/api/url.hpp"

#include <cctype>

#include "anonfs/api/api_error.hpp"

namespace anonfs::api {

namespace {

bool starts_with_icase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  }
  return true;
}

std::size_t scheme_length(std::string_view url) {
  if (starts_with_icase(url, "https://")) return 8;
  if (starts_with_icase(url, "http://")) return 7;
  return 0;
}

[[noreturn]] void refuse(std::string_view url, const char* why) {
  ErrorInfo info;
  info.kind = ErrorKind::kInvalidRequest;
  info.url = redact_url(url);
  info.detail = why;
  throw ApiError(std::move(info));
}

}  // namespace

void check_url(std::string_view url) {
  // The fragment check comes first and looks at the raw text: whatever follows '#' (a share
  // link's key) must never be sent anywhere, whatever else is wrong with the URL.
  if (url.find('#') != std::string_view::npos) refuse(url, "URL contains a #fragment");
  for (const char c : url) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) refuse(url, "URL contains whitespace or control characters");
  }
  const std::size_t scheme = scheme_length(url);
  if (scheme == 0) refuse(url, "only http:// and https:// URLs are allowed");
  const std::string_view rest = url.substr(scheme);
  const std::size_t authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  if (authority.empty() || authority.front() == ':') refuse(url, "URL has no host");
}

std::string redact_url(std::string_view url) noexcept {
  try {
    url = url.substr(0, url.find_first_of("?#"));
    const std::size_t scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) return std::string(url);
    const std::size_t authority_start = scheme_end + 3;
    const std::size_t path_start = url.find('/', authority_start);
    const std::string_view authority = url.substr(
        authority_start, path_start == std::string_view::npos ? std::string_view::npos
                                                              : path_start - authority_start);
    std::string out(url.substr(0, authority_start));
    const std::size_t at = authority.rfind('@');
    out += at == std::string_view::npos ? authority : authority.substr(at + 1);
    if (path_start != std::string_view::npos) out += url.substr(path_start);
    return out;
  } catch (...) {
    return "<url>";
  }
}

}  // namespace anonfs::api
