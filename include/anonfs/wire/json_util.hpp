// Small helpers for optional (nullable) JSON fields shared by the wire types.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace anonfs::wire {

template <typename T>
nlohmann::json nullable(const std::optional<T>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

// Reads j[key] into `out` when present and not null; leaves `out` empty otherwise.
template <typename T>
void get_optional(const nlohmann::json& j, const char* key, std::optional<T>& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    out.reset();
  } else {
    out = it->template get<T>();
  }
}

// Reads j[key] into `out` when present and not null; keeps the default otherwise.
template <typename T>
void get_or_default(const nlohmann::json& j, const char* key, T& out) {
  auto it = j.find(key);
  if (it != j.end() && !it->is_null()) out = it->template get<T>();
}

}  // namespace anonfs::wire
