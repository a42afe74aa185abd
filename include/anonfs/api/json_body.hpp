// JSON helpers over HttpClient: parse a response body as JSON (kProtocol when malformed), unwrap
// the anon.li {data, meta} envelope, and one-call JSON requests.
#pragma once

#include <nlohmann/json.hpp>
#include <stop_token>
#include <string>

#include "anonfs/api/http_client.hpp"
#include "anonfs/api/http_types.hpp"

namespace anonfs::api {

// Parses response.body; throws ApiError(kProtocol) naming the request when it is not JSON.
nlohmann::json parse_json(const Request& request, const Response& response);

// The "data" member of a {data, meta} envelope; throws ApiError(kProtocol) when absent. Bare
// routes (protocol §1.2) are parsed with parse_json alone.
nlohmann::json envelope_data(const Request& request, const nlohmann::json& document);

// Sends a JSON request (body omitted when null) and parses the JSON response.
nlohmann::json send_json(HttpClient& client, Method method, std::string url,
                         const nlohmann::json& body = nullptr, const Headers& headers = {},
                         bool idempotent = false, std::stop_token cancel = {});

}  // namespace anonfs::api
