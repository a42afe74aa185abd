// Answer cleaning per field type (§9.1 field rules, §10.3 value shapes).
#include "form_answers.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>

namespace anonfs::cli {
namespace {

using nlohmann::json;

[[noreturn]] void reject(const std::string& field, const std::string& why) {
  throw std::invalid_argument("answer '" + field + "': " + why);
}

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

bool is_empty(const json& v) {
  return v.is_null() || (v.is_string() && trim(v.get<std::string>()).empty()) ||
         (v.is_array() && v.empty()) || (v.is_object() && v.empty());
}

std::size_t utf8_length(const std::string& s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

std::vector<std::string> options_of(const json& field) {
  std::vector<std::string> out;
  if (const auto o = field.find("options"); o != field.end() && o->is_array()) {
    for (const auto& v : *o)
      if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

bool valid_date(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (const std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u})
    if (s[i] < '0' || s[i] > '9') return false;
  const int y = std::stoi(s.substr(0, 4)), m = std::stoi(s.substr(5, 2)),
            d = std::stoi(s.substr(8, 2));
  if (m < 1 || m > 12 || d < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

std::string text_value(const std::string& id, const json& v) {
  if (!v.is_string()) reject(id, "expected a string");
  return trim(v.get<std::string>());
}

// Cleans one visible, non-empty answer of a non-file field; returns the value to send.
json clean_value(const json& field, const std::string& id, const std::string& type, const json& v) {
  if (type == "short_text" || type == "long_text" || type == "email" || type == "phone") {
    const std::string s = text_value(id, v);
    const std::size_t cap = field.value("maxLength", type == "long_text" ? 50000u : 500u);
    if (utf8_length(s) > cap) reject(id, "longer than " + std::to_string(cap) + " characters");
    if (type == "email") {
      const auto at = s.find('@');
      if (at == std::string::npos || at == 0 || s.find('.', at) == std::string::npos ||
          s.find(' ') != std::string::npos) {
        reject(id, "not an e-mail address");
      }
    }
    return s;
  }
  if (type == "number") {
    if (!v.is_number()) reject(id, "expected a number");
    const double x = v.get<double>();
    if (!std::isfinite(x)) reject(id, "not a finite number");
    if (field.contains("min") && x < field["min"].get<double>()) reject(id, "below the minimum");
    if (field.contains("max") && x > field["max"].get<double>()) reject(id, "above the maximum");
    return v;
  }
  if (type == "single_select" || type == "dropdown") {
    const std::string s = text_value(id, v);
    const auto options = options_of(field);
    if (std::find(options.begin(), options.end(), s) == options.end()) {
      reject(id, "'" + s + "' is not one of the options");
    }
    return s;
  }
  if (type == "multi_select" || type == "ranking") {
    if (!v.is_array()) reject(id, "expected an array of options");
    const auto options = options_of(field);
    std::set<std::string> seen;
    for (const auto& e : v) {
      if (!e.is_string()) reject(id, "expected an array of options");
      const std::string s = e.get<std::string>();
      if (std::find(options.begin(), options.end(), s) == options.end()) {
        reject(id, "'" + s + "' is not one of the options");
      }
      if (!seen.insert(s).second) reject(id, "'" + s + "' given twice");
    }
    if (type == "ranking" && seen.size() != options.size()) {
      reject(id, "a ranking must order every option exactly once");
    }
    return v;
  }
  if (type == "rating" || type == "linear_scale") {
    if (!v.is_number_integer()) reject(id, "expected an integer");
    const auto x = v.get<std::int64_t>();
    const std::int64_t lo = type == "rating" ? 1 : field.value("min", 1);
    const std::int64_t hi = field.value("max", 5);
    if (x < lo || x > hi) {
      reject(id, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
    }
    return v;
  }
  if (type == "date") {
    const std::string s = text_value(id, v);
    if (!valid_date(s)) reject(id, "expected a date YYYY-MM-DD");
    if (field.contains("min") && s < field["min"].get<std::string>()) reject(id, "too early");
    if (field.contains("max") && s > field["max"].get<std::string>()) reject(id, "too late");
    return s;
  }
  if (type == "address") {
    if (!v.is_object()) reject(id, "expected an address object");
    static const std::vector<std::pair<std::string, std::size_t>> kParts = {
        {"line1", 200}, {"line2", 200},     {"city", 120},
        {"state", 120}, {"postalCode", 40}, {"country", 120}};
    static const std::set<std::string> kRequiredByDefault = {"line1", "city", "country"};
    const json parts = field.value("parts", json::object());
    json out = json::object();
    for (const auto& [key, value] : v.items()) {
      if (std::none_of(kParts.begin(), kParts.end(),
                       [&](const auto& p) { return p.first == key; })) {
        reject(id, "unknown address part '" + key + "'");
      }
    }
    for (const auto& [part, cap] : kParts) {
      const json conf = parts.value(part, json::object());
      if (!conf.value("enabled", true)) continue;
      const bool required = conf.value("required", kRequiredByDefault.contains(part));
      std::string s;
      if (const auto it = v.find(part); it != v.end() && !it->is_null()) {
        s = text_value(id + "." + part, *it);
      }
      if (s.empty()) {
        if (required) reject(id, "address part '" + part + "' is required");
        continue;
      }
      if (utf8_length(s) > cap) reject(id, "address part '" + part + "' is too long");
      out[part] = s;
    }
    return out;
  }
  reject(id, "unsupported field type '" + type + "'");
}

// visibleWhen against the cleaned answers of earlier fields (a hidden field counts as empty).
bool visible(const json& field, const json& cleaned) {
  const auto cond = field.find("visibleWhen");
  if (cond == field.end() || !cond->is_object()) return true;
  const std::string ref = cond->value("fieldId", "");
  const std::string op = cond->value("op", "equals");
  const json answer = cleaned.contains(ref) ? cleaned[ref] : json(nullptr);
  const json target = cond->value("value", json(nullptr));
  const auto as_text = [](const json& j) {
    return j.is_string() ? j.get<std::string>() : j.is_null() ? std::string() : j.dump();
  };
  const auto equals = [&] {
    if (answer.is_array()) {
      return std::any_of(answer.begin(), answer.end(),
                         [&](const json& e) { return as_text(e) == as_text(target); });
    }
    return as_text(answer) == as_text(target);
  };
  if (op == "isEmpty") return is_empty(answer);
  if (op == "isNotEmpty") return !is_empty(answer);
  if (op == "equals") return equals();
  if (op == "notEquals") return !equals();
  if (op == "contains") {
    if (answer.is_array()) return equals();
    return as_text(answer).find(as_text(target)) != std::string::npos;
  }
  if (op == "gt" || op == "lt") {
    if (!answer.is_number() || !(target.is_number() || target.is_string())) return false;
    double t = 0;
    try {
      t = target.is_number() ? target.get<double>() : std::stod(target.get<std::string>());
    } catch (const std::exception&) {
      return false;
    }
    return op == "gt" ? answer.get<double>() > t : answer.get<double>() < t;
  }
  return true;
}

bool mime_accepted(const json& field, const std::string& mime) {
  const auto accepted = field.find("acceptedMimeTypes");
  if (accepted == field.end() || !accepted->is_array() || accepted->empty()) return true;
  for (const auto& a : *accepted) {
    if (!a.is_string()) continue;
    const std::string p = a.get<std::string>();
    if (p == mime) return true;
    if (p.size() > 2 && p.ends_with("/*") && mime.starts_with(p.substr(0, p.size() - 1))) {
      return true;
    }
  }
  return false;
}

}  // namespace

json clean_answers(const json& schema, const json& answers, const std::vector<PlannedFile>& files) {
  if (!answers.is_object()) throw std::invalid_argument("the answers must be a JSON object");
  const auto fields = schema.find("fields");
  if (fields == schema.end() || !fields->is_array()) {
    throw std::invalid_argument("the form's schema has no fields");
  }
  std::set<std::string> known, file_fields;
  json cleaned = json::object();
  std::map<std::string, std::size_t> file_counts;
  for (const auto& f : files)
    ++file_counts[f.field_id];
  for (const auto& field : *fields) {
    const std::string id = field.value("id", "");
    const std::string type = field.value("type", "");
    known.insert(id);
    const bool shown = visible(field, cleaned);
    const bool required = field.value("required", false);
    if (type == "file") {
      file_fields.insert(id);
      const std::size_t n = file_counts.contains(id) ? file_counts[id] : 0;
      if (answers.contains(id)) reject(id, "attach files with --attach " + id + "=FILE instead");
      if (!shown && n > 0) reject(id, "the field is hidden by its visibleWhen condition");
      if (shown && required && n == 0) reject(id, "required: attach a file");
      const std::size_t max_files = field.value("maxFiles", 1u);
      if (n > max_files) reject(id, "at most " + std::to_string(max_files) + " files");
      for (const auto& f : files) {
        if (f.field_id != id) continue;
        if (!mime_accepted(field, f.mime_type)) reject(id, f.mime_type + " is not accepted");
        if (field.contains("maxFileSize") && f.size > field["maxFileSize"].get<std::uint64_t>()) {
          reject(id, "a file is larger than the field allows");
        }
      }
      continue;
    }
    const auto given = answers.find(id);
    const bool empty = given == answers.end() || is_empty(*given);
    if (!shown) continue;  // hidden fields are omitted, whatever was given
    if (empty) {
      if (required) reject(id, "required");
      continue;
    }
    json value = clean_value(field, id, type, *given);
    if (is_empty(value)) {
      if (required) reject(id, "required");
      continue;
    }
    cleaned[id] = std::move(value);
  }
  for (const auto& [key, value] : answers.items()) {
    if (!known.contains(key)) reject(key, "the form has no such field");
  }
  for (const auto& f : files) {
    if (!known.contains(f.field_id)) reject(f.field_id, "the form has no such field");
    if (!file_fields.contains(f.field_id)) reject(f.field_id, "not a file field");
  }
  return cleaned;
}

}  // namespace anonfs::cli
