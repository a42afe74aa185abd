// JSON wire type of GET /api/v1/me (protocol §1.7), envelope data.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "anonfs/wire/envelope.hpp"
#include "anonfs/wire/json_util.hpp"

namespace anonfs::wire {

struct UsedLimit {
  std::int64_t used = 0;
  std::int64_t limit = 0;
};

inline void to_json(nlohmann::json& j, const UsedLimit& u) {
  j = {{"used", u.used}, {"limit", u.limit}};
}
inline void from_json(const nlohmann::json& j, UsedLimit& u) {
  get_or_default(j, "used", u.used);
  get_or_default(j, "limit", u.limit);
}

struct MeLimits {
  std::string max_file_size;  // bytes, decimal string
  std::int64_t max_expiry_days = 0;
  std::int64_t api_requests = 0;  // monthly drop API quota
};

inline void to_json(nlohmann::json& j, const MeLimits& l) {
  j = {{"max_file_size", l.max_file_size},
       {"max_expiry_days", l.max_expiry_days},
       {"api_requests", l.api_requests}};
}
inline void from_json(const nlohmann::json& j, MeLimits& l) {
  if (j.contains("max_file_size")) {
    const auto& v = j.at("max_file_size");
    l.max_file_size = v.is_string() ? v.get<std::string>() : v.dump();
  }
  get_or_default(j, "max_expiry_days", l.max_expiry_days);
  get_or_default(j, "api_requests", l.api_requests);
}

struct DropFeatures {
  bool customKey = false;
  bool downloadLimits = false;
  bool noBranding = false;
  bool downloadNotifications = false;
  bool filePreview = false;
  bool recipientControls = false;
  bool accessLogs = false;
};

inline void to_json(nlohmann::json& j, const DropFeatures& f) {
  j = {{"customKey", f.customKey},     {"downloadLimits", f.downloadLimits},
       {"noBranding", f.noBranding},   {"downloadNotifications", f.downloadNotifications},
       {"filePreview", f.filePreview}, {"recipientControls", f.recipientControls},
       {"accessLogs", f.accessLogs}};
}
inline void from_json(const nlohmann::json& j, DropFeatures& f) {
  get_or_default(j, "customKey", f.customKey);
  get_or_default(j, "downloadLimits", f.downloadLimits);
  get_or_default(j, "noBranding", f.noBranding);
  get_or_default(j, "downloadNotifications", f.downloadNotifications);
  get_or_default(j, "filePreview", f.filePreview);
  get_or_default(j, "recipientControls", f.recipientControls);
  get_or_default(j, "accessLogs", f.accessLogs);
}

struct Me {
  std::string id;
  std::string email;
  std::optional<std::string> name;
  std::string tier;  // free | plus | pro
  std::string product;
  std::string created_at;
  UsedLimit aliases_random, aliases_custom;  // wire: aliases{random, custom}
  UsedLimit domains;
  UsedLimit recipients;
  std::int64_t drops_count = 0;  // wire: drops{count}
  StorageUsage storage;
  MeLimits limits;
  DropFeatures features;
  bool vault_configured = false;
};

inline void to_json(nlohmann::json& j, const Me& m) {
  j = {{"id", m.id},
       {"email", m.email},
       {"name", nullable(m.name)},
       {"tier", m.tier},
       {"product", m.product},
       {"created_at", m.created_at},
       {"aliases", {{"random", m.aliases_random}, {"custom", m.aliases_custom}}},
       {"domains", m.domains},
       {"recipients", m.recipients},
       {"drops", {{"count", m.drops_count}}},
       {"storage", m.storage},
       {"limits", m.limits},
       {"features", m.features},
       {"vault_configured", m.vault_configured}};
}
inline void from_json(const nlohmann::json& j, Me& m) {
  m.id = j.at("id").get<std::string>();
  m.email = j.at("email").get<std::string>();
  get_optional(j, "name", m.name);
  get_or_default(j, "tier", m.tier);
  get_or_default(j, "product", m.product);
  get_or_default(j, "created_at", m.created_at);
  if (auto it = j.find("aliases"); it != j.end() && it->is_object()) {
    get_or_default(*it, "random", m.aliases_random);
    get_or_default(*it, "custom", m.aliases_custom);
  }
  get_or_default(j, "domains", m.domains);
  get_or_default(j, "recipients", m.recipients);
  if (auto it = j.find("drops"); it != j.end() && it->is_object()) {
    get_or_default(*it, "count", m.drops_count);
  }
  get_or_default(j, "storage", m.storage);
  get_or_default(j, "limits", m.limits);
  get_or_default(j, "features", m.features);
  get_or_default(j, "vault_configured", m.vault_configured);
}

}  // namespace anonfs::wire
