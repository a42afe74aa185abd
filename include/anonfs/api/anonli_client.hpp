// AnonliClient: the typed client of the anon.li Drop and Vault APIs (protocol §1, §2, §8) over
// HttpClient. One instance per server; thread-safe (it only holds immutable configuration and a
// reference to the thread-safe HttpClient). Every call throws ApiError on failure; responses
// that do not match the wire types are ErrorKind::kProtocol. Knows nothing about FUSE.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "anonfs/api/http_client.hpp"
#include "anonfs/crypto/bytes.hpp"
#include "anonfs/wire/drop.hpp"
#include "anonfs/wire/me.hpp"
#include "anonfs/wire/vault.hpp"

namespace anonfs::api {

class AnonliClient {
 public:
  // base_url: "https://anon.li" or "http://127.0.0.1:PORT" (no trailing slash needed, no
  // fragment). api_key: "ak_..." (kept in wiped memory; may be empty for public routes only).
  AnonliClient(HttpClient& http, std::string base_url, crypto::SecretBytes api_key);

  const std::string& base_url() const noexcept { return base_url_; }

  // ---- Drops (§2) ----
  // GET /api/v1/drop, every page (limit 100, offset += 100) until a short page; bounded by
  // max_items (kProtocol beyond it) so a hostile server cannot make it loop forever.
  std::vector<wire::DropListItem> list_drops(std::size_t max_items = 100000,
                                             std::stop_token cancel = {});
  // GET /api/v1/drop/:id (public, no count).
  wire::DropMetadata drop_metadata(std::string_view drop_id, std::stop_token cancel = {});
  // POST /api/v1/drop/:id/download: consumes one download, URLs of all files.
  wire::DownloadResponse consume_download(std::string_view drop_id, std::stop_token cancel = {});
  // DELETE /api/v1/drop/:id (owner).
  void delete_drop(std::string_view drop_id, std::stop_token cancel = {});
  // POST /api/v1/drop.
  wire::CreateDropResponse create_drop(const wire::CreateDropRequest& request,
                                       std::stop_token cancel = {});
  // POST /api/v1/drop/:id/file.
  wire::AddFileResponse add_file(std::string_view drop_id, const wire::AddFileRequest& request,
                                 std::stop_token cancel = {});
  // PUT of one part to a presigned URL; returns the ETag header verbatim (with quotes).
  std::string upload_part(const std::string& presigned_url, std::span<const std::uint8_t> body,
                          std::stop_token cancel = {});
  // PATCH /api/v1/drop/:id?action=finish.
  void finish_drop(std::string_view drop_id, const wire::FinishRequest& request,
                   std::stop_token cancel = {});
  // PATCH /api/v1/drop/:id?action=toggle.
  wire::ToggleResponse toggle_drop(std::string_view drop_id, std::stop_token cancel = {});
  // DELETE /api/v1/drop/:id/file/:fileId (abort an unfinished file).
  void abort_file(std::string_view drop_id, std::string_view file_id,
                  const wire::AbortFileRequest& request, std::stop_token cancel = {});

  // ---- Account and vault (§1.7, §8.1, server extension) ----
  wire::Me me(std::stop_token cancel = {});
  wire::VaultBootstrapResponse vault_bootstrap(std::string_view email, std::stop_token cancel = {});
  wire::VaultUnlockResponse vault_unlock(std::string_view auth_secret, std::stop_token cancel = {});
  wire::VaultSetupResponse vault_setup(const wire::VaultSetupRequest& request,
                                       std::stop_token cancel = {});
  std::vector<wire::DropKey> drop_keys(std::stop_token cancel = {});
  // nullopt on 404 "Drop key not found".
  std::optional<wire::DropKey> drop_key(std::string_view drop_id, std::stop_token cancel = {});
  wire::PutDropKeyResponse put_drop_key(const wire::PutDropKeyRequest& request,
                                        std::stop_token cancel = {});

 private:
  HttpClient& http_;
  std::string base_url_;
  crypto::SecretBytes api_key_;
};

}  // namespace anonfs::api
