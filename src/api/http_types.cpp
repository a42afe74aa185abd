// Methods, case-insensitive headers, byte ranges and request builders.
#include "anonfs/api/http_types.hpp"

#include <algorithm>
#include <cctype>

namespace anonfs::api {

const char* to_string(Method method) noexcept {
  switch (method) {
    case Method::kGet:
      return "GET";
    case Method::kHead:
      return "HEAD";
    case Method::kPost:
      return "POST";
    case Method::kPut:
      return "PUT";
    case Method::kPatch:
      return "PATCH";
    case Method::kDelete:
      return "DELETE";
  }
  return "GET";
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

void Headers::add(std::string name, std::string value) {
  entries_.emplace_back(std::move(name), std::move(value));
}

void Headers::set(std::string name, std::string value) {
  remove(name);
  add(std::move(name), std::move(value));
}

void Headers::remove(std::string_view name) {
  std::erase_if(entries_, [&](const Entry& e) { return iequals(e.first, name); });
}

std::optional<std::string> Headers::get(std::string_view name) const {
  for (const auto& [key, value] : entries_) {
    if (iequals(key, name)) return value;
  }
  return std::nullopt;
}

std::string ByteRange::header_value() const {
  return "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1);
}

std::string_view Request::body_view() const noexcept {
  if (borrowed_body) {
    return {reinterpret_cast<const char*>(borrowed_body->data()), borrowed_body->size()};
  }
  return body;
}

Request Request::json(Method method, std::string url) {
  Request request;
  request.method = method;
  request.url = std::move(url);
  request.headers.set("Accept", "application/json");
  return request;
}

Request Request::json(Method method, std::string url, const std::string& json_text) {
  Request request = json(method, std::move(url));
  request.headers.set("Content-Type", "application/json");
  request.body = json_text;
  return request;
}

}  // namespace anonfs::api
