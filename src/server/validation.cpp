#include "validation.hpp"

#include <cmath>

#include "ids.hpp"

namespace anonfs::server {

void Issues::add(std::string field, std::string message) {
  issues_.emplace_back(std::move(field), std::move(message));
}

nlohmann::json Issues::details() const {
  auto out = nlohmann::json::array();
  for (const auto& [field, message] : issues_) {
    out.push_back({{"field", field}, {"message", message}});
  }
  return out;
}

JsonFields::JsonFields(const nlohmann::json& j, Issues& issues, std::string path)
    : issues_(issues), path_(std::move(path)) {
  if (j.is_object()) {
    object_ = &j;
  } else {
    issues_.add(path_, "Expected object");
  }
}

std::string JsonFields::field(const char* key) const {
  return path_.empty() ? std::string(key) : path_ + "." + key;
}

void JsonFields::issue(const char* key, std::string message) {
  issues_.add(field(key), std::move(message));
}

const nlohmann::json* JsonFields::get(const char* key, bool required) {
  if (!object_) return nullptr;
  auto it = object_->find(key);
  if (it == object_->end()) {
    if (required) issue(key, "Required");
    return nullptr;
  }
  return &*it;
}

std::optional<std::string> JsonFields::string(const char* key, bool required, std::size_t min_len,
                                              std::size_t max_len) {
  const auto* v = get(key, required);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    issue(key, "Expected string");
    return std::nullopt;
  }
  const auto& s = v->get_ref<const std::string&>();
  if (s.size() < min_len) {
    issue(key, "Too short");
    return std::nullopt;
  }
  if (s.size() > max_len) {
    issue(key, "Too long");
    return std::nullopt;
  }
  return s;
}

std::optional<std::int64_t> as_integer(const nlohmann::json& v) {
  if (v.is_number_unsigned()) {
    auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<std::int64_t>(u);
  }
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (!std::isfinite(d) || std::floor(d) != d || std::fabs(d) > 9007199254740991.0) {
      return std::nullopt;
    }
    return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

std::optional<std::int64_t> JsonFields::integer(const char* key, bool required, std::int64_t min,
                                                std::int64_t max) {
  const auto* v = get(key, required);
  if (!v) return std::nullopt;
  if (!v->is_number()) {
    issue(key, "Expected number");
    return std::nullopt;
  }
  auto n = as_integer(*v);
  if (!n) {
    issue(key, "Expected integer");
    return std::nullopt;
  }
  if (*n < min) {
    issue(key, "Too small");
    return std::nullopt;
  }
  if (*n > max) {
    issue(key, "Too big");
    return std::nullopt;
  }
  return n;
}

std::optional<bool> JsonFields::boolean(const char* key, bool required) {
  const auto* v = get(key, required);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) {
    issue(key, "Expected boolean");
    return std::nullopt;
  }
  return v->get<bool>();
}

const nlohmann::json* JsonFields::object(const char* key, bool required) {
  const auto* v = get(key, required);
  if (!v) return nullptr;
  if (!v->is_object()) {
    issue(key, "Expected object");
    return nullptr;
  }
  return v;
}

const nlohmann::json* JsonFields::array(const char* key, bool required, std::size_t min_items,
                                        std::size_t max_items) {
  const auto* v = get(key, required);
  if (!v) return nullptr;
  if (!v->is_array()) {
    issue(key, "Expected array");
    return nullptr;
  }
  if (v->size() < min_items) {
    issue(key, "Too few items");
    return nullptr;
  }
  if (v->size() > max_items) {
    issue(key, "Too many items");
    return nullptr;
  }
  return v;
}

void JsonFields::strict(std::initializer_list<const char*> allowed) {
  if (!object_) return;
  for (const auto& [key, value] : object_->items()) {
    bool known = false;
    for (const char* a : allowed)
      known = known || key == a;
    if (!known) issues_.add(path_.empty() ? key : path_ + "." + key, "Unrecognized key");
  }
}

bool is_b64u_len(std::string_view s, std::size_t n) noexcept {
  return s.size() == n && ids::is_base64url(s);
}

bool looks_like_email(std::string_view s) noexcept {
  if (s.size() < 3 || s.size() > 254) return false;
  auto at = s.find('@');
  if (at == std::string_view::npos || at == 0 || s.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  auto domain = s.substr(at + 1);
  if (domain.empty() || domain.find('.') == std::string_view::npos || domain.front() == '.' ||
      domain.back() == '.') {
    return false;
  }
  for (char c : s) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return false;
  }
  return true;
}

}  // namespace anonfs::server
