// FormsTree: the forms/ folder of the mount (a Subtree; see docs/design.md, "Forms in the mount").
//
//   forms/<title> [<id>]/schema.json                      the form's schema, pretty-printed
//   forms/<title> [<id>]/form.json                        id, public URL, state, counts, caps
//   forms/<title> [<id>]/submissions/<created>_<sid>.json decrypted answers + metadata
//   forms/<title> [<id>]/submissions/<created>_<sid>/<field>/<name>   attachments
//
// Submissions are listed with their ciphertext (GET /api/v1/form/:id/submission?include=payload,
// 100 per request) and opened locally, so every size is exact at lookup and listing never marks a
// submission read (neither does reading). A submission that cannot be opened, or whose payload
// violates §10.3, is shown as a JSON document with "error". The listing is reused for
// `submissions_ttl`, so new submissions appear within that time; a submission is decrypted again
// only when its read time changes. Attachments are drops (§11): their metadata is fetched on first
// lookup of the submission's folder and their content is read through the mount's ChunkCache (one
// counted download per attachment drop and URL lifetime, as for drops). `rm` of a submission file
// deletes the submission and its attachments on the server (EROFS on a read-only mount).
//
// Form private keys: GET /api/v1/vault/form-keys unwrapped with the vault key; failing that the
// local lookup (the CLI's key store of forms it created). Without either, submissions show as
// error documents saying so.
//
// Thread-safety: every member may be called concurrently. `tree_mutex` guards the node table,
// the per-form state and the handle table; it is never held during network I/O or cryptography.
// Refreshes of the form list are serialised by one mutex, refreshes of one form's submissions and
// of one attachment drop by their own, so concurrent lookups share one request.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "anonfs/api/anonli_client.hpp"
#include "anonfs/api/forms_client.hpp"
#include "anonfs/crypto/vault.hpp"
#include "anonfs/vfs/subtree.hpp"

namespace anonfs::vfs {

// What a local key store holds for one form this client created.
struct StoredFormKey {
  std::string wrapped;              // §10.4 wrappedPrivateKey (vault-wrapped PKCS#8)
  nlohmann::json schema = nullptr;  // the schema it was created with (may be null)
};
using LocalFormKeys = std::function<std::optional<StoredFormKey>(std::string_view form_id)>;

struct FormsTreeOptions {
  std::chrono::milliseconds list_ttl{30'000};         // how long the form list is reused
  std::chrono::milliseconds submissions_ttl{10'000};  // how long a submission list is reused
};

struct FormsTreeStats {
  std::uint64_t form_list_requests = 0;        // GET /api/v1/form (pages)
  std::uint64_t submission_list_requests = 0;  // submission list walks (each 1+ pages)
  std::uint64_t schema_requests = 0;           // GET /api/v1/form/:id
  std::uint64_t key_requests = 0;              // GET /api/v1/vault/form-keys?formId=
  std::uint64_t decryptions = 0;               // submissions opened
  std::uint64_t attachment_metadata_requests = 0;
};

class FormsTree final : public Subtree {
 public:
  // `forms`, `drops` and the context's services must outlive the tree. vault_key: unwraps the
  // form keys (none: every submission is an error document saying so).
  FormsTree(api::FormsClient& forms, api::AnonliClient& drops, MountContext context,
            std::optional<crypto::VaultKey> vault_key, LocalFormKeys local_keys = {},
            FormsTreeOptions options = {});
  ~FormsTree() override;
  FormsTree(const FormsTree&) = delete;
  FormsTree& operator=(const FormsTree&) = delete;

  NodeInfo getattr(NodeId id) override;
  NodeInfo lookup(NodeId parent, std::string_view name) override;
  std::vector<SubtreeEntry> readdir(NodeId dir) override;
  OpenedFile open(NodeId id, OpenMode mode) override;
  std::size_t read(std::uint64_t handle, std::uint64_t offset,
                   std::span<std::uint8_t> out) override;
  void release(std::uint64_t handle) override;
  void unlink(NodeId parent, std::string_view name) override;
  std::optional<std::string> getxattr(NodeId id, std::string_view name) override;
  std::vector<std::string> listxattr(NodeId id) override;

  FormsTreeStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace anonfs::vfs
