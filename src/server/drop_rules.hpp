// Validation rules of the Drop API bodies (protocol §2.2, §2.3, §2.5, §3), independent of HTTP.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "anonfs/wire/drop.hpp"
#include "validation.hpp"

namespace anonfs::server {

inline constexpr std::int64_t kMinMultipartChunk = 5 * 1024 * 1024;        // 5 MiB
inline constexpr std::int64_t kMaxPlaintext = 250LL * 1024 * 1024 * 1024;  // 250 GiB
inline constexpr std::int64_t kMaxChunkCount = 10000;
inline constexpr std::int64_t kMaxCiphertext = kMaxPlaintext + kMaxChunkCount * 16;
inline constexpr std::int64_t kMaxPartSize = 5LL * 1024 * 1024 * 1024;  // S3 part max
inline constexpr std::int64_t kMaxChunkSizeColumn = 2147483647;         // Postgres INTEGER
inline constexpr std::int64_t kMaxFilesPerDrop = 50;
inline constexpr std::int64_t kMaxPendingFilesPerDrop = 50;
inline constexpr std::int64_t kMaxIncompleteDrops = 10;

// Create-drop body (keys stripped). Issues are recorded for every violation.
wire::CreateDropRequest parse_create_drop(const nlohmann::json& body, Issues& issues);

enum class AddFileCheck {
  kOk,
  kInvalid,   // 400 {"error":"Invalid request body"}
  kInternal,  // the service answers 500 (shape errors found after validation, §2.3)
};
// Add-file body (strict) and the §2.3 size arithmetic.
AddFileCheck parse_add_file(const nlohmann::json& body, wire::AddFileRequest& out);

// Finish body (strict at every level). False if the shape is invalid.
bool parse_finish(const nlohmann::json& body, wire::FinishRequest& out);

bool is_allowed_mime_type(std::string_view mime) noexcept;

}  // namespace anonfs::server
