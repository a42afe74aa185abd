// Presigned object URLs served by this server (the stand-in for R2's SigV4 URLs, protocol §2.4,
// §2.7, §2.9). A URL is  <base>/objects/<fileId>?<params>&X-Anon-Signature=<hex>  where the
// signature is HMAC-SHA256 under a server-secret subkey over the method, the object path and every
// other query parameter (sorted). Part PUT URLs bind uploadId, partNumber and the exact
// Content-Length; all URLs carry an absolute expiry (Unix seconds).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "anonfs/crypto/bytes.hpp"

namespace anonfs::server {

inline constexpr std::string_view kObjectsPrefix = "/objects/";
inline constexpr const char* kParamExpires = "X-Anon-Expires";
inline constexpr const char* kParamContentLength = "X-Anon-Content-Length";
inline constexpr const char* kParamSignature = "X-Anon-Signature";
inline constexpr const char* kParamPartNumber = "partNumber";
inline constexpr const char* kParamUploadId = "uploadId";

struct PartGrant {
  std::string file_id;
  std::string upload_id;
  std::int64_t part_number = 0;
  std::int64_t content_length = 0;
  std::int64_t expires = 0;  // Unix seconds
};

struct GetGrant {
  std::string file_id;
  std::int64_t expires = 0;  // Unix seconds
};

enum class PresignStatus { kOk, kMalformed, kBadSignature, kExpired };

class Presigner {
 public:
  Presigner(crypto::SecretBytes key, std::string base_url);

  const std::string& base_url() const noexcept { return base_url_; }
  std::string part_put_url(const PartGrant& grant) const;
  std::string object_get_url(const GetGrant& grant) const;

  // `params` are the decoded query parameters (each at most once). `now` in Unix seconds.
  PresignStatus verify_put(std::string_view file_id,
                           const std::multimap<std::string, std::string>& params, std::int64_t now,
                           PartGrant& out) const;
  PresignStatus verify_get(std::string_view file_id,
                           const std::multimap<std::string, std::string>& params, std::int64_t now,
                           GetGrant& out) const;

  // Signature over method, path and the (sorted) parameters other than the signature itself.
  std::string sign(std::string_view method, std::string_view file_id,
                   const std::map<std::string, std::string>& params) const;

 private:
  PresignStatus verify(std::string_view method, std::string_view file_id,
                       const std::multimap<std::string, std::string>& params,
                       std::initializer_list<const char*> required, std::int64_t now,
                       std::map<std::string, std::string>& values) const;

  crypto::SecretBytes key_;
  std::string base_url_;
};

// Parses a non-negative decimal integer without sign, spaces or leading '+'; nullopt on overflow.
std::optional<std::int64_t> parse_decimal(std::string_view text) noexcept;

}  // namespace anonfs::server
