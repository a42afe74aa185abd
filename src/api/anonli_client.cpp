// AnonliClient: request building (auth, ids, idempotency) and strict decoding of the anon.li Drop
// and Vault responses (protocol §1.2: some routes are bare JSON, others {data, meta} envelopes).
#include "anonfs/api/anonli_client.hpp"

#include <set>
#include <utility>

#include "anonfs/api/api_error.hpp"
#include "anonfs/api/url.hpp"
#include "anonfs/wire/envelope.hpp"
#include "api_call.hpp"

namespace anonfs::api {

namespace {

constexpr std::size_t kPageSize = 100;  // the server's maximum `limit`
constexpr std::int64_t kMaxChunkCount = 10'000;

// Repeatable requests only: GET, DELETE, the idempotent PATCH finish, read-only POSTs.
constexpr Route kListDrops{Method::kGet, "GET /api/v1/drop", true, true};
constexpr Route kDropMetadata{Method::kGet, "GET /api/v1/drop/:id", false, true};
constexpr Route kConsumeDownload{Method::kPost, "POST /api/v1/drop/:id/download", false, false};
constexpr Route kDeleteDrop{Method::kDelete, "DELETE /api/v1/drop/:id", true, true};
constexpr Route kCreateDrop{Method::kPost, "POST /api/v1/drop", true, false};
constexpr Route kAddFile{Method::kPost, "POST /api/v1/drop/:id/file", true, false};
constexpr Route kUploadPart{Method::kPut, "PUT <presigned part URL>", false, true};
// finish is a no-op on a finished drop and records ETags compare-and-set (§2.5): repeatable.
constexpr Route kFinishDrop{Method::kPatch, "PATCH /api/v1/drop/:id?action=finish", true, true};
// toggle flips a flag: repeating it would undo it.
constexpr Route kToggleDrop{Method::kPatch, "PATCH /api/v1/drop/:id?action=toggle", true, false};
constexpr Route kAbortFile{Method::kDelete, "DELETE /api/v1/drop/:id/file/:fileId", true, true};
constexpr Route kMe{Method::kGet, "GET /api/v1/me", true, true};
// Read-only POSTs: answering twice changes nothing.
constexpr Route kVaultBootstrap{Method::kPost, "POST /api/vault/bootstrap", false, true};
constexpr Route kVaultUnlock{Method::kPost, "POST /api/v1/vault/unlock", true, true};
// A second setup is a 409: not repeatable.
constexpr Route kVaultSetup{Method::kPost, "POST /api/v1/vault/setup", true, false};
constexpr Route kDropKeys{Method::kGet, "GET /api/v1/vault/drop-keys", true, true};
constexpr Route kDropKey{Method::kGet, "GET /api/v1/vault/drop-keys?drop_id=", true, true};
// Store-or-replace of the same key: repeatable.
constexpr Route kPutDropKey{Method::kPost, "POST /api/v1/vault/drop-keys", true, true};

std::string drop_path(std::string_view drop_id) {
  return "/api/v1/drop/" + std::string(drop_id);
}

}  // namespace

AnonliClient::AnonliClient(HttpClient& http, std::string base_url, crypto::SecretBytes api_key)
    : http_(http), base_url_(std::move(base_url)), api_key_(std::move(api_key)) {
  while (!base_url_.empty() && base_url_.back() == '/')
    base_url_.pop_back();
  check_url(base_url_);
  if (base_url_.find('?') != std::string::npos) {
    ErrorInfo info;
    info.kind = ErrorKind::kInvalidRequest;
    info.url = redact_url(base_url_);
    info.detail = "the base URL must not have a query string";
    info.request_not_sent = true;
    throw ApiError(std::move(info));
  }
  if (!is_valid_api_key(api_key_.str())) {
    ErrorInfo info;
    info.kind = ErrorKind::kInvalidRequest;
    info.url = redact_url(base_url_);
    info.detail = "the API key contains spaces or control characters";
    info.request_not_sent = true;
    throw ApiError(std::move(info));
  }
}

// ---- Drops ---------------------------------------------------------------------------------

std::vector<wire::DropListItem> AnonliClient::list_drops(std::size_t max_items,
                                                         std::stop_token cancel) {
  std::vector<wire::DropListItem> items;
  // Ids already collected: a drop created while paging shifts the newest-first list by one and
  // repeats an item at the next page's start.
  std::set<std::string> seen;
  // Bounds the loop even when a hostile server repeats full pages of already seen items.
  const std::size_t max_pages = max_items / kPageSize + 2;
  for (std::size_t page = 0, offset = 0;; ++page, offset += kPageSize) {
    Call call(http_, base_url_, api_key_, kListDrops);
    json document = call.send(
        "/api/v1/drop?limit=" + std::to_string(kPageSize) + "&offset=" + std::to_string(offset),
        nullptr, cancel);
    const wire::Meta meta = call.envelope_meta(document);
    const json data = call.envelope_data(std::move(document));
    if (!data.is_array()) call.fail("envelope data is not an array");
    if (data.size() > kPageSize) call.fail("page longer than the requested limit");
    for (const auto& element : data) {
      auto item = call.convert<wire::DropListItem>(element);
      if (!seen.insert(item.id).second) continue;
      if (items.size() >= max_items) {
        call.fail("more than " + std::to_string(max_items) + " drops listed");
      }
      items.push_back(std::move(item));
    }
    if (data.size() < kPageSize) break;
    if (meta.has_more && !*meta.has_more) break;
    if (page + 1 >= max_pages) call.fail("more than " + std::to_string(max_pages) + " full pages");
  }
  return items;
}

wire::DropMetadata AnonliClient::drop_metadata(std::string_view drop_id, std::stop_token cancel) {
  Call call(http_, base_url_, api_key_, kDropMetadata);
  require_id(kDropMetadata, base_url_, drop_id, "drop id");
  auto metadata = call.convert<wire::DropMetadata>(
      call.bare(call.send(drop_path(drop_id), nullptr, std::move(cancel))));
  if (metadata.id != drop_id) call.fail("metadata of another drop");
  return metadata;
}

wire::DownloadResponse AnonliClient::consume_download(std::string_view drop_id,
                                                      std::stop_token cancel) {
  Call call(http_, base_url_, api_key_, kConsumeDownload);
  require_id(kConsumeDownload, base_url_, drop_id, "drop id");
  auto out = call.convert<wire::DownloadResponse>(
      call.bare(call.send(drop_path(drop_id) + "/download", nullptr, std::move(cancel))));
  if (!out.success) call.fail("server answered success=false");
  return out;
}

void AnonliClient::delete_drop(std::string_view drop_id, std::stop_token cancel) {
  Call call(http_, base_url_, api_key_, kDeleteDrop);
  require_id(kDeleteDrop, base_url_, drop_id, "drop id");
  call.expect_success(call.send(drop_path(drop_id), nullptr, std::move(cancel)));
}

wire::CreateDropResponse AnonliClient::create_drop(const wire::CreateDropRequest& request,
                                                   std::stop_token cancel) {
  Call call(http_, base_url_, api_key_, kCreateDrop);
  const json body = request;
  auto out = call.convert<wire::CreateDropResponse>(
      call.envelope_data(call.send("/api/v1/drop", &body, std::move(cancel))));
  // The id goes into the paths of every later call.
  if (!is_safe_id(out.drop_id)) call.fail("malformed drop_id");
  return out;
}

wire::AddFileResponse AnonliClient::add_file(std::string_view drop_id,
                                             const wire::AddFileRequest& request,
                                             std::stop_token cancel) {
  Call call(http_, base_url_, api_key_, kAddFile);
  require_id(kAddFile, base_url_, drop_id, "drop id");
  if (request.chunkCount < 1 || request.chunkCount > kMaxChunkCount) {
    refuse(kAddFile, base_url_, "chunkCount out of range");
  }
  const json body = request;
  auto out = call.convert<wire::AddFileResponse>(
      call.bare(call.send(drop_path(drop_id) + "/file", &body, std::move(cancel))));
  if (!is_safe_id(out.fileId)) call.fail("malformed fileId");
  if (out.s3UploadId.empty()) call.fail("empty s3UploadId");
  // Exactly one URL per part, keyed "1".."chunkCount" (as the web client checks).
  if (out.uploadUrls.size() != static_cast<std::size_t>(request.chunkCount)) {
    call.fail("uploadUrls has " + std::to_string(out.uploadUrls.size()) + " entries, expected " +
              std::to_string(request.chunkCount));
  }
  for (std::int64_t part = 1; part <= request.chunkCount; ++part) {
    if (!out.uploadUrls.contains(std::to_string(part))) {
      call.fail("uploadUrls lacks part " + std::to_string(part));
    }
  }
  return out;
}

std::string AnonliClient::upload_part(const std::string& presigned_url,
                                      std::span<const std::uint8_t> body, std::stop_token cancel) {
  // No Authorization, no JSON headers: the URL's signature is the credential.
  Request request;
  request.method = Method::kPut;
  request.url = presigned_url;
  request.borrowed_body = body;
  request.idempotent = kUploadPart.idempotent;     // re-uploading a part replaces it
  request.timeout = std::chrono::milliseconds(0);  // parts are large; the low-speed limit applies
  const Response response = http_.send(request, std::move(cancel));
  auto etag = response.header("ETag");
  if (!etag || etag->empty()) {
    protocol_error(kUploadPart, request, response.status, "response has no ETag header");
  }
  return std::move(*etag);
}

void AnonliClient::finish_drop(std::string_view drop_id, const wire::FinishRequest& request,
                               std::stop_token cancel) {
  Call call(http_, base_url_, api_key_, kFinishDrop);
  require_id(kFinishDrop, base_url_, drop_id, "drop id");
  const json body = request;
  call.expect_success(call.send(drop_path(drop_id) + "?action=finish", &body, std::move(cancel)));
}

wire::ToggleResponse AnonliClient::toggle_drop(std::string_view drop_id, std::stop_token cancel) {
  Call call(http_, base_url_, api_key_, kToggleDrop);
  require_id(kToggleDrop, base_url_, drop_id, "drop id");
  const json body = json::object();
  auto out = call.convert<wire::ToggleResponse>(
      call.bare(call.send(drop_path(drop_id) + "?action=toggle", &body, std::move(cancel))));
  if (!out.success) call.fail("server answered success=false");
  return out;
}

void AnonliClient::abort_file(std::string_view drop_id, std::string_view file_id,
                              const wire::AbortFileRequest& request, std::stop_token cancel) {
  Call call(http_, base_url_, api_key_, kAbortFile);
  require_id(kAbortFile, base_url_, drop_id, "drop id");
  require_id(kAbortFile, base_url_, file_id, "file id");
  const json body = request;
  call.expect_success(
      call.send(drop_path(drop_id) + "/file/" + std::string(file_id), &body, std::move(cancel)));
}

// ---- Account and vault ---------------------------------------------------------------------

wire::Me AnonliClient::me(std::stop_token cancel) {
  Call call(http_, base_url_, api_key_, kMe);
  return call.convert<wire::Me>(
      call.envelope_data(call.send("/api/v1/me", nullptr, std::move(cancel))));
}

wire::VaultBootstrapResponse AnonliClient::vault_bootstrap(std::string_view email,
                                                           std::stop_token cancel) {
  Call call(http_, base_url_, api_key_, kVaultBootstrap);
  const json body = wire::VaultBootstrapRequest{std::string(email)};
  return call.convert<wire::VaultBootstrapResponse>(
      call.envelope_data(call.send("/api/vault/bootstrap", &body, std::move(cancel))));
}

wire::VaultUnlockResponse AnonliClient::vault_unlock(std::string_view auth_secret,
                                                     std::stop_token cancel) {
  Call call(http_, base_url_, api_key_, kVaultUnlock);
  json body = {{"auth_secret", std::string(auth_secret)}};
  JsonWiper wiper(body, "auth_secret");
  return call.convert<wire::VaultUnlockResponse>(
      call.envelope_data(call.send("/api/v1/vault/unlock", &body, std::move(cancel))));
}

wire::VaultSetupResponse AnonliClient::vault_setup(const wire::VaultSetupRequest& request,
                                                   std::stop_token cancel) {
  Call call(http_, base_url_, api_key_, kVaultSetup);
  json body = request;
  JsonWiper wiper(body, "auth_secret");
  return call.convert<wire::VaultSetupResponse>(
      call.envelope_data(call.send("/api/v1/vault/setup", &body, std::move(cancel))));
}

std::vector<wire::DropKey> AnonliClient::drop_keys(std::stop_token cancel) {
  Call call(http_, base_url_, api_key_, kDropKeys);
  const json data = call.envelope_data(call.send("/api/v1/vault/drop-keys", nullptr, cancel));
  if (!data.is_array()) call.fail("envelope data is not an array");
  return call.convert<std::vector<wire::DropKey>>(data);
}

std::optional<wire::DropKey> AnonliClient::drop_key(std::string_view drop_id,
                                                    std::stop_token cancel) {
  Call call(http_, base_url_, api_key_, kDropKey);
  require_id(kDropKey, base_url_, drop_id, "drop id");
  json document;
  try {
    document = call.send("/api/v1/vault/drop-keys?drop_id=" + std::string(drop_id), nullptr,
                         std::move(cancel));
  } catch (const ApiError& e) {
    if (e.kind() == ErrorKind::kHttpStatus && e.status() == 404) return std::nullopt;
    throw;
  }
  auto key = call.convert<wire::DropKey>(call.envelope_data(std::move(document)));
  if (key.drop_id != drop_id) call.fail("key of another drop");
  return key;
}

wire::PutDropKeyResponse AnonliClient::put_drop_key(const wire::PutDropKeyRequest& request,
                                                    std::stop_token cancel) {
  Call call(http_, base_url_, api_key_, kPutDropKey);
  const json body = request;
  return call.convert<wire::PutDropKeyResponse>(
      call.envelope_data(call.send("/api/v1/vault/drop-keys", &body, std::move(cancel))));
}

}  // namespace anonfs::api
