#include "presign.hpp"

#include "anonfs/crypto/hash.hpp"

namespace anonfs::server {

std::optional<std::int64_t> parse_decimal(std::string_view text) noexcept {
  if (text.empty() || text.size() > 18) return std::nullopt;
  std::int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

Presigner::Presigner(crypto::SecretBytes key, std::string base_url)
    : key_(std::move(key)), base_url_(std::move(base_url)) {
  while (!base_url_.empty() && base_url_.back() == '/')
    base_url_.pop_back();
}

std::string Presigner::sign(std::string_view method, std::string_view file_id,
                            const std::map<std::string, std::string>& params) const {
  std::string canonical = "anonfs-presign-v1\n";
  canonical += method;
  canonical += '\n';
  canonical += kObjectsPrefix;
  canonical += file_id;
  canonical += '\n';
  for (const auto& [name, value] : params) {
    canonical += name;
    canonical += '=';
    canonical += value;
    canonical += '\n';
  }
  auto mac = crypto::hmac_sha256(key_.view(), crypto::as_bytes(canonical));
  return crypto::hex_encode(crypto::ByteView(mac.data(), mac.size()));
}

namespace {
std::string build_url(const std::string& base, std::string_view file_id,
                      const std::map<std::string, std::string>& params,
                      const std::string& signature) {
  // All values are [0-9A-Za-z_-] only, so no percent-encoding is needed.
  std::string url = base;
  url += kObjectsPrefix;
  url += file_id;
  char sep = '?';
  for (const auto& [name, value] : params) {
    url += sep;
    url += name;
    url += '=';
    url += value;
    sep = '&';
  }
  url += sep;
  url += kParamSignature;
  url += '=';
  url += signature;
  return url;
}
}  // namespace

std::string Presigner::part_put_url(const PartGrant& grant) const {
  std::map<std::string, std::string> params{
      {kParamPartNumber, std::to_string(grant.part_number)},
      {kParamUploadId, grant.upload_id},
      {kParamContentLength, std::to_string(grant.content_length)},
      {kParamExpires, std::to_string(grant.expires)},
  };
  return build_url(base_url_, grant.file_id, params, sign("PUT", grant.file_id, params));
}

std::string Presigner::object_get_url(const GetGrant& grant) const {
  std::map<std::string, std::string> params{{kParamExpires, std::to_string(grant.expires)}};
  return build_url(base_url_, grant.file_id, params, sign("GET", grant.file_id, params));
}

PresignStatus Presigner::verify(std::string_view method, std::string_view file_id,
                                const std::multimap<std::string, std::string>& params,
                                std::initializer_list<const char*> required, std::int64_t now,
                                std::map<std::string, std::string>& values) const {
  std::string signature;
  for (const auto& [name, value] : params) {
    if (name == kParamSignature) {
      if (!signature.empty()) return PresignStatus::kMalformed;
      signature = value;
      continue;
    }
    bool known = false;
    for (const char* r : required)
      known = known || name == r;
    if (!known) return PresignStatus::kMalformed;  // unsigned extra parameter
    if (!values.emplace(name, value).second) return PresignStatus::kMalformed;
  }
  if (signature.size() != 64 || values.size() != required.size()) {
    return PresignStatus::kMalformed;
  }
  auto expected = sign(method, file_id, values);
  if (!crypto::constant_time_equal(crypto::as_bytes(expected), crypto::as_bytes(signature))) {
    return PresignStatus::kBadSignature;
  }
  auto expires = parse_decimal(values.at(kParamExpires));
  if (!expires) return PresignStatus::kMalformed;
  if (*expires < now) return PresignStatus::kExpired;
  return PresignStatus::kOk;
}

PresignStatus Presigner::verify_put(std::string_view file_id,
                                    const std::multimap<std::string, std::string>& params,
                                    std::int64_t now, PartGrant& out) const {
  std::map<std::string, std::string> values;
  auto status =
      verify("PUT", file_id, params,
             {kParamPartNumber, kParamUploadId, kParamContentLength, kParamExpires}, now, values);
  if (status != PresignStatus::kOk) return status;
  auto part = parse_decimal(values.at(kParamPartNumber));
  auto length = parse_decimal(values.at(kParamContentLength));
  if (!part || !length) return PresignStatus::kMalformed;
  out.file_id = std::string(file_id);
  out.upload_id = values.at(kParamUploadId);
  out.part_number = *part;
  out.content_length = *length;
  out.expires = *parse_decimal(values.at(kParamExpires));
  return PresignStatus::kOk;
}

PresignStatus Presigner::verify_get(std::string_view file_id,
                                    const std::multimap<std::string, std::string>& params,
                                    std::int64_t now, GetGrant& out) const {
  std::map<std::string, std::string> values;
  auto status = verify("GET", file_id, params, {kParamExpires}, now, values);
  if (status != PresignStatus::kOk) return status;
  out.file_id = std::string(file_id);
  out.expires = *parse_decimal(values.at(kParamExpires));
  return PresignStatus::kOk;
}

}  // namespace anonfs::server
