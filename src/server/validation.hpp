// Schema validation of JSON request bodies in the style of the service's zod schemas: typed field
// readers that collect {field, message} issues, and strict mode (unknown keys are an issue).
// `null` is never accepted for an optional field (zod .optional() does not accept null).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace anonfs::server {

class Issues {
 public:
  void add(std::string field, std::string message);
  bool empty() const noexcept { return issues_.empty(); }
  // [{field, message}, ...]
  nlohmann::json details() const;

 private:
  std::vector<std::pair<std::string, std::string>> issues_;
};

class JsonFields {
 public:
  // If `j` is not an object, one issue is recorded and every getter returns nullopt.
  JsonFields(const nlohmann::json& j, Issues& issues, std::string path = "");

  bool ok() const noexcept { return object_ != nullptr; }
  std::optional<std::string> string(const char* key, bool required, std::size_t min_len,
                                    std::size_t max_len);
  std::optional<std::int64_t> integer(const char* key, bool required, std::int64_t min,
                                      std::int64_t max);
  std::optional<bool> boolean(const char* key, bool required);
  const nlohmann::json* object(const char* key, bool required);
  const nlohmann::json* array(const char* key, bool required, std::size_t min_items,
                              std::size_t max_items);
  // Records an issue for every key not in `allowed`.
  void strict(std::initializer_list<const char*> allowed);
  std::string field(const char* key) const;
  void issue(const char* key, std::string message);

 private:
  const nlohmann::json* get(const char* key, bool required);
  const nlohmann::json* object_ = nullptr;
  Issues& issues_;
  std::string path_;
};

// A JSON number that is an integer (2.0 counts, as in JavaScript) within [min, max].
std::optional<std::int64_t> as_integer(const nlohmann::json& v);

// `^[A-Za-z0-9_-]{n}$`
bool is_b64u_len(std::string_view s, std::size_t n) noexcept;
// Loose email check: one '@', non-empty local and domain parts, domain has a dot, no spaces.
bool looks_like_email(std::string_view s) noexcept;

}  // namespace anonfs::server
