// SecretsSubtree: secrets/<service>/{outbox,sent,list,requests} (see the header).
#include "anonfs/vfs/secrets_subtree.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>
#include <set>

#include "anonfs/api/api_error.hpp"
#include "anonfs/crypto/error.hpp"
#include "anonfs/vfs/api_errors.hpp"

namespace anonfs::vfs {

namespace {

// Fixed directories.
constexpr NodeId kEnigma = 2;
constexpr NodeId kPl = 3;
constexpr NodeId kEnigmaOutbox = 4;
constexpr NodeId kEnigmaSent = 5;
constexpr NodeId kPlOutbox = 6;
constexpr NodeId kPlSent = 7;
constexpr NodeId kPlList = 8;
constexpr NodeId kPlRequests = 9;
constexpr std::size_t kMaxName = 255;

bool is_outbox(NodeId id) noexcept {
  return id == kEnigmaOutbox || id == kPlOutbox;
}
bool is_sent(NodeId id) noexcept {
  return id == kEnigmaSent || id == kPlSent;
}
SecretService service_of(NodeId outbox) noexcept {
  return outbox == kEnigmaOutbox ? SecretService::kEnigmaCrypt : SecretService::kPasswordLink;
}
NodeId sent_of(NodeId outbox) noexcept {
  return outbox == kEnigmaOutbox ? kEnigmaSent : kPlSent;
}
// Names an editor or rsync writes first and renames later: not sent until renamed.
bool is_temporary_name(std::string_view name) noexcept {
  return name.starts_with(".") || name.ends_with("~") || name.ends_with(".swp") ||
         name.ends_with(".tmp") || name.ends_with(".part");
}
void check_name(std::string_view name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string_view::npos ||
      name.find('\0') != std::string_view::npos) {
    throw VfsError(VfsErrc::kInvalidArgument, "invalid name");
  }
  if (name.size() > kMaxName) throw VfsError(VfsErrc::kNameTooLong, "name too long");
}

crypto::SecretBytes text_bytes(const std::string& text) {
  return crypto::SecretBytes::from_string(text);
}

}  // namespace

enum class FileRole { kDir, kOutbox, kLink, kError, kListJson, kRequestJson };

struct SecretsSubtree::Node {
  NodeId id = 0;
  NodeId parent = 0;
  std::string name;
  FileRole role = FileRole::kDir;
  std::map<std::string, NodeId, std::less<>> children;  // directories
  crypto::SecretBytes content;  // outbox: capacity-managed buffer; others: exact content
  std::uint64_t size = 0;       // logical size (outbox may exceed what is kept: oversized)
  bool oversized = false;
  std::time_t mtime = 0;
  std::string remote_id;  // list/requests: the secret or request id
  int writers = 0;        // open handles with write access
  bool wrote = false;     // written since the last send attempt
  bool sending = false;
};

struct SecretsSubtree::Handle {
  NodeId node = 0;
  bool write = false;
};

SecretsSubtree::SecretsSubtree(SecretsSubtreeOptions options)
    : Subtree(options.read_only), options_(std::move(options)) {
  const std::time_t now = std::time(nullptr);
  auto dir = [&](NodeId id, NodeId parent, const char* name) {
    auto n = std::make_unique<Node>();
    n->id = id;
    n->parent = parent;
    n->name = name;
    n->mtime = now;
    if (parent != 0) nodes_.at(parent)->children[name] = id;
    nodes_[id] = std::move(n);
  };
  dir(kSubtreeRoot, 0, "secrets");
  if (options_.enigmacrypt) {
    dir(kEnigma, kSubtreeRoot, "enigmacrypt");
    dir(kEnigmaOutbox, kEnigma, "outbox");
    dir(kEnigmaSent, kEnigma, "sent");
  }
  if (options_.passwordlink) {
    dir(kPl, kSubtreeRoot, "passwordlink");
    dir(kPlOutbox, kPl, "outbox");
    dir(kPlSent, kPl, "sent");
    dir(kPlList, kPl, "list");
    dir(kPlRequests, kPl, "requests");
  }
}

SecretsSubtree::~SecretsSubtree() = default;

bool SecretsSubtree::is_dir(NodeId id) const noexcept {
  return id >= kSubtreeRoot && id <= kPlRequests;
}

SecretsSubtree::Node& SecretsSubtree::node_locked(NodeId id) {
  auto it = nodes_.find(id);
  if (it == nodes_.end()) throw VfsError(VfsErrc::kNotFound, "no such secret entry");
  return *it->second;
}

NodeInfo SecretsSubtree::info_locked(const Node& n) const {
  NodeInfo info;
  info.id = n.id;
  info.mtime = n.mtime;
  if (n.role == FileRole::kDir) {
    info.kind = NodeKind::kDirectory;
    info.mode = 0700;
    info.ttl = std::chrono::duration<double>(1.0);
    return info;
  }
  info.kind = NodeKind::kFile;
  info.size = n.size;
  info.mode = n.role == FileRole::kOutbox ? 0600 : 0400;
  // Outbox files grow while written; listings change with views.
  info.ttl = std::chrono::duration<double>(
      n.role == FileRole::kOutbox || n.role == FileRole::kListJson ? 0.0 : 1.0);
  return info;
}

std::optional<NodeId> SecretsSubtree::child_locked(NodeId parent, std::string_view name) const {
  auto it = nodes_.find(parent);
  if (it == nodes_.end()) return std::nullopt;
  auto c = it->second->children.find(name);
  if (c == it->second->children.end()) return std::nullopt;
  return c->second;
}

NodeId SecretsSubtree::add_file_locked(NodeId parent, std::string name,
                                       crypto::SecretBytes content) {
  auto n = std::make_unique<Node>();
  n->id = next_id_++;
  n->parent = parent;
  n->name = name;
  n->size = content.size();
  n->content = std::move(content);
  n->mtime = std::time(nullptr);
  n->role = is_sent(parent)         ? FileRole::kLink
            : parent == kPlList     ? FileRole::kListJson
            : parent == kPlRequests ? FileRole::kRequestJson
                                    : FileRole::kError;
  const NodeId id = n->id;
  nodes_.at(parent)->children[std::move(name)] = id;
  nodes_[id] = std::move(n);
  return id;
}

void SecretsSubtree::remove_locked(NodeId id) {
  auto it = nodes_.find(id);
  if (it == nodes_.end()) return;
  auto p = nodes_.find(it->second->parent);
  if (p != nodes_.end()) {
    auto c = p->second->children.find(it->second->name);
    if (c != p->second->children.end() && c->second == id) p->second->children.erase(c);
  }
  nodes_.erase(it);  // SecretBytes wipes the content
}

std::string SecretsSubtree::unique_name_locked(NodeId parent, const std::string& name) const {
  if (!child_locked(parent, name)) return name;
  const auto dot = name.rfind(".link");
  const std::string stem = dot == std::string::npos ? name : name.substr(0, dot);
  const std::string ext = dot == std::string::npos ? "" : name.substr(dot);
  for (int i = 2;; ++i) {
    auto candidate = stem + " (" + std::to_string(i) + ")" + ext;
    if (!child_locked(parent, candidate)) return candidate;
  }
}

// ---- reading

NodeInfo SecretsSubtree::getattr(NodeId id) {
  std::lock_guard lock(mutex_);
  return info_locked(node_locked(id));
}

NodeInfo SecretsSubtree::lookup(NodeId parent, std::string_view name) {
  if (!is_dir(parent)) throw VfsError(VfsErrc::kNotDirectory, "not a directory");
  {
    std::lock_guard lock(mutex_);
    node_locked(parent);
    if (auto id = child_locked(parent, name)) return info_locked(*nodes_.at(*id));
    if (parent != kPlList && parent != kPlRequests) {
      throw VfsError(VfsErrc::kNotFound, "no such entry");
    }
  }
  refresh_listing(parent, false);
  std::lock_guard lock(mutex_);
  if (auto id = child_locked(parent, name)) return info_locked(*nodes_.at(*id));
  throw VfsError(VfsErrc::kNotFound, "no such entry");
}

std::vector<SubtreeEntry> SecretsSubtree::readdir(NodeId dir) {
  if (!is_dir(dir)) throw VfsError(VfsErrc::kNotDirectory, "not a directory");
  if (dir == kPlList || dir == kPlRequests) refresh_listing(dir, false);
  std::lock_guard lock(mutex_);
  const auto& d = node_locked(dir);
  std::vector<SubtreeEntry> out;
  out.reserve(d.children.size());
  for (const auto& [name, id] : d.children)
    out.push_back({name, info_locked(*nodes_.at(id))});
  return out;
}

void SecretsSubtree::refresh_listing(NodeId dir, bool force) {
  std::lock_guard refresh(refresh_mutex_);
  {
    std::lock_guard lock(mutex_);
    auto it = listed_at_.find(dir);
    if (!force && it != listed_at_.end() &&
        std::chrono::steady_clock::now() - it->second < options_.list_ttl) {
      return;
    }
  }
  // Network outside the tree lock. Only list routes: no secret is fetched (no view consumed).
  std::map<std::string, std::string> fresh;  // remote id -> JSON text
  try {
    if (dir == kPlList) {
      for (const auto& item : options_.passwordlink->list_secrets().items) {
        nlohmann::json j = item;
        fresh[item.id] = j.dump(2) + "\n";
      }
    } else {
      for (const auto& item : options_.passwordlink->list_requests().items) {
        nlohmann::json j = item;
        fresh[item.id] = j.dump(2) + "\n";
      }
    }
  } catch (const api::ApiError& e) {
    throw to_vfs_error(e, dir == kPlList ? "listing password.link secrets"
                                         : "listing password.link secret requests");
  }
  std::lock_guard lock(mutex_);
  auto& d = node_locked(dir);
  std::vector<NodeId> gone;
  for (const auto& [name, id] : d.children) {
    if (!fresh.contains(nodes_.at(id)->remote_id)) gone.push_back(id);
  }
  for (auto id : gone)
    remove_locked(id);
  for (auto& [remote, text] : fresh) {
    const std::string name = remote + ".json";
    if (auto id = child_locked(dir, name)) {
      auto& n = *nodes_.at(*id);
      if (n.content.str() != text) {
        n.content = text_bytes(text);
        n.size = n.content.size();
        n.mtime = std::time(nullptr);
      }
    } else {
      const NodeId added = add_file_locked(dir, name, text_bytes(text));
      nodes_.at(added)->remote_id = remote;
    }
  }
  listed_at_[dir] = std::chrono::steady_clock::now();
}

OpenedFile SecretsSubtree::open(NodeId id, OpenMode mode) {
  std::lock_guard lock(mutex_);
  auto& n = node_locked(id);
  if (n.role == FileRole::kDir) throw VfsError(VfsErrc::kIsDirectory, "is a directory");
  if (mode.write) {
    if (n.role != FileRole::kOutbox || n.sending) refuse("write");
    if (mode.truncate) {
      n.size = 0;
      n.oversized = false;
      n.wrote = true;
    }
    ++n.writers;
  }
  const std::uint64_t h = next_handle_++;
  handles_[h] = Handle{id, mode.write};
  OpenedFile f;
  f.handle = h;
  f.direct_io = n.role == FileRole::kOutbox || n.role == FileRole::kListJson ||
                n.role == FileRole::kRequestJson;
  return f;
}

std::size_t SecretsSubtree::read(std::uint64_t handle, std::uint64_t offset,
                                 std::span<std::uint8_t> out) {
  std::lock_guard lock(mutex_);
  auto h = handles_.find(handle);
  if (h == handles_.end()) throw VfsError(VfsErrc::kInvalidArgument, "bad handle");
  const auto& n = node_locked(h->second.node);
  const std::uint64_t have = std::min<std::uint64_t>(n.size, n.content.size());
  if (offset >= have || out.empty()) return 0;
  const std::size_t len =
      static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), have - offset));
  std::memcpy(out.data(), n.content.data() + offset, len);
  return len;
}

void SecretsSubtree::release(std::uint64_t handle) {
  NodeId to_send = 0;
  {
    std::lock_guard lock(mutex_);
    auto h = handles_.find(handle);
    if (h == handles_.end()) return;
    const Handle released = h->second;
    handles_.erase(h);
    if (!released.write) return;
    auto it = nodes_.find(released.node);
    if (it == nodes_.end()) return;
    auto& n = *it->second;
    if (--n.writers == 0 && n.wrote && !n.sending && !is_temporary_name(n.name)) {
      n.sending = true;
      to_send = n.id;
    }
  }
  if (to_send != 0) send(to_send);
}

// ---- writing

std::pair<NodeInfo, OpenedFile> SecretsSubtree::create(NodeId parent, std::string_view name,
                                                       std::uint32_t, OpenMode open_mode) {
  if (read_only() || !is_outbox(parent)) refuse("create");
  check_name(name);
  if (name.ends_with(".error")) refuse("create");
  NodeId id = 0;
  {
    std::lock_guard lock(mutex_);
    node_locked(parent);
    if (auto existing = child_locked(parent, name)) {
      id = *existing;
    } else {
      auto n = std::make_unique<Node>();
      n->id = next_id_++;
      n->parent = parent;
      n->name = std::string(name);
      n->role = FileRole::kOutbox;
      n->mtime = std::time(nullptr);
      n->wrote = true;  // even an empty file is sent (and refused as empty) when closed
      id = n->id;
      nodes_.at(parent)->children[std::string(name)] = id;
      nodes_[id] = std::move(n);
    }
  }
  open_mode.write = true;
  auto opened = open(id, open_mode);
  return {getattr(id), opened};
}

std::size_t SecretsSubtree::write(std::uint64_t handle, std::uint64_t offset,
                                  std::span<const std::uint8_t> data) {
  std::lock_guard lock(mutex_);
  auto h = handles_.find(handle);
  if (h == handles_.end() || !h->second.write) refuse("write");
  auto& n = node_locked(h->second.node);
  const std::uint64_t end = offset + data.size();
  n.wrote = true;
  if (data.empty()) return 0;
  n.size = std::max(n.size, end);
  if (end > kMaxSecretTextSize) {
    // Kept no further: the file becomes NAME.error when closed.
    n.oversized = true;
    return data.size();
  }
  if (end > n.content.size()) {
    const std::size_t cap = std::min<std::size_t>(
        kMaxSecretTextSize, std::max<std::size_t>(end, n.content.size() * 2 + 4096));
    crypto::SecretBytes grown(cap);
    if (!n.content.empty()) std::memcpy(grown.data(), n.content.data(), n.content.size());
    n.content = std::move(grown);
  }
  std::memcpy(n.content.data() + offset, data.data(), data.size());
  return data.size();
}

NodeInfo SecretsSubtree::setattr(NodeId id, const SetAttr& changes) {
  std::lock_guard lock(mutex_);
  auto& n = node_locked(id);
  if (changes.size) {
    if (n.role != FileRole::kOutbox || n.sending) refuse("truncate");
    if (*changes.size > kMaxSecretTextSize) {
      n.oversized = true;
    } else if (*changes.size < n.size && *changes.size < n.content.size()) {
      std::memset(n.content.data() + *changes.size, 0,
                  std::min<std::size_t>(n.content.size(), n.size) - *changes.size);
    }
    if (*changes.size <= kMaxSecretTextSize && *changes.size == 0) n.oversized = false;
    n.size = *changes.size;
    n.wrote = true;
  }
  if (changes.mtime) n.mtime = *changes.mtime;
  return info_locked(n);
}

void SecretsSubtree::unlink(NodeId parent, std::string_view name) {
  if (read_only()) refuse("unlink");
  NodeId id = 0;
  FileRole role = FileRole::kDir;
  std::string remote;
  {
    std::lock_guard lock(mutex_);
    auto found = child_locked(parent, name);
    if (!found) throw VfsError(VfsErrc::kNotFound, "no such entry");
    const auto& n = *nodes_.at(*found);
    if (n.role == FileRole::kDir) throw VfsError(VfsErrc::kIsDirectory, "is a directory");
    if (n.sending) throw VfsError(VfsErrc::kBusy, "being sent");
    id = n.id;
    role = n.role;
    remote = n.remote_id;
    if (role == FileRole::kOutbox || role == FileRole::kError || role == FileRole::kLink) {
      // Local only: sent links are forgotten by this mount, the secret stays valid.
      remove_locked(id);
      return;
    }
  }
  try {
    if (role == FileRole::kListJson) {
      options_.passwordlink->delete_secret(remote);
    } else {
      options_.passwordlink->delete_request(remote);
    }
  } catch (const api::ApiError& e) {
    if (!(e.kind() == api::ErrorKind::kHttpStatus && e.status() == 404)) {
      throw to_vfs_error(
          e, "deleting password.link " +
                 std::string(role == FileRole::kListJson ? "secret " : "secret request ") + remote);
    }
  }
  spdlog::info("secrets: deleted password.link {} {}",
               role == FileRole::kListJson ? "secret" : "secret request", remote);
  std::lock_guard lock(mutex_);
  remove_locked(id);
}

void SecretsSubtree::rename(NodeId parent, std::string_view name, NodeId new_parent,
                            std::string_view new_name, bool no_replace) {
  if (read_only()) refuse("rename");
  check_name(new_name);
  NodeId to_send = 0;
  {
    std::lock_guard lock(mutex_);
    auto found = child_locked(parent, name);
    if (!found) throw VfsError(VfsErrc::kNotFound, "no such entry");
    auto& n = *nodes_.at(*found);
    const bool movable = (n.role == FileRole::kOutbox && is_outbox(parent)) ||
                         (n.role == FileRole::kLink && is_sent(parent));
    if (!movable || parent != new_parent || n.sending) refuse("rename");
    if (new_name.ends_with(".error") && n.role == FileRole::kOutbox) refuse("rename");
    if (auto existing = child_locked(new_parent, new_name)) {
      if (*existing == n.id) return;
      if (no_replace) throw VfsError(VfsErrc::kExists, "target exists");
      if (nodes_.at(*existing)->sending || nodes_.at(*existing)->role == FileRole::kDir) {
        throw VfsError(VfsErrc::kBusy, "target busy");
      }
      remove_locked(*existing);
    }
    auto& d = *nodes_.at(parent);
    d.children.erase(n.name);
    n.name = std::string(new_name);
    d.children[n.name] = n.id;
    // rsync and editors write a temporary name and rename it when complete.
    if (n.role == FileRole::kOutbox && n.writers == 0 && n.wrote && !is_temporary_name(n.name)) {
      n.sending = true;
      to_send = n.id;
    }
  }
  if (to_send != 0) send(to_send);
}

// Encrypts and creates the secret of outbox node `id` (marked sending by the caller). The
// plaintext is copied out under the lock, the network call runs without it.
void SecretsSubtree::send(NodeId id) {
  crypto::SecretBytes text;
  std::string name;
  NodeId outbox = 0;
  bool oversized = false;
  {
    std::lock_guard lock(mutex_);
    auto& n = node_locked(id);
    text = crypto::SecretBytes(
        crypto::ByteView(n.content.data(), std::min<std::size_t>(n.size, n.content.size())));
    name = n.name;
    outbox = n.parent;
    oversized = n.oversized || n.size > kMaxSecretTextSize;
  }
  const auto service = service_of(outbox);
  std::optional<SentSecret> sent;
  std::string error;
  try {
    if (oversized) {
      throw VfsError(VfsErrc::kFileTooLarge, "secret too large: more than " +
                                                 std::to_string(kMaxSecretTextSize) + " bytes");
    }
    if (service == SecretService::kEnigmaCrypt) {
      sent = send_enigmacrypt(*options_.enigmacrypt, text.view(), options_.defaults);
    } else {
      sent = send_passwordlink(*options_.passwordlink, text.view(), options_.defaults);
    }
  } catch (const VfsError& e) {
    error = e.what();
  } catch (const api::ApiError& e) {
    error = std::string("the server refused the secret: ") + e.what();
  } catch (const crypto::CryptoError& e) {
    error = std::string("encryption failed: ") + e.what();
  }
  std::lock_guard lock(mutex_);
  if (nodes_.contains(id)) remove_locked(id);
  const std::string error_name = name + ".error";
  if (auto old = child_locked(outbox, error_name)) remove_locked(*old);
  if (sent) {
    const NodeId sent_dir = sent_of(outbox);
    add_file_locked(sent_dir, unique_name_locked(sent_dir, name + ".link"), share_text(*sent));
    spdlog::info("secrets: {} sent as a one-time {} secret (id {})", name, to_string(service),
                 sent->id);
    if (service == SecretService::kPasswordLink) listed_at_.erase(kPlList);
  } else {
    add_file_locked(outbox, error_name, text_bytes(error + "\n"));
    spdlog::warn("secrets: {} was not sent: {}", name, error);
  }
}

}  // namespace anonfs::vfs
