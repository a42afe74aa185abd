#include "form_rules.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <set>

#include "anonfs/crypto/base64.hpp"
#include "anonfs/crypto/bytes.hpp"
#include "anonfs/crypto/hash.hpp"
#include "anonfs/crypto/random.hpp"
#include "drop_rules.hpp"
#include "ids.hpp"
#include "plans.hpp"

namespace anonfs::server {

using nlohmann::json;

// ---- plans -------------------------------------------------------------------------------------

namespace {
// Seed Form document "Plan Limits" and protocol §9.3/§9.8/§11 (attachment caps 100 MB / 5 GB /
// 50 GB, taken as MiB/GiB like the drop limits).
const FormPlan kFreeForms{3, 50, 30, 100 * kMiB, false, false};
const FormPlan kPlusForms{10, 1000, 90, 5 * kGiB, true, false};
const FormPlan kProForms{30, 10000, 365, 50 * kGiB, true, true};
}  // namespace

const FormPlan& form_plan(Plan plan) noexcept {
  switch (plan) {
    case Plan::kPlus:
      return kPlusForms;
    case Plan::kPro:
      return kProForms;
    case Plan::kFree:
      break;
  }
  return kFreeForms;
}

// ---- identifiers -------------------------------------------------------------------------------

namespace {
std::string random_base36(std::size_t n) {
  static constexpr std::string_view kBase36 = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string out(n, '0');
  for (auto& c : out)
    c = kBase36[crypto::random_uniform(36)];
  return out;
}
}  // namespace

std::string new_form_id() {
  return random_base36(12);
}
std::string new_submission_id() {
  return random_base36(14);
}
std::string new_upload_token() {
  return crypto::base64url_encode(crypto::random_bytes(32));
}
bool is_form_id(std::string_view s) noexcept {
  return ids::is_base36(s, 12);
}
bool is_submission_id(std::string_view s) noexcept {
  return ids::is_base36(s, 14);
}
std::string hash_upload_token(std::string_view token) {
  auto digest = crypto::sha256(crypto::as_bytes(token));
  return crypto::hex_encode(crypto::ByteView(digest.data(), digest.size()));
}

std::string utc_month(std::int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  // Formatted by hand: snprintf("%04d-%02d") trips -Wformat-truncation for out-of-range ints.
  const long year = static_cast<long>(tm.tm_year) + 1900;
  const int month = tm.tm_mon + 1;
  std::string out = std::to_string(year);
  if (year >= 0 && year < 1000) out.insert(0, 4 - out.size(), '0');
  out += month < 10 ? "-0" : "-";
  out += std::to_string(month);
  return out;
}

namespace {
bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

int days_in_month(int year, int month) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[static_cast<std::size_t>(month - 1)];
}

// "YYYY-MM-DD" as a valid calendar date.
bool parse_date(std::string_view s, int& y, int& m, int& d) {
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return false;
  if (!digits(s, 0, 4, y) || !digits(s, 5, 2, m) || !digits(s, 8, 2, d)) return false;
  return m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

bool is_date(std::string_view s) {
  int y, m, d;
  return s.size() == 10 && parse_date(s, y, m, d);
}

std::int64_t days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<std::int64_t>(era) * 146097 + doe - 719468;
}
}  // namespace

std::optional<std::int64_t> parse_iso_utc(std::string_view s) {
  int y, mo, d, h, mi, sec;
  if (s.size() < 20 || !parse_date(s, y, mo, d) || s[10] != 'T' || s[13] != ':' || s[16] != ':') {
    return std::nullopt;
  }
  if (!digits(s, 11, 2, h) || !digits(s, 14, 2, mi) || !digits(s, 17, 2, sec)) return std::nullopt;
  if (h > 23 || mi > 59 || sec > 59) return std::nullopt;
  std::size_t pos = 19;
  std::int64_t millis = 0;
  if (s[pos] == '.') {
    std::size_t start = ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9')
      ++pos;
    if (pos == start) return std::nullopt;
    std::string frac(s.substr(start, std::min<std::size_t>(pos - start, 3)));
    while (frac.size() < 3)
      frac += '0';
    millis = std::stoll(frac);
  }
  // zod .datetime() (the service, §15.13) takes only 'Z'; the seed Form document says "ISO-8601",
  // so a numeric offset (+HH:MM, +HHMM, +HH) is accepted as well and normalised to UTC.
  std::int64_t offset_min = 0;
  if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    const int sign = s[pos] == '-' ? -1 : 1;
    int oh = 0, om = 0;
    const auto rest = s.size() - pos - 1;
    const bool shape_ok =
        digits(s, pos + 1, 2, oh) &&
        (rest == 2 || (rest == 5 && s[pos + 3] == ':' && digits(s, pos + 4, 2, om)) ||
         (rest == 4 && digits(s, pos + 3, 2, om)));
    if (!shape_ok || oh > 23 || om > 59) return std::nullopt;
    offset_min = sign * (oh * 60 + om);
  } else if (pos + 1 != s.size() || s[pos] != 'Z') {
    return std::nullopt;
  }
  return ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60000LL + sec * 1000LL + millis -
         offset_min * 60000LL;
}

// ---- FormSchemaDoc -----------------------------------------------------------------------------

namespace {

constexpr std::int64_t kMaxFieldFileSize = 250 * kGiB;

bool is_field_id(std::string_view s) {
  return !s.empty() && s.size() <= 64 && ids::is_base64url(s);
}

bool is_mime_pattern(std::string_view s) {
  auto slash = s.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 >= s.size()) return false;
  if (s.find('/', slash + 1) != std::string_view::npos) return false;
  return std::none_of(s.begin(), s.end(), [](char c) {
    return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == ',' || c == ';';
  });
}

void copy_string(JsonFields& f, json& out, const char* key, bool required, std::size_t min,
                 std::size_t max) {
  if (auto v = f.string(key, required, min, max)) out[key] = *v;
}

void copy_bool(JsonFields& f, json& out, const char* key, std::optional<bool> fallback) {
  if (auto v = f.boolean(key, false)) {
    out[key] = *v;
  } else if (fallback) {
    out[key] = *fallback;
  }
}

// A finite JSON number, copied as written.
const json* number(const json& obj, JsonFields& f, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end()) return nullptr;
  if (!it->is_number()) {
    f.issue(key, "Expected number");
    return nullptr;
  }
  return &*it;
}

void copy_options(JsonFields& f, json& out, std::size_t min, std::size_t max) {
  const auto* opts = f.array("options", true, min, max);
  if (!opts) return;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < opts->size(); ++i) {
    const auto& o = (*opts)[i];
    const std::string at = "options." + std::to_string(i);
    if (!o.is_string() || o.get_ref<const std::string&>().empty() ||
        o.get_ref<const std::string&>().size() > 200) {
      f.issue(at.c_str(), "Invalid option");
    } else if (!seen.insert(o.get<std::string>()).second) {
      f.issue(at.c_str(), "Duplicate option");
    }
  }
  out["options"] = *opts;
}

void parse_visible_when(const json& v, Issues& issues, const std::string& path,
                        const std::set<std::string>& earlier, json& out) {
  JsonFields f(v, issues, path);
  auto field_id = f.string("fieldId", true, 1, 64);
  auto op = f.string("op", true, 1, 16);
  static const std::set<std::string> kOps = {"equals", "notEquals", "contains",  "gt",
                                             "lt",     "isEmpty",   "isNotEmpty"};
  if (field_id && !earlier.count(*field_id)) {
    f.issue("fieldId", "visibleWhen must reference an earlier field");
  }
  if (op && !kOps.count(*op)) f.issue("op", "Invalid operator");
  if (!f.ok()) return;
  json cond = json::object();
  if (field_id) cond["fieldId"] = *field_id;
  if (op) cond["op"] = *op;
  auto it = v.find("value");
  const bool needs_value = op && *op != "isEmpty" && *op != "isNotEmpty";
  if (it != v.end()) {
    if (it->is_string() && it->get_ref<const std::string&>().size() <= 500) {
      cond["value"] = *it;
    } else if (it->is_number() || it->is_null()) {
      cond["value"] = *it;
    } else {
      f.issue("value", "Invalid value");
    }
  }
  if (needs_value && (it == v.end() || it->is_null())) f.issue("value", "Required");
  out["visibleWhen"] = cond;
}

void parse_address_parts(JsonFields& f, Issues& issues, const std::string& path, json& out) {
  static constexpr std::array<std::pair<const char*, bool>, 6> kParts = {{{"line1", true},
                                                                          {"line2", false},
                                                                          {"city", true},
                                                                          {"state", false},
                                                                          {"postalCode", false},
                                                                          {"country", true}}};
  const json* parts = f.object("parts", false);
  json result = json::object();
  bool any_enabled = false;
  for (const auto& [name, required_default] : kParts) {
    json part = {{"enabled", true}, {"required", required_default}};
    if (parts && parts->contains(name)) {
      JsonFields pf(parts->at(name), issues, path + ".parts." + name);
      if (auto e = pf.boolean("enabled", false)) part["enabled"] = *e;
      if (auto r = pf.boolean("required", false)) part["required"] = *r;
    }
    any_enabled = any_enabled || part["enabled"].get<bool>();
    result[name] = part;
  }
  if (!any_enabled) f.issue("parts", "An address field must collect at least one part");
  out["parts"] = result;
}

json parse_field(const json& in, Issues& issues, const std::string& path,
                 const std::set<std::string>& earlier) {
  JsonFields f(in, issues, path);
  json out = json::object();
  if (!f.ok()) return out;
  auto id = f.string("id", true, 1, 64);
  if (id && !is_field_id(*id)) f.issue("id", "Invalid field id");
  if (id) out["id"] = *id;
  auto type = f.string("type", true, 1, 32);
  static const std::set<std::string> kTypes = {
      "short_text", "long_text", "email", "phone", "number",       "single_select", "multi_select",
      "dropdown",   "rating",    "date",  "file",  "linear_scale", "ranking",       "address"};
  if (type && !kTypes.count(*type)) {
    f.issue("type", "Invalid field type");
    type.reset();
  }
  if (type) out["type"] = *type;
  copy_string(f, out, "label", true, 1, 300);
  copy_bool(f, out, "required", false);
  copy_string(f, out, "helpText", false, 0, 500);
  if (const auto* vw = f.object("visibleWhen", false)) {
    parse_visible_when(*vw, issues, f.field("visibleWhen"), earlier, out);
  }
  if (!type) return out;
  const std::string& t = *type;
  if (t == "short_text" || t == "long_text") {
    if (auto n = f.integer("maxLength", false, 1, t == "short_text" ? 500 : 50000)) {
      out["maxLength"] = *n;
    }
    copy_string(f, out, "placeholder", false, 0, 200);
  } else if (t == "email" || t == "phone") {
    copy_string(f, out, "placeholder", false, 0, 200);
  } else if (t == "number") {
    const json* mn = number(in, f, "min");
    const json* mx = number(in, f, "max");
    const json* step = number(in, f, "step");
    if (mn) out["min"] = *mn;
    if (mx) out["max"] = *mx;
    if (step) {
      if (step->get<double>() <= 0) {
        f.issue("step", "Step must be positive");
      } else {
        out["step"] = *step;
      }
    }
    if (mn && mx && mn->get<double>() > mx->get<double>()) f.issue("min", "min must be <= max");
  } else if (t == "single_select" || t == "multi_select") {
    copy_options(f, out, 1, 50);
  } else if (t == "dropdown") {
    copy_options(f, out, 1, 100);
  } else if (t == "ranking") {
    copy_options(f, out, 2, 20);
  } else if (t == "rating") {
    out["max"] = f.integer("max", false, 3, 10).value_or(5);
  } else if (t == "date") {
    auto mn = f.string("min", false, 10, 10);
    auto mx = f.string("max", false, 10, 10);
    if (mn && !is_date(*mn)) f.issue("min", "Invalid date");
    if (mx && !is_date(*mx)) f.issue("max", "Invalid date");
    if (mn) out["min"] = *mn;
    if (mx) out["max"] = *mx;
    if (mn && mx && *mn > *mx) f.issue("min", "min must be <= max");
  } else if (t == "file") {
    out["maxFiles"] = f.integer("maxFiles", false, 1, 20).value_or(1);
    if (auto n = f.integer("maxFileSize", false, 1, kMaxFieldFileSize)) out["maxFileSize"] = *n;
    if (const auto* types = f.array("acceptedMimeTypes", false, 0, 20)) {
      for (std::size_t i = 0; i < types->size(); ++i) {
        const auto& m = (*types)[i];
        if (!m.is_string() || m.get_ref<const std::string&>().size() > 100 ||
            !is_mime_pattern(m.get_ref<const std::string&>())) {
          f.issue(("acceptedMimeTypes." + std::to_string(i)).c_str(), "Invalid MIME type");
        }
      }
      out["acceptedMimeTypes"] = *types;
    }
  } else if (t == "linear_scale") {
    out["min"] = f.integer("min", false, 0, 1).value_or(1);
    out["max"] = f.integer("max", false, 2, 11).value_or(5);
    copy_string(f, out, "minLabel", false, 0, 50);
    copy_string(f, out, "maxLabel", false, 0, 50);
  } else if (t == "address") {
    parse_address_parts(f, issues, path, out);
  }
  return out;
}

}  // namespace

std::optional<json> parse_form_schema(const json& doc, Issues& issues, const std::string& path) {
  Issues local;
  JsonFields f(doc, local, path);
  json out = json::object();
  if (f.ok()) {
    auto it = doc.find("version");
    if (it == doc.end()) {
      f.issue("version", "Required");
    } else if (!it->is_number() || as_integer(*it) != 1) {
      f.issue("version", "Invalid literal value, expected 1");
    }
    out["version"] = 1;
    // Required by the service (§9.1, §15.14) but absent from the seed document's example schema;
    // optional here, as the server overwrites it with the form's title anyway.
    copy_string(f, out, "title", false, 1, 300);
    copy_string(f, out, "description", false, 0, 2000);
    auto mode = f.string("displayMode", false, 1, 32);
    if (mode && *mode != "classic" && *mode != "one_question") f.issue("displayMode", "Invalid");
    out["displayMode"] = mode.value_or("classic");
    out["fields"] = json::array();
    if (const auto* fields = f.array("fields", true, 0, 50)) {
      std::set<std::string> earlier;
      for (std::size_t i = 0; i < fields->size(); ++i) {
        auto field =
            parse_field((*fields)[i], local, f.field("fields") + "." + std::to_string(i), earlier);
        if (field.contains("id")) {
          auto id = field["id"].get<std::string>();
          if (!earlier.insert(id).second) {
            local.add(f.field("fields") + "." + std::to_string(i) + ".id", "Duplicate field id");
          }
        }
        out["fields"].push_back(std::move(field));
      }
    }
    out["submitButtonText"] = f.string("submitButtonText", false, 1, 60).value_or("Submit");
    copy_string(f, out, "thankYouMessage", false, 0, 2000);
    copy_bool(f, out, "notifyOnSubmission", true);
  }
  bool ok = local.empty();
  for (const auto& d : local.details()) {
    issues.add(d["field"].get<std::string>(), d["message"].get<std::string>());
  }
  if (!ok) return std::nullopt;
  return out;
}

SchemaInfo schema_info(const json& doc) {
  SchemaInfo info;
  auto fields = doc.find("fields");
  if (fields == doc.end() || !fields->is_array()) return info;
  info.field_count = static_cast<std::int64_t>(fields->size());
  for (const auto& field : *fields) {
    if (field.value("type", "") != "file") continue;
    FileFieldRule rule;
    rule.max_files = field.value("maxFiles", std::int64_t{1});
    if (field.contains("maxFileSize"))
      rule.max_file_size = field["maxFileSize"].get<std::int64_t>();
    if (field.contains("acceptedMimeTypes")) {
      rule.accepted_mime_types = field["acceptedMimeTypes"].get<std::vector<std::string>>();
    }
    info.file_fields[field.value("id", "")] = std::move(rule);
  }
  return info;
}

bool mime_accepted(const FileFieldRule& rule, std::string_view mime) {
  if (rule.accepted_mime_types.empty()) return true;
  auto lower = [](std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
  };
  const auto m = lower(mime);
  for (const auto& pattern : rule.accepted_mime_types) {
    auto p = lower(pattern);
    if (p == m) return true;
    if (p.size() >= 2 && p.ends_with("/*") && m.starts_with(p.substr(0, p.size() - 1))) {
      return true;
    }
  }
  return false;
}

// ---- form bodies -------------------------------------------------------------------------------

namespace {

bool is_cuid(std::string_view s) {
  if (s.size() < 9 || s.size() > 64 || s[0] != 'c') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  });
}

// A field that may be null: null -> Nullable holding nullopt; absent -> empty Nullable.
template <typename T, typename Read>
Nullable<T> nullable_field(const json& body, const char* key, Read read) {
  auto it = body.is_object() ? body.find(key) : body.end();
  if (it == body.end()) return std::nullopt;
  if (it->is_null()) return std::optional<T>(std::nullopt);
  auto v = read();
  if (!v) return std::nullopt;
  return std::optional<T>(*v);
}

void b64u_check(JsonFields& f, const char* key, const std::optional<std::string>& v) {
  if (v && !ids::is_base64url(*v)) f.issue(key, "Invalid base64url");
}

void parse_common(const json& body, JsonFields& f, Issues& issues, FormInput& in, bool create) {
  in.title = f.string("title", create, 1, 300);
  in.description = nullable_field<std::string>(
      body, "description", [&] { return f.string("description", false, 0, 2000); });
  if (const auto* schema = f.object("schema", create)) {
    in.schema = parse_form_schema(*schema, issues);
  }
  // The seed Form document: "Enable file-attachment fields (default false)". (The service ignores
  // it and derives the flag from the schema, §15.13.)
  in.allow_file_uploads = f.boolean("allowFileUploads", false);
  in.max_file_size_override = nullable_field<std::int64_t>(body, "maxFileSizeOverride", [&] {
    return f.integer("maxFileSizeOverride", false, 1, INT64_MAX);
  });
  in.max_submissions = nullable_field<std::int64_t>(
      body, "maxSubmissions", [&] { return f.integer("maxSubmissions", false, 1, 1000000); });
  in.closes_at =
      nullable_field<std::int64_t>(body, "closesAt", [&]() -> std::optional<std::int64_t> {
        auto s = f.string("closesAt", false, 1, 64);
        if (!s) return std::nullopt;
        auto ms = parse_iso_utc(*s);
        if (!ms) f.issue("closesAt", "Invalid datetime");
        return ms;
      });
  in.hide_branding = f.boolean("hideBranding", false);
  in.notify_on_submission = f.boolean("notifyOnSubmission", false);
  in.custom_key = f.boolean("customKey", false);
  in.salt = f.string("salt", false, 43, 43);
  in.custom_key_data = f.string("customKeyData", false, 70, 512);
  in.custom_key_iv = f.string("customKeyIv", false, 16, 16);
  in.custom_key_verifier = f.string("customKeyVerifier", false, 43, 43);
  b64u_check(f, "customKeyVerifier", in.custom_key_verifier);
  if (in.custom_key.value_or(false)) {
    if (!in.salt && !body.contains("salt")) f.issue("salt", "Required when customKey is true");
    if (!in.custom_key_data && !body.contains("customKeyData")) {
      f.issue("customKeyData", "Required when customKey is true");
    }
    if (!in.custom_key_iv && !body.contains("customKeyIv")) {
      f.issue("customKeyIv", "Required when customKey is true");
    }
    if (!in.custom_key_verifier && !body.contains("customKeyVerifier")) {
      f.issue("customKeyVerifier", "Required when customKey is true");
    }
  }
}

// publicKey, wrappedPrivateKey, vaultId, vaultGeneration (and the ignored orgKeyGeneration).
void parse_key_fields(JsonFields& f, FormInput& in, bool required) {
  in.public_key = f.string("publicKey", required, 87, 87);
  b64u_check(f, "publicKey", in.public_key);
  in.wrapped_private_key = f.string("wrappedPrivateKey", required, 32, 2048);
  b64u_check(f, "wrappedPrivateKey", in.wrapped_private_key);
  in.vault_id = f.string("vaultId", required, 1, 64);
  if (in.vault_id && !is_cuid(*in.vault_id)) f.issue("vaultId", "Invalid cuid");
  in.vault_generation = f.integer("vaultGeneration", required, 1, INT32_MAX);
  f.integer("orgKeyGeneration", false, 1, INT32_MAX);  // organisation scope only; ignored
}

}  // namespace

FormInput parse_create_form(const json& body, Issues& issues) {
  FormInput in;
  JsonFields f(body, issues);
  if (!f.ok()) return in;
  parse_common(body, f, issues, in, /*create=*/true);
  parse_key_fields(f, in, /*required=*/true);
  return in;
}

FormInput parse_update_form(const json& body, Issues& issues) {
  FormInput in;
  JsonFields f(body, issues);
  if (!f.ok()) return in;
  // The seed Form document: "Pass any subset of the fields accepted by POST /api/v1/form", so the
  // key fields are accepted too (key rotation; the service refuses them, §9.5). Still strict.
  f.strict({"title",
            "description",
            "schema",
            "active",
            "disabledByUser",
            "allowFileUploads",
            "maxFileSizeOverride",
            "maxSubmissions",
            "closesAt",
            "hideBranding",
            "notifyOnSubmission",
            "customKey",
            "salt",
            "customKeyData",
            "customKeyIv",
            "customKeyVerifier",
            "publicKey",
            "wrappedPrivateKey",
            "vaultId",
            "vaultGeneration",
            "orgKeyGeneration"});
  parse_common(body, f, issues, in, /*create=*/false);
  in.active = f.boolean("active", false);
  in.disabled_by_user = f.boolean("disabledByUser", false);
  parse_key_fields(f, in, /*required=*/false);
  // Rotating the key replaces the public key and the vault-wrapped private key together, and the
  // wrapped key must be bound to the caller's current vault.
  if (body.contains("publicKey") || body.contains("wrappedPrivateKey")) {
    for (const char* key : {"publicKey", "wrappedPrivateKey", "vaultId", "vaultGeneration"}) {
      if (!body.contains(key)) f.issue(key, "Required when rotating the form key");
    }
  }
  return in;
}

std::optional<std::string> parse_unlock(const json& body, Issues& issues) {
  JsonFields f(body, issues);
  f.strict({"customKeyProof"});
  auto proof = f.string("customKeyProof", true, 1, 512);
  b64u_check(f, "customKeyProof", proof);
  if (!issues.empty()) return std::nullopt;
  return proof;
}

wire::SubmitRequest parse_submit(const json& body, Issues& issues) {
  wire::SubmitRequest r;
  JsonFields f(body, issues);
  if (!f.ok()) return r;
  f.strict({"ephemeralPubKey", "iv", "encryptedPayload", "attachedDropId", "attachmentUploadToken",
            "attachmentManifest", "turnstileToken", "customKeyProof"});
  auto eph = f.string("ephemeralPubKey", true, 87, 87);
  b64u_check(f, "ephemeralPubKey", eph);
  auto iv = f.string("iv", true, 16, 16);
  b64u_check(f, "iv", iv);
  auto payload = f.string("encryptedPayload", true, 1, 5242880);
  b64u_check(f, "encryptedPayload", payload);
  r.ephemeralPubKey = eph.value_or("");
  r.iv = iv.value_or("");
  r.encryptedPayload = payload.value_or("");
  r.attachedDropId = f.string("attachedDropId", false, 1, 64);
  r.attachmentUploadToken = f.string("attachmentUploadToken", false, 43, 43);
  if (const auto* manifest = f.array("attachmentManifest", false, 0, 100)) {
    r.attachmentManifest.emplace();
    for (std::size_t i = 0; i < manifest->size(); ++i) {
      JsonFields e((*manifest)[i], issues, "attachmentManifest." + std::to_string(i));
      wire::AttachmentManifestEntry entry;
      entry.fieldId = e.string("fieldId", true, 1, 64).value_or("");
      entry.fileId = e.string("fileId", true, 1, 64).value_or("");
      entry.size = e.integer("size", true, 1, INT64_MAX).value_or(0);
      entry.mimeType = e.string("mimeType", true, 1, 200).value_or("");
      r.attachmentManifest->push_back(std::move(entry));
    }
  }
  r.turnstileToken = f.string("turnstileToken", false, 1, 2048);
  r.customKeyProof = f.string("customKeyProof", false, 1, 512);
  b64u_check(f, "customKeyProof", r.customKeyProof);
  const bool drop = body.contains("attachedDropId");
  const bool token = body.contains("attachmentUploadToken");
  const bool manifest = body.contains("attachmentManifest");
  if (drop || token || manifest) {
    if (!drop) f.issue("attachedDropId", "Required with attachments");
    if (!token) f.issue("attachmentUploadToken", "Required with attachedDropId");
    if (!manifest) f.issue("attachmentManifest", "Required with attachedDropId");
  }
  return r;
}

wire::UploadTokenRequest parse_upload_token(const json& body, Issues& issues) {
  wire::UploadTokenRequest r;
  JsonFields f(body, issues);
  if (!f.ok()) return r;
  f.strict({"iv", "files", "fileCount", "expiry", "turnstileToken", "customKeyProof"});
  auto iv = f.string("iv", true, 16, 16);
  b64u_check(f, "iv", iv);
  r.iv = iv.value_or("");
  if (const auto* files = f.array("files", true, 1, kMaxAttachmentFiles)) {
    for (std::size_t i = 0; i < files->size(); ++i) {
      JsonFields e((*files)[i], issues, "files." + std::to_string(i));
      e.strict({"fieldId", "size", "mimeType"});
      wire::PlannedAttachment p;
      p.fieldId = e.string("fieldId", true, 1, 64).value_or("");
      p.size = e.integer("size", true, 1, kMaxPlaintext).value_or(0);
      auto mime = e.string("mimeType", true, 1, 200);
      if (mime && !is_allowed_mime_type(*mime)) e.issue("mimeType", "Invalid MIME type");
      p.mimeType = mime.value_or("");
      r.files.push_back(std::move(p));
    }
  }
  r.fileCount = f.integer("fileCount", false, 1, kMaxAttachmentFiles);
  r.expiry = f.integer("expiry", false, 1, 30);
  r.turnstileToken = f.string("turnstileToken", false, 1, 2048);
  r.customKeyProof = f.string("customKeyProof", false, 1, 512);
  b64u_check(f, "customKeyProof", r.customKeyProof);
  return r;
}

}  // namespace anonfs::server
