// SecretsSubtree: the mount's secrets/ folder (issue 7), a vfs::Subtree.
//
//   secrets/
//   ├── enigmacrypt/                 (when EnigmaCrypt is configured)
//   │   ├── outbox/                  a UTF-8 text file copied in becomes a one-time secret when it
//   │   │                            is closed; it then leaves outbox. Binary, empty or oversized
//   │   │                            input (and a refused create) leaves NAME.error instead.
//   │   └── sent/NAME.link           "# …two different channels", the URL, the password
//   └── passwordlink/                (when password.link is configured)
//       ├── outbox/, sent/NAME.link  the URL with the public half in its #fragment
//       ├── list/<id>.json           metadata of your secrets (list route: views, expiry,
//       │                            viewers), never their content; rm deletes the secret
//       └── requests/<id>.json       your secret requests; rm deletes the request
//
// Listing and stat never fetch a secret (a fetch is a view): list/ and requests/ come from the
// list routes (cached for list_ttl), everything else is local. Outbox plaintext and the .link
// texts (which carry the key half or password) live only in wiped memory, never on disk or in logs,
// and only for the life of the mount. One mutex guards the node and handle tables; it is never
// held across network I/O or cryptography.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "anonfs/api/enigmacrypt_client.hpp"
#include "anonfs/api/passwordlink_client.hpp"
#include "anonfs/crypto/bytes.hpp"
#include "anonfs/vfs/secret_sharing.hpp"
#include "anonfs/vfs/subtree.hpp"

namespace anonfs::vfs {

struct SecretsSubtreeOptions {
  std::shared_ptr<api::EnigmaCryptClient> enigmacrypt;    // null: no enigmacrypt/ folder
  std::shared_ptr<api::PasswordLinkClient> passwordlink;  // null: no passwordlink/ folder
  SecretOptions defaults;  // views and expiry of outbox secrets (-o secret_expiry=H)
  std::chrono::milliseconds list_ttl{5000};
  bool read_only = false;
};

class SecretsSubtree : public Subtree {
 public:
  explicit SecretsSubtree(SecretsSubtreeOptions options);
  ~SecretsSubtree() override;

  NodeInfo getattr(NodeId id) override;
  NodeInfo lookup(NodeId parent, std::string_view name) override;
  std::vector<SubtreeEntry> readdir(NodeId dir) override;
  OpenedFile open(NodeId id, OpenMode mode) override;
  std::size_t read(std::uint64_t handle, std::uint64_t offset,
                   std::span<std::uint8_t> out) override;
  void release(std::uint64_t handle) override;
  std::size_t write(std::uint64_t handle, std::uint64_t offset,
                    std::span<const std::uint8_t> data) override;
  std::pair<NodeInfo, OpenedFile> create(NodeId parent, std::string_view name, std::uint32_t mode,
                                         OpenMode open_mode) override;
  void unlink(NodeId parent, std::string_view name) override;
  void rename(NodeId parent, std::string_view name, NodeId new_parent, std::string_view new_name,
              bool no_replace) override;
  NodeInfo setattr(NodeId id, const SetAttr& changes) override;

 private:
  struct Node;
  struct Handle;

  Node& node_locked(NodeId id);
  NodeInfo info_locked(const Node& node) const;
  NodeId add_file_locked(NodeId parent, std::string name, crypto::SecretBytes content);
  std::optional<NodeId> child_locked(NodeId parent, std::string_view name) const;
  void remove_locked(NodeId id);
  std::string unique_name_locked(NodeId parent, const std::string& name) const;
  void refresh_listing(NodeId dir, bool force);
  void send(NodeId id);
  bool is_dir(NodeId id) const noexcept;

  SecretsSubtreeOptions options_;
  std::mutex mutex_;  // guards everything below
  std::map<NodeId, std::unique_ptr<Node>> nodes_;
  std::map<std::uint64_t, Handle> handles_;
  std::map<NodeId, std::chrono::steady_clock::time_point> listed_at_;
  NodeId next_id_ = 100;
  std::uint64_t next_handle_ = 1;
  std::mutex refresh_mutex_;  // serialises list refreshes (network) without blocking the tree
};

}  // namespace anonfs::vfs
