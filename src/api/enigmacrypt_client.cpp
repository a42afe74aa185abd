// EnigmaCryptClient: requests and strict decoding of {success, message?, data} answers.
#include "anonfs/api/enigmacrypt_client.hpp"

#include <utility>

#include "service_call.hpp"

namespace anonfs::api {

namespace {

using detail::ServiceCall;
using detail::ServiceRoute;
using nlohmann::json;

constexpr ServiceRoute kCreate{Method::kPost, "POST /api/messages", false};
constexpr ServiceRoute kFetch{Method::kGet, "GET /api/messages/:id", false};
constexpr ServiceRoute kDelete{Method::kDelete, "DELETE /api/messages/:id", true};
constexpr ServiceRoute kList{Method::kGet, "GET /api/messages", true};
constexpr std::size_t kPageSize = 50;

// {success: true, data: …}: the data member.
const json& success_data(ServiceCall& call, const json& doc) {
  const auto& ok = call.member(doc, "success");
  if (!ok.is_boolean() || !ok.get<bool>()) call.fail("server answered success=false");
  return call.member(doc, "data");
}

}  // namespace

EnigmaCryptClient::EnigmaCryptClient(HttpClient& http, std::string base_url,
                                     crypto::SecretBytes token)
    : http_(http), base_url_(std::move(base_url)), token_(std::move(token)) {
  while (!base_url_.empty() && base_url_.back() == '/')
    base_url_.pop_back();
}

wire::EnigmaCreated EnigmaCryptClient::create(const wire::EnigmaCreateRequest& request,
                                              std::stop_token cancel) {
  ServiceCall call(http_, base_url_, kCreate);
  const json body = request;
  const json doc = call.send("/api/messages", &body, "Bearer", token_, std::move(cancel));
  auto created = call.convert<wire::EnigmaCreated>(success_data(call, doc));
  if (!detail::is_safe_path_id(created.messageId)) call.fail("messageId is not a safe id");
  return created;
}

wire::EnigmaFetched EnigmaCryptClient::fetch(std::string_view message_id, std::stop_token cancel) {
  detail::require_path_id(kFetch, base_url_, message_id);
  ServiceCall call(http_, base_url_, kFetch);
  const json doc = call.send("/api/messages/" + std::string(message_id), nullptr, "Bearer",
                             crypto::SecretBytes(), std::move(cancel));
  return call.convert<wire::EnigmaFetched>(success_data(call, doc));
}

void EnigmaCryptClient::remove(std::string_view message_id,
                               std::optional<std::string_view> delete_token,
                               std::stop_token cancel) {
  detail::require_path_id(kDelete, base_url_, message_id);
  if (!delete_token && token_.empty()) {
    detail::refuse_call(kDelete, base_url_, "neither an API token nor a deleteToken");
  }
  ServiceCall call(http_, base_url_, kDelete);
  Headers extra;
  if (delete_token) extra.set("X-Delete-Token", std::string(*delete_token));
  const json doc =
      call.send("/api/messages/" + std::string(message_id), nullptr, "Bearer",
                delete_token ? crypto::SecretBytes() : token_.clone(), std::move(cancel), extra);
  const auto& ok = call.member(doc, "success");
  if (!ok.is_boolean() || !ok.get<bool>()) call.fail("server answered success=false");
}

std::vector<wire::EnigmaMessageInfo> EnigmaCryptClient::list(std::size_t max_items,
                                                             std::stop_token cancel) {
  if (token_.empty()) detail::refuse_call(kList, base_url_, "no API token configured");
  std::vector<wire::EnigmaMessageInfo> out;
  for (std::size_t offset = 0;; offset += kPageSize) {
    ServiceCall call(http_, base_url_, kList);
    const json doc = call.send("/api/messages?offset=" + std::to_string(offset), nullptr, "Bearer",
                               token_, cancel);
    const auto& data = success_data(call, doc);
    if (!data.is_array()) call.fail("data is not an array");
    for (const auto& item : data)
      out.push_back(call.convert<wire::EnigmaMessageInfo>(item));
    if (out.size() > max_items) call.fail("more than " + std::to_string(max_items) + " messages");
    if (data.size() < kPageSize) break;
  }
  return out;
}

}  // namespace anonfs::api
