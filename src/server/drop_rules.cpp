#include "drop_rules.hpp"

#include <algorithm>
#include <cctype>

#include "ids.hpp"

namespace anonfs::server {

namespace {
bool is_word_or(char c, std::string_view extra) {
  auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) || c == '_' || extra.find(c) != std::string_view::npos;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}
}  // namespace

bool is_allowed_mime_type(std::string_view mime) noexcept {
  auto slash = mime.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 >= mime.size()) return false;
  for (char c : mime.substr(0, slash)) {
    if (!is_word_or(c, "-")) return false;
  }
  for (char c : mime.substr(slash + 1)) {
    if (!is_word_or(c, "-+.")) return false;
  }
  static constexpr std::string_view kBlocked[] = {"text/html", "application/javascript",
                                                  "application/x-javascript", "text/javascript",
                                                  "application/xhtml+xml"};
  auto l = lower(mime);
  return std::none_of(std::begin(kBlocked), std::end(kBlocked),
                      [&](std::string_view b) { return l == b; });
}

wire::CreateDropRequest parse_create_drop(const nlohmann::json& body, Issues& issues) {
  wire::CreateDropRequest r;
  JsonFields f(body, issues);
  if (auto iv = f.string("iv", true, 0, 64)) {
    if (!is_b64u_len(*iv, 16)) {
      f.issue("iv", "Invalid IV");
    } else {
      r.iv = *iv;
    }
  }
  r.encryptedTitle = f.string("encryptedTitle", false, 0, 1024);
  r.encryptedMessage = f.string("encryptedMessage", false, 0, 4096);
  r.expiry = f.integer("expiry", false, 1, 30);
  r.maxDownloads = f.integer("maxDownloads", false, 1, 1000000);
  r.customKey = f.boolean("customKey", false);
  r.salt = f.string("salt", false, 43, 43);
  r.customKeyData = f.string("customKeyData", false, 70, 512);
  r.customKeyIv = f.string("customKeyIv", false, 16, 16);
  r.hideBranding = f.boolean("hideBranding", false);
  r.notifyOnDownload = f.boolean("notifyOnDownload", false);
  // The seed Drop API document lists fileCount as required; the protocol notes say optional.
  // The reference server follows the seed (see docs/server-api.md).
  r.fileCount = f.integer("fileCount", true, 1, 50);
  r.turnstileToken = f.string("turnstileToken", false, 1, 2048);
  if (const auto* ok = f.object("ownerKey", false)) {
    JsonFields k(*ok, issues, "ownerKey");
    wire::OwnerKey key;
    auto wrapped = k.string("wrappedKey", true, 16, 2048);
    if (wrapped && !ids::is_base64url(*wrapped)) k.issue("wrappedKey", "Invalid format");
    auto vault_id = k.string("vaultId", true, 1, 64);
    if (vault_id && !(vault_id->size() >= 9 && (*vault_id)[0] == 'c' &&
                      vault_id->find_first_of(" \t\r\n-") == std::string::npos)) {
      k.issue("vaultId", "Invalid cuid");
    }
    auto generation = k.integer("vaultGeneration", true, 1, INT32_MAX);
    if (wrapped && vault_id && generation) {
      key.wrappedKey = *wrapped;
      key.vaultId = *vault_id;
      key.vaultGeneration = *generation;
      r.ownerKey = key;
    }
  }
  if (r.customKey.value_or(false)) {
    if (!r.salt) f.issue("salt", "Required when customKey is true");
    if (!r.customKeyData) f.issue("customKeyData", "Required when customKey is true");
    if (!r.customKeyIv) f.issue("customKeyIv", "Required when customKey is true");
  }
  return r;
}

AddFileCheck parse_add_file(const nlohmann::json& body, wire::AddFileRequest& out) {
  Issues issues;
  JsonFields f(body, issues);
  f.strict({"size", "encryptedName", "iv", "mimeType", "chunkCount", "chunkSize", "formFieldId"});
  auto size = f.integer("size", true, 1, kMaxCiphertext);
  auto name = f.string("encryptedName", true, 1, 2048);
  auto iv = f.string("iv", true, 16, 16);
  if (iv && !ids::is_base64url(*iv)) f.issue("iv", "Invalid IV");
  auto mime = f.string("mimeType", true, 1, 200);
  if (mime && !is_allowed_mime_type(*mime)) f.issue("mimeType", "Invalid MIME type");
  auto count = f.integer("chunkCount", true, 1, kMaxChunkCount);
  auto chunk = f.integer("chunkSize", true, 1, INT64_MAX / 2);
  out.formFieldId = f.string("formFieldId", false, 1, 64);
  if (!issues.empty()) return AddFileCheck::kInvalid;

  out.size = *size;
  out.encryptedName = *name;
  out.iv = *iv;
  out.mimeType = *mime;
  out.chunkCount = *count;
  out.chunkSize = *chunk;

  using Wide = __int128;
  const Wide part = static_cast<Wide>(*chunk) + 16;
  if (*count > 1) {
    if (*chunk < kMinMultipartChunk) return AddFileCheck::kInvalid;
    Wide min = static_cast<Wide>(*count - 1) * part + 17;
    Wide max = static_cast<Wide>(*count) * part;
    if (static_cast<Wide>(*size) < min || static_cast<Wide>(*size) > max) {
      return AddFileCheck::kInvalid;
    }
  }
  std::int64_t plaintext = *size - 16 * *count;
  if (plaintext <= 0 || plaintext > kMaxPlaintext) return AddFileCheck::kInvalid;

  // Checks the service only hits later, which surface as 500 there (§2.3, §15.9).
  Wide last = static_cast<Wide>(*size) - static_cast<Wide>(*count - 1) * part;
  if (last <= 16 || last > part) return AddFileCheck::kInternal;
  if (part > kMaxPartSize) return AddFileCheck::kInternal;
  if (*chunk > kMaxChunkSizeColumn) return AddFileCheck::kInternal;
  return AddFileCheck::kOk;
}

bool parse_finish(const nlohmann::json& body, wire::FinishRequest& out) {
  Issues issues;
  JsonFields f(body, issues);
  f.strict({"files"});
  const auto* files = f.array("files", true, 1, 50);
  if (!files) return false;
  out.files.clear();
  for (std::size_t i = 0; i < files->size(); ++i) {
    const auto& fj = (*files)[i];
    JsonFields ff(fj, issues, "files." + std::to_string(i));
    ff.strict({"fileId", "chunks"});
    auto id = ff.string("fileId", true, 1, 64);
    const auto* chunks = ff.array("chunks", true, 1, static_cast<std::size_t>(kMaxChunkCount));
    if (!issues.empty() || !id || !chunks) return false;
    wire::FinishFile file;
    file.fileId = *id;
    file.chunks.reserve(chunks->size());
    for (const auto& cj : *chunks) {
      JsonFields cf(cj, issues, "chunk");
      cf.strict({"chunkIndex", "etag"});
      auto index = cf.integer("chunkIndex", true, 0, INT32_MAX);
      auto etag = cf.string("etag", true, 1, 256);
      if (!issues.empty() || !index || !etag) return false;
      file.chunks.push_back({*index, *etag});
    }
    out.files.push_back(std::move(file));
  }
  return issues.empty();
}

}  // namespace anonfs::server
