// JSON parsing of responses, envelope unwrapping and one-call JSON requests.
#include "anonfs/api/json_body.hpp"

#include "transfer.hpp"

namespace anonfs::api {

nlohmann::json parse_json(const Request& request, const Response& response) {
  auto doc = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    ErrorInfo info =
        detail::error_info(request, ErrorKind::kProtocol, "response is not valid JSON");
    info.status = response.status;
    throw ApiError(std::move(info));
  }
  return doc;
}

nlohmann::json envelope_data(const Request& request, const nlohmann::json& document) {
  if (document.is_object()) {
    auto it = document.find("data");
    if (it != document.end()) return *it;
  }
  throw ApiError(
      detail::error_info(request, ErrorKind::kProtocol, "response has no {data, meta} envelope"));
}

nlohmann::json send_json(HttpClient& client, Method method, std::string url,
                         const nlohmann::json& body, const Headers& headers, bool idempotent,
                         std::stop_token cancel) {
  Request request = body.is_null() ? Request::json(method, std::move(url))
                                   : Request::json(method, std::move(url), body.dump());
  for (const auto& [name, value] : headers.entries())
    request.headers.set(name, value);
  request.idempotent = idempotent;
  const Response response = client.send(request, std::move(cancel));
  if (response.body.empty()) return nullptr;
  return parse_json(request, response);
}

}  // namespace anonfs::api
