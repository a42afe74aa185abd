#include "service_call.hpp"

#include "anonfs/api/url.hpp"
#include "text_util.hpp"
#include "transfer.hpp"

namespace anonfs::api::detail {

namespace {
constexpr std::size_t kMaxIdLength = 64;
constexpr std::size_t kMaxDetail = 200;
}  // namespace

bool is_safe_path_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > kMaxIdLength) return false;
  for (const char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

void refuse_call(const ServiceRoute& route, const std::string& base_url, std::string why) {
  ErrorInfo info;
  info.kind = ErrorKind::kInvalidRequest;
  info.method = to_string(route.method);
  info.url = redact_url(base_url);
  info.detail = std::string(route.name) + ": " + std::move(why);
  info.request_not_sent = true;
  throw ApiError(std::move(info));
}

void require_path_id(const ServiceRoute& route, const std::string& base_url, std::string_view id) {
  if (!is_safe_path_id(id)) {
    refuse_call(route, base_url, "invalid id (expected 1..64 characters of [A-Za-z0-9_-])");
  }
}

ServiceCall::~ServiceCall() {
  crypto::secure_wipe(request_.body.data(), request_.body.size());
  // Headers only hands out const entries; the strings themselves are not const objects.
  for (const auto& entry : request_.headers.entries()) {
    auto& value = const_cast<std::string&>(entry.second);
    crypto::secure_wipe(value.data(), value.size());
  }
}

nlohmann::json ServiceCall::send(const std::string& path, const nlohmann::json* body,
                                 std::string_view auth_scheme, const crypto::SecretBytes& key,
                                 std::stop_token cancel, const Headers& extra) {
  request_ = Request::json(route_.method, base_url_ + path);
  for (const auto& [name, value] : extra.entries())
    request_.headers.set(name, value);
  if (body != nullptr) {
    request_.headers.set("Content-Type", "application/json");
    request_.body = body->dump();
  }
  request_.idempotent = route_.idempotent;
  if (!key.empty()) {
    for (const char c : key.str()) {
      const auto u = static_cast<unsigned char>(c);
      if (u <= 0x20 || u >= 0x7f) refuse_call(route_, base_url_, "the key is not printable ASCII");
    }
    std::string value;
    value.reserve(auth_scheme.size() + 1 + key.size());
    value.append(auth_scheme).append(" ").append(key.str());
    request_.headers.set("Authorization", std::move(value));
  }
  const Response response = http_.send(request_, std::move(cancel));
  status_ = response.status;
  auto doc = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) fail("response is not valid JSON");
  if (!doc.is_object()) fail("response is not a JSON object");
  return doc;
}

const nlohmann::json& ServiceCall::member(const nlohmann::json& document, const char* key) {
  auto it = document.find(key);
  if (it == document.end()) fail(std::string("response has no \"") + key + "\"");
  return *it;
}

void ServiceCall::fail(std::string why) {
  ErrorInfo info = error_info(request_, ErrorKind::kProtocol,
                              std::string(route_.name) + ": " + sanitize_text(why, kMaxDetail));
  info.status = status_;
  throw ApiError(std::move(info));
}

}  // namespace anonfs::api::detail
