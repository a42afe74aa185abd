// JSON wire types of the anon.li Drop API (protocol §2). Field names are exactly the wire names.
// Byte counts of BigInt columns are decimal strings on the wire (size, totalSize), chunk geometry
// and counters are numbers (§13.14).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "anonfs/wire/json_util.hpp"

namespace anonfs::wire {

// ---- POST /api/v1/drop ---------------------------------------------------------------------

struct OwnerKey {
  std::string wrappedKey;
  std::string vaultId;
  std::int64_t vaultGeneration = 0;
};

inline void to_json(nlohmann::json& j, const OwnerKey& k) {
  j = {
      {"wrappedKey", k.wrappedKey}, {"vaultId", k.vaultId}, {"vaultGeneration", k.vaultGeneration}};
}
inline void from_json(const nlohmann::json& j, OwnerKey& k) {
  k.wrappedKey = j.at("wrappedKey").get<std::string>();
  k.vaultId = j.at("vaultId").get<std::string>();
  k.vaultGeneration = j.at("vaultGeneration").get<std::int64_t>();
}

struct CreateDropRequest {
  std::string iv;
  std::optional<std::string> encryptedTitle;
  std::optional<std::string> encryptedMessage;
  std::optional<std::int64_t> expiry;        // days
  std::optional<std::int64_t> maxDownloads;  // omitted = unlimited
  std::optional<bool> customKey;
  std::optional<std::string> salt;
  std::optional<std::string> customKeyData;
  std::optional<std::string> customKeyIv;
  std::optional<bool> hideBranding;
  std::optional<bool> notifyOnDownload;
  std::optional<std::int64_t> fileCount;
  std::optional<std::string> turnstileToken;
  std::optional<OwnerKey> ownerKey;
};

inline void to_json(nlohmann::json& j, const CreateDropRequest& r) {
  j = {{"iv", r.iv}};
  if (r.encryptedTitle) j["encryptedTitle"] = *r.encryptedTitle;
  if (r.encryptedMessage) j["encryptedMessage"] = *r.encryptedMessage;
  if (r.expiry) j["expiry"] = *r.expiry;
  if (r.maxDownloads) j["maxDownloads"] = *r.maxDownloads;
  if (r.customKey) j["customKey"] = *r.customKey;
  if (r.salt) j["salt"] = *r.salt;
  if (r.customKeyData) j["customKeyData"] = *r.customKeyData;
  if (r.customKeyIv) j["customKeyIv"] = *r.customKeyIv;
  if (r.hideBranding) j["hideBranding"] = *r.hideBranding;
  if (r.notifyOnDownload) j["notifyOnDownload"] = *r.notifyOnDownload;
  if (r.fileCount) j["fileCount"] = *r.fileCount;
  if (r.turnstileToken) j["turnstileToken"] = *r.turnstileToken;
  if (r.ownerKey) j["ownerKey"] = *r.ownerKey;
}
inline void from_json(const nlohmann::json& j, CreateDropRequest& r) {
  r.iv = j.at("iv").get<std::string>();
  get_optional(j, "encryptedTitle", r.encryptedTitle);
  get_optional(j, "encryptedMessage", r.encryptedMessage);
  get_optional(j, "expiry", r.expiry);
  get_optional(j, "maxDownloads", r.maxDownloads);
  get_optional(j, "customKey", r.customKey);
  get_optional(j, "salt", r.salt);
  get_optional(j, "customKeyData", r.customKeyData);
  get_optional(j, "customKeyIv", r.customKeyIv);
  get_optional(j, "hideBranding", r.hideBranding);
  get_optional(j, "notifyOnDownload", r.notifyOnDownload);
  get_optional(j, "fileCount", r.fileCount);
  get_optional(j, "turnstileToken", r.turnstileToken);
  get_optional(j, "ownerKey", r.ownerKey);
}

struct CreateDropResponse {  // envelope data
  std::string drop_id;
  std::optional<std::string> expires_at;  // ISO 8601
  bool owner_key_stored = false;
  std::optional<std::string> upload_token;  // guests only
};

inline void to_json(nlohmann::json& j, const CreateDropResponse& r) {
  j = {{"drop_id", r.drop_id},
       {"expires_at", nullable(r.expires_at)},
       {"owner_key_stored", r.owner_key_stored},
       {"upload_token", nullable(r.upload_token)}};
}
inline void from_json(const nlohmann::json& j, CreateDropResponse& r) {
  r.drop_id = j.at("drop_id").get<std::string>();
  get_optional(j, "expires_at", r.expires_at);
  get_or_default(j, "owner_key_stored", r.owner_key_stored);
  get_optional(j, "upload_token", r.upload_token);
}

// ---- POST /api/v1/drop/:id/file --------------------------------------------------------------

struct AddFileRequest {
  std::int64_t size = 0;  // ciphertext bytes
  std::string encryptedName;
  std::string iv;
  std::string mimeType;
  std::int64_t chunkCount = 0;
  std::int64_t chunkSize = 0;  // plaintext bytes per full chunk
  std::optional<std::string> formFieldId;
};

inline void to_json(nlohmann::json& j, const AddFileRequest& r) {
  j = {{"size", r.size},         {"encryptedName", r.encryptedName}, {"iv", r.iv},
       {"mimeType", r.mimeType}, {"chunkCount", r.chunkCount},       {"chunkSize", r.chunkSize}};
  if (r.formFieldId) j["formFieldId"] = *r.formFieldId;
}
inline void from_json(const nlohmann::json& j, AddFileRequest& r) {
  r.size = j.at("size").get<std::int64_t>();
  r.encryptedName = j.at("encryptedName").get<std::string>();
  r.iv = j.at("iv").get<std::string>();
  r.mimeType = j.at("mimeType").get<std::string>();
  r.chunkCount = j.at("chunkCount").get<std::int64_t>();
  r.chunkSize = j.at("chunkSize").get<std::int64_t>();
  get_optional(j, "formFieldId", r.formFieldId);
}

struct AddFileResponse {  // bare
  std::string fileId;
  std::string s3UploadId;
  std::map<std::string, std::string> uploadUrls;  // "1".."N" -> presigned PUT URL
};

inline void to_json(nlohmann::json& j, const AddFileResponse& r) {
  j = {{"fileId", r.fileId}, {"s3UploadId", r.s3UploadId}, {"uploadUrls", r.uploadUrls}};
}
inline void from_json(const nlohmann::json& j, AddFileResponse& r) {
  r.fileId = j.at("fileId").get<std::string>();
  r.s3UploadId = j.at("s3UploadId").get<std::string>();
  r.uploadUrls = j.at("uploadUrls").get<std::map<std::string, std::string>>();
}

// ---- PATCH /api/v1/drop/:id?action=finish -----------------------------------------------------

struct FinishChunk {
  std::int64_t chunkIndex = 0;
  std::string etag;  // verbatim ETag header of the part PUT
};

inline void to_json(nlohmann::json& j, const FinishChunk& c) {
  j = {{"chunkIndex", c.chunkIndex}, {"etag", c.etag}};
}
inline void from_json(const nlohmann::json& j, FinishChunk& c) {
  c.chunkIndex = j.at("chunkIndex").get<std::int64_t>();
  c.etag = j.at("etag").get<std::string>();
}

struct FinishFile {
  std::string fileId;
  std::vector<FinishChunk> chunks;
};

inline void to_json(nlohmann::json& j, const FinishFile& f) {
  j = {{"fileId", f.fileId}, {"chunks", f.chunks}};
}
inline void from_json(const nlohmann::json& j, FinishFile& f) {
  f.fileId = j.at("fileId").get<std::string>();
  f.chunks = j.at("chunks").get<std::vector<FinishChunk>>();
}

struct FinishRequest {
  std::vector<FinishFile> files;
};

inline void to_json(nlohmann::json& j, const FinishRequest& r) {
  j = {{"files", r.files}};
}
inline void from_json(const nlohmann::json& j, FinishRequest& r) {
  r.files = j.at("files").get<std::vector<FinishFile>>();
}

// {"success": true, "disabled": <bool>} — action=toggle
struct ToggleResponse {
  bool success = true;
  bool disabled = false;
};

inline void to_json(nlohmann::json& j, const ToggleResponse& r) {
  j = {{"success", r.success}, {"disabled", r.disabled}};
}
inline void from_json(const nlohmann::json& j, ToggleResponse& r) {
  get_or_default(j, "success", r.success);
  r.disabled = j.at("disabled").get<bool>();
}

// ---- DELETE /api/v1/drop/:id/file/:fileId ------------------------------------------------------

struct AbortFileRequest {
  std::string s3UploadId;
};

inline void to_json(nlohmann::json& j, const AbortFileRequest& r) {
  j = {{"s3UploadId", r.s3UploadId}};
}
inline void from_json(const nlohmann::json& j, AbortFileRequest& r) {
  r.s3UploadId = j.at("s3UploadId").get<std::string>();
}

// ---- GET /api/v1/drop (list, envelope) ---------------------------------------------------------

struct DropListFile {
  std::string id;
  std::string encryptedName;
  std::string size;  // ciphertext bytes, decimal string
  std::string mimeType;
  std::string iv;
};

inline void to_json(nlohmann::json& j, const DropListFile& f) {
  j = {{"id", f.id},
       {"encryptedName", f.encryptedName},
       {"size", f.size},
       {"mimeType", f.mimeType},
       {"iv", f.iv}};
}
inline void from_json(const nlohmann::json& j, DropListFile& f) {
  f.id = j.at("id").get<std::string>();
  get_or_default(j, "encryptedName", f.encryptedName);
  get_or_default(j, "size", f.size);
  get_or_default(j, "mimeType", f.mimeType);
  get_or_default(j, "iv", f.iv);
}

struct DropListItem {
  std::string id;
  std::optional<std::string> encryptedTitle;
  std::string iv;
  std::int64_t downloads = 0;
  std::optional<std::int64_t> maxDownloads;
  std::optional<std::string> expiresAt;
  bool customKey = false;
  bool hideBranding = false;
  bool disabled = false;
  bool takenDown = false;
  std::optional<std::string> takedownReason;
  bool uploadComplete = false;
  std::string createdAt;
  std::vector<DropListFile> files;
  std::int64_t fileCount = 0;
  std::string totalSize;  // ciphertext bytes, decimal string
};

inline void to_json(nlohmann::json& j, const DropListItem& d) {
  j = {{"id", d.id},
       {"encryptedTitle", nullable(d.encryptedTitle)},
       {"iv", d.iv},
       {"downloads", d.downloads},
       {"maxDownloads", nullable(d.maxDownloads)},
       {"expiresAt", nullable(d.expiresAt)},
       {"customKey", d.customKey},
       {"hideBranding", d.hideBranding},
       {"disabled", d.disabled},
       {"takenDown", d.takenDown},
       {"takedownReason", nullable(d.takedownReason)},
       {"uploadComplete", d.uploadComplete},
       {"createdAt", d.createdAt},
       {"files", d.files},
       {"fileCount", d.fileCount},
       {"totalSize", d.totalSize},
       {"expires_at", nullable(d.expiresAt)},
       {"created_at", d.createdAt}};
}
inline void from_json(const nlohmann::json& j, DropListItem& d) {
  d.id = j.at("id").get<std::string>();
  get_optional(j, "encryptedTitle", d.encryptedTitle);
  get_or_default(j, "iv", d.iv);
  get_or_default(j, "downloads", d.downloads);
  get_optional(j, "maxDownloads", d.maxDownloads);
  get_optional(j, "expiresAt", d.expiresAt);
  if (!d.expiresAt) get_optional(j, "expires_at", d.expiresAt);
  get_or_default(j, "customKey", d.customKey);
  get_or_default(j, "hideBranding", d.hideBranding);
  get_or_default(j, "disabled", d.disabled);
  get_or_default(j, "takenDown", d.takenDown);
  get_optional(j, "takedownReason", d.takedownReason);
  get_or_default(j, "uploadComplete", d.uploadComplete);
  get_or_default(j, "createdAt", d.createdAt);
  if (d.createdAt.empty()) get_or_default(j, "created_at", d.createdAt);
  get_or_default(j, "files", d.files);
  get_or_default(j, "fileCount", d.fileCount);
  get_or_default(j, "totalSize", d.totalSize);
}

// ---- GET /api/v1/drop/:id (bare) ---------------------------------------------------------------

struct DropMetadataFile {
  std::string id;
  std::string encryptedName;
  std::string size;  // ciphertext bytes, decimal string
  std::string mimeType;
  std::string iv;
  std::optional<std::int64_t> chunkSize;   // null only for legacy rows
  std::optional<std::int64_t> chunkCount;  // null only for legacy rows
};

inline void to_json(nlohmann::json& j, const DropMetadataFile& f) {
  j = {{"id", f.id},
       {"encryptedName", f.encryptedName},
       {"size", f.size},
       {"mimeType", f.mimeType},
       {"iv", f.iv},
       {"chunkSize", nullable(f.chunkSize)},
       {"chunkCount", nullable(f.chunkCount)}};
}
inline void from_json(const nlohmann::json& j, DropMetadataFile& f) {
  f.id = j.at("id").get<std::string>();
  f.encryptedName = j.at("encryptedName").get<std::string>();
  f.size = j.at("size").get<std::string>();
  get_or_default(j, "mimeType", f.mimeType);
  f.iv = j.at("iv").get<std::string>();
  get_optional(j, "chunkSize", f.chunkSize);
  get_optional(j, "chunkCount", f.chunkCount);
}

struct DropMetadata {
  std::string id;
  std::optional<std::string> encryptedTitle;
  std::optional<std::string> encryptedMessage;
  std::string iv;
  bool customKey = false;
  std::optional<std::string> salt;
  std::optional<std::string> customKeyData;
  std::optional<std::string> customKeyIv;
  std::int64_t downloads = 0;
  std::optional<std::int64_t> maxDownloads;
  std::optional<std::string> expiresAt;
  bool hideBranding = false;
  std::string createdAt;
  std::vector<DropMetadataFile> files;
};

inline void to_json(nlohmann::json& j, const DropMetadata& d) {
  j = {{"id", d.id},
       {"encryptedTitle", nullable(d.encryptedTitle)},
       {"encryptedMessage", nullable(d.encryptedMessage)},
       {"iv", d.iv},
       {"customKey", d.customKey},
       {"salt", nullable(d.salt)},
       {"customKeyData", nullable(d.customKeyData)},
       {"customKeyIv", nullable(d.customKeyIv)},
       {"downloads", d.downloads},
       {"maxDownloads", nullable(d.maxDownloads)},
       {"expiresAt", nullable(d.expiresAt)},
       {"hideBranding", d.hideBranding},
       {"createdAt", d.createdAt},
       {"files", d.files}};
}
inline void from_json(const nlohmann::json& j, DropMetadata& d) {
  d.id = j.at("id").get<std::string>();
  get_optional(j, "encryptedTitle", d.encryptedTitle);
  get_optional(j, "encryptedMessage", d.encryptedMessage);
  d.iv = j.at("iv").get<std::string>();
  get_or_default(j, "customKey", d.customKey);
  get_optional(j, "salt", d.salt);
  get_optional(j, "customKeyData", d.customKeyData);
  get_optional(j, "customKeyIv", d.customKeyIv);
  get_or_default(j, "downloads", d.downloads);
  get_optional(j, "maxDownloads", d.maxDownloads);
  get_optional(j, "expiresAt", d.expiresAt);
  get_or_default(j, "hideBranding", d.hideBranding);
  get_or_default(j, "createdAt", d.createdAt);
  get_or_default(j, "files", d.files);
}

// ---- POST /api/v1/drop/:id/download (bare)
// -------------------------------------------------------

struct DownloadResponse {
  bool success = true;
  std::map<std::string, std::string> downloadUrls;  // fileId -> presigned GET URL
};

inline void to_json(nlohmann::json& j, const DownloadResponse& r) {
  j = {{"success", r.success}, {"downloadUrls", r.downloadUrls}};
}
inline void from_json(const nlohmann::json& j, DownloadResponse& r) {
  get_or_default(j, "success", r.success);
  r.downloadUrls = j.at("downloadUrls").get<std::map<std::string, std::string>>();
}

// ---- GET /api/v1/drop/:id/file/:fileId with Accept: application/json (bare)
// ----------------------

struct FileUrlResponse {
  std::string url;
};

inline void to_json(nlohmann::json& j, const FileUrlResponse& r) {
  j = {{"url", r.url}};
}
inline void from_json(const nlohmann::json& j, FileUrlResponse& r) {
  r.url = j.at("url").get<std::string>();
}

}  // namespace anonfs::wire
