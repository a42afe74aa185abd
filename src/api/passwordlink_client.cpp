// PasswordLinkClient: requests and strict decoding of {data, metadata} answers.
#include "anonfs/api/passwordlink_client.hpp"

#include <utility>

#include "service_call.hpp"

namespace anonfs::api {

namespace {

using detail::ServiceCall;
using detail::ServiceRoute;
using nlohmann::json;

constexpr ServiceRoute kCreateSecret{Method::kPost, "POST /api/secrets", false};
constexpr ServiceRoute kViewSecret{Method::kGet, "GET /api/secrets/:id", false};
constexpr ServiceRoute kListSecrets{Method::kGet, "GET /api/secrets", true};
constexpr ServiceRoute kDeleteSecret{Method::kDelete, "DELETE /api/secrets/:id", true};
constexpr ServiceRoute kCreateRequest{Method::kPost, "POST /api/secret_requests", false};
constexpr ServiceRoute kListRequests{Method::kGet, "GET /api/secret_requests", true};
constexpr ServiceRoute kDeleteRequest{Method::kDelete, "DELETE /api/secret_requests/:id", true};
constexpr std::size_t kPageSize = 50;

// Request ids are UUIDs: [0-9a-f-], which is_safe_path_id accepts.
const crypto::SecretBytes& need(const crypto::SecretBytes& key, const ServiceRoute& route,
                                const std::string& base, const char* which) {
  if (key.empty()) {
    detail::refuse_call(route, base, std::string("no password.link ") + which + " configured");
  }
  return key;
}

wire::PlMetadata metadata_of(ServiceCall& call, const json& doc) {
  auto it = doc.find("metadata");
  if (it == doc.end() || it->is_null()) return {};
  if (!it->is_object()) call.fail("metadata is not an object");
  return call.convert<wire::PlMetadata>(*it);
}

PasswordLinkClient::Created created_of(ServiceCall& call, const json& doc) {
  const auto& data = call.member(doc, "data");
  if (!data.is_object()) call.fail("data is not an object");
  PasswordLinkClient::Created out;
  out.id = call.convert<std::string>(call.member(data, "id"));
  if (!detail::is_safe_path_id(out.id)) call.fail("id is not a safe id");
  out.metadata = metadata_of(call, doc);
  return out;
}

// Every page of a list route (offset += 50) until a short page, bounded by max_items.
template <typename T>
PasswordLinkClient::Page<T> list_pages(HttpClient& http, const std::string& base_url,
                                       const crypto::SecretBytes& private_key, const char* path,
                                       const ServiceRoute& route, std::size_t max_items,
                                       std::stop_token cancel) {
  const auto& key = need(private_key, route, base_url, "private key");
  PasswordLinkClient::Page<T> out;
  for (std::size_t offset = 0;; offset += kPageSize) {
    ServiceCall call(http, base_url, route);
    const std::string query = offset == 0 ? "" : "?offset=" + std::to_string(offset);
    const json doc = call.send(std::string(path) + query, nullptr, "ApiKey", key, cancel);
    const auto& data = call.member(doc, "data");
    if (!data.is_array()) call.fail("data is not an array");
    for (const auto& item : data)
      out.items.push_back(call.convert<T>(item));
    out.metadata = metadata_of(call, doc);
    if (out.items.size() > max_items)
      call.fail("more than " + std::to_string(max_items) + " items");
    if (data.size() < kPageSize) break;
  }
  return out;
}

}  // namespace

PasswordLinkClient::PasswordLinkClient(HttpClient& http, std::string base_url,
                                       crypto::SecretBytes public_key,
                                       crypto::SecretBytes private_key)
    : http_(http),
      base_url_(std::move(base_url)),
      public_key_(std::move(public_key)),
      private_key_(std::move(private_key)) {
  while (!base_url_.empty() && base_url_.back() == '/')
    base_url_.pop_back();
}

PasswordLinkClient::Created PasswordLinkClient::create_secret(const wire::PlCreateSecret& request,
                                                              std::stop_token cancel) {
  const auto& key = need(private_key_, kCreateSecret, base_url_, "private key");
  ServiceCall call(http_, base_url_, kCreateSecret);
  json body = request;
  const json doc = call.send("/api/secrets", &body, "ApiKey", key, std::move(cancel));
  if (auto it = body.find("password_part_private"); it != body.end() && it->is_string()) {
    auto& text = it->get_ref<std::string&>();
    crypto::secure_wipe(text.data(), text.size());
  }
  return created_of(call, doc);
}

wire::PlSecretView PasswordLinkClient::view_secret(std::string_view id, std::stop_token cancel) {
  detail::require_path_id(kViewSecret, base_url_, id);
  const auto& key = public_key_.empty() ? private_key_ : public_key_;
  need(key, kViewSecret, base_url_, "public key");
  ServiceCall call(http_, base_url_, kViewSecret);
  const json doc =
      call.send("/api/secrets/" + std::string(id), nullptr, "ApiKey", key, std::move(cancel));
  const auto& data = call.member(doc, "data");
  if (!data.is_object()) call.fail("data is not an object");
  return call.convert<wire::PlSecretView>(data);
}

PasswordLinkClient::Page<wire::PlSecretItem> PasswordLinkClient::list_secrets(
    std::size_t max_items, std::stop_token cancel) {
  return list_pages<wire::PlSecretItem>(http_, base_url_, private_key_, "/api/secrets",
                                        kListSecrets, max_items, std::move(cancel));
}

wire::PlMetadata PasswordLinkClient::delete_secret(std::string_view id, std::stop_token cancel) {
  detail::require_path_id(kDeleteSecret, base_url_, id);
  const auto& key = need(private_key_, kDeleteSecret, base_url_, "private key");
  ServiceCall call(http_, base_url_, kDeleteSecret);
  const json doc =
      call.send("/api/secrets/" + std::string(id), nullptr, "ApiKey", key, std::move(cancel));
  return metadata_of(call, doc);
}

PasswordLinkClient::Created PasswordLinkClient::create_request(const wire::PlCreateRequest& request,
                                                               std::stop_token cancel) {
  const auto& key = need(private_key_, kCreateRequest, base_url_, "private key");
  ServiceCall call(http_, base_url_, kCreateRequest);
  const json body = request;
  const json doc = call.send("/api/secret_requests", &body, "ApiKey", key, std::move(cancel));
  return created_of(call, doc);
}

PasswordLinkClient::Page<wire::PlRequestItem> PasswordLinkClient::list_requests(
    std::size_t max_items, std::stop_token cancel) {
  return list_pages<wire::PlRequestItem>(http_, base_url_, private_key_, "/api/secret_requests",
                                         kListRequests, max_items, std::move(cancel));
}

wire::PlMetadata PasswordLinkClient::delete_request(std::string_view id, std::stop_token cancel) {
  detail::require_path_id(kDeleteRequest, base_url_, id);
  const auto& key = need(private_key_, kDeleteRequest, base_url_, "private key");
  ServiceCall call(http_, base_url_, kDeleteRequest);
  const json doc = call.send("/api/secret_requests/" + std::string(id), nullptr, "ApiKey", key,
                             std::move(cancel));
  return metadata_of(call, doc);
}

}  // namespace anonfs::api
