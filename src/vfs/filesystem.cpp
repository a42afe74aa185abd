#include "anonfs/vfs/filesystem.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>
#include <utility>

#include "anonfs/crypto/drop_size.hpp"
#include "anonfs/crypto/error.hpp"
#include "anonfs/crypto/share_url.hpp"
#include "anonfs/vfs/api_errors.hpp"
#include "anonfs/vfs/chunk_cache.hpp"
#include "anonfs/vfs/drop_chunk_source.hpp"
#include "anonfs/vfs/drop_downloads.hpp"
#include "anonfs/vfs/iso_time.hpp"
#include "anonfs/vfs/names.hpp"
#include "anonfs/vfs/opened_drop.hpp"
#include "anonfs/vfs/vfs_error.hpp"

namespace anonfs::vfs {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kDropsDir = "drops";
constexpr std::string_view kLinksDir = "links";
constexpr std::string_view kLockedReadme = "README.locked";
constexpr std::string_view kControlDirName = ".anonfs";
constexpr std::string_view kControlOpenName = "open";
constexpr std::size_t kMaxControlWrite = 8192;
constexpr std::chrono::duration<double> kImmutableTtl{3600.0};
constexpr std::chrono::duration<double> kListingTtl{1.0};

enum class Role {
  kRoot,
  kDropsRoot,
  kLinksRoot,
  kControlDir,   // /.anonfs
  kControlOpen,  // /.anonfs/open: write a share URL to open it under links/
  kDrop,
  kSubdir,
  kFile,
  kText,
  kControlText,  // /.anonfs/<name>: generated at each open (add_control_text)
  kSubtree,      // a node of a registered Subtree (see SubtreeRef)
};

// One drop known to the mount. Fields other than populate_mutex are guarded by the tree mutex.
struct DropState {
  std::string id;
  bool owned = true;                           // drops/ (owner) or links/ (share link)
  wire::DropListItem info;                     // from the latest listing
  std::shared_ptr<const crypto::DropKey> key;  // nullptr: locked
  std::string lock_reason;                     // why it is locked
  std::shared_ptr<DropDownloads> downloads;    // set when populated
  std::vector<std::string> cache_files;        // ChunkKey::file of every file (for eviction)
  std::time_t created = 0;
  Ino dir = 0;
  bool populated = false;
  std::mutex populate_mutex;  // serialises the metadata request of this drop
};

struct Node {
  Ino ino = 0;
  Ino parent = 0;
  Role role = Role::kRoot;
  std::string name;
  std::time_t mtime = 0;
  std::map<std::string, Ino> children;           // directories: visible entries
  std::map<std::string, Ino> subdir_by_segment;  // directories inside a drop
  std::map<std::string, unsigned> next_number;   // wanted name -> next " (n)" to try
  std::shared_ptr<DropState> drop;               // kDrop and everything inside one
  std::optional<DropFile> file;                  // kFile
  std::string text;                              // kText
  std::size_t control_text = 0;                  // kControlText: index into control_texts
};

// Where a subtree inode lives: the subtree's index and its own node id.
struct SubtreeRef {
  std::size_t index = 0;
  NodeId id = 0;
  auto operator<=>(const SubtreeRef&) const = default;
};

struct Handle {
  std::shared_ptr<ChunkReader> reader;      // kFile
  std::shared_ptr<const std::string> text;  // kText, kControlText
  bool control = false;                     // kControlOpen, opened for writing
  std::shared_ptr<Subtree> subtree;         // a subtree's file: its own handle below
  std::uint64_t subtree_handle = 0;
};

bool is_directory(Role role) {
  return role == Role::kRoot || role == Role::kDropsRoot || role == Role::kLinksRoot ||
         role == Role::kControlDir || role == Role::kDrop || role == Role::kSubdir;
}

std::string locked_readme(const DropState& drop) {
  return "This drop (" + drop.id + ") cannot be opened by this mount: " + drop.lock_reason +
         "\n\nanonfs reads your own drops with the owner keys stored in your vault. Drops "
         "created without an owner key (for example by older clients or guests) cannot be "
         "decrypted from the account alone; open them from their share link instead:\n"
         "  anonfs open 'https://.../d/<id>#<key>'\n";
}

}  // namespace

struct Filesystem::Impl {
  Impl(api::HttpClient& h, api::AnonliClient& c, std::optional<crypto::VaultKey> vk,
       FilesystemOptions o)
      : http(h),
        client(c),
        vault_key(std::move(vk)),
        options(std::move(o)),
        cache(options.cache_bytes),
        prefetcher(cache, options.prefetch) {}

  api::HttpClient& http;
  api::AnonliClient& client;
  const std::optional<crypto::VaultKey> vault_key;
  const FilesystemOptions options;
  ChunkCache cache;
  Prefetcher prefetcher;

  mutable std::mutex tree_mutex;  // guards nodes, next_ino, drops, handles, next_handle
  std::unordered_map<Ino, Node> nodes;
  Ino next_ino = kRootIno + 1;
  std::map<std::string, std::shared_ptr<DropState>> drops;  // by id
  std::unordered_map<std::uint64_t, Handle> handles;
  std::uint64_t next_handle = 1;
  Ino drops_root = 0;
  Ino links_root = 0;
  Ino control_dir = 0;

  // Registered before serving, read-only afterwards (no lock needed to read them).
  std::vector<std::pair<std::string, std::shared_ptr<Subtree>>> subtrees;
  std::vector<std::function<std::string()>> control_texts;
  // Inode numbers of subtree nodes, both ways (tree_mutex).
  std::unordered_map<Ino, SubtreeRef> subtree_by_ino;
  std::map<SubtreeRef, Ino> ino_by_subtree;

  std::mutex list_mutex;  // serialises listing refreshes; guards the members below
  bool listed = false;
  Clock::time_point listed_at{};
  std::map<std::string, std::shared_ptr<const crypto::DropKey>> owner_keys;
  std::set<std::string> key_checked;  // drop ids already looked up in the vault

  std::atomic<std::uint64_t> list_requests{0};
  std::atomic<std::uint64_t> metadata_requests{0};
  std::atomic<std::uint64_t> key_requests{0};

  // ---- tree helpers (tree_mutex held) ----
  Node& node_locked(Ino ino) {
    const auto it = nodes.find(ino);
    if (it == nodes.end()) throw VfsError(VfsErrc::kNotFound, "no such inode");
    return it->second;
  }

  Ino add_node_locked(Ino parent, Role role, std::string name, std::time_t mtime,
                      std::shared_ptr<DropState> drop) {
    const Ino ino = next_ino++;
    Node node;
    node.ino = ino;
    node.parent = parent;
    node.role = role;
    node.name = name;
    node.mtime = mtime;
    node.drop = std::move(drop);
    nodes.emplace(ino, std::move(node));
    if (parent != 0) nodes.at(parent).children[std::move(name)] = ino;
    return ino;
  }

  // ---- subtrees ----
  // The subtree node behind `ino`, if it is one (tree_mutex held).
  std::optional<SubtreeRef> subtree_ref_locked(Ino ino) const {
    const auto it = subtree_by_ino.find(ino);
    if (it == subtree_by_ino.end()) return std::nullopt;
    return it->second;
  }
  std::optional<SubtreeRef> subtree_ref(Ino ino) const {
    std::lock_guard lock(tree_mutex);
    return subtree_ref_locked(ino);
  }
  Subtree& subtree_of(const SubtreeRef& ref) const { return *subtrees[ref.index].second; }

  // The inode of a subtree node, allocated on first sight (takes tree_mutex).
  Ino ino_for(std::size_t index, NodeId id) {
    std::lock_guard lock(tree_mutex);
    const SubtreeRef ref{index, id};
    const auto it = ino_by_subtree.find(ref);
    if (it != ino_by_subtree.end()) return it->second;
    const Ino ino = next_ino++;
    ino_by_subtree.emplace(ref, ino);
    subtree_by_ino.emplace(ino, ref);
    return ino;
  }

  Attr to_attr(std::size_t index, const NodeInfo& info) {
    Attr a;
    a.ino = ino_for(index, info.id);
    a.kind = info.kind;
    a.mode = info.mode;
    a.size = info.size;
    a.mtime = info.mtime;
    a.ttl = info.ttl;
    return a;
  }

  // The subtree holding `ino`, or nullptr; refuses a mutation anywhere else.
  std::optional<SubtreeRef> mutable_ref(Ino ino, const char* what) const {
    if (auto ref = subtree_ref(ino)) return ref;
    if (options.read_only)
      throw VfsError(VfsErrc::kReadOnly, std::string(what) + ": read-only mount");
    return std::nullopt;
  }

  // Attributes of any inode (takes the locks it needs; never calls a subtree under them).
  Attr attr_of(Ino ino) {
    if (const auto ref = subtree_ref(ino)) {
      return to_attr(ref->index, subtree_of(*ref).getattr(ref->id));
    }
    std::size_t text_index = 0;
    Attr a;
    {
      std::lock_guard lock(tree_mutex);
      const Node& node = node_locked(ino);
      a = attr_locked(node);
      if (node.role != Role::kControlText) return a;
      text_index = node.control_text;
    }
    a.size = control_texts[text_index]().size();
    return a;
  }

  Handle handle_of(std::uint64_t handle) const {
    std::lock_guard lock(tree_mutex);
    const auto it = handles.find(handle);
    if (it == handles.end()) throw VfsError(VfsErrc::kInvalidArgument, "bad handle");
    return it->second;
  }

  OpenedFile add_subtree_handle(const std::shared_ptr<Subtree>& subtree, OpenedFile opened) {
    std::lock_guard lock(tree_mutex);
    const std::uint64_t handle = next_handle++;
    Handle h;
    h.subtree = subtree;
    h.subtree_handle = opened.handle;
    handles.emplace(handle, std::move(h));
    opened.handle = handle;
    return opened;
  }

  Attr attr_locked(const Node& node) const {
    Attr a;
    a.ino = node.ino;
    a.mtime = node.mtime;
    const bool writable = !options.read_only;
    switch (node.role) {
      case Role::kRoot:
      case Role::kLinksRoot:
      case Role::kControlDir:
        a.kind = NodeKind::kDirectory;
        a.mode = 0500;
        break;
      case Role::kControlOpen:
        a.kind = NodeKind::kFile;
        a.mode = 0200;
        break;
      case Role::kDropsRoot:
      case Role::kDrop:
      case Role::kSubdir:
        a.kind = NodeKind::kDirectory;
        a.mode = writable ? 0700 : 0500;
        break;
      case Role::kFile:
        a.kind = NodeKind::kFile;
        a.mode = writable ? 0600 : 0400;
        a.size = node.file->size;
        a.ttl = kImmutableTtl;
        break;
      case Role::kText:
        a.kind = NodeKind::kFile;
        a.mode = 0400;
        a.size = node.text.size();
        break;
      case Role::kControlText:
        a.kind = NodeKind::kFile;
        a.mode = 0400;
        a.ttl = std::chrono::duration<double>(0);
        break;
      case Role::kSubtree:  // never in `nodes`
        break;
    }
    if (a.kind == NodeKind::kDirectory) a.ttl = kListingTtl;
    return a;
  }

  // ---- drop listing ----
  void ensure_listing() {
    std::lock_guard list_lock(list_mutex);
    if (listed && Clock::now() - listed_at < options.list_ttl) return;

    std::vector<wire::DropListItem> items;
    try {
      items = client.list_drops();
      ++list_requests;
    } catch (const api::ApiError& e) {
      throw to_vfs_error(e, "listing drops");
    }
    fetch_missing_keys(items);

    struct Listed {
      wire::DropListItem item;
      std::shared_ptr<const crypto::DropKey> key;
      std::string name;
      std::time_t created = 0;
    };
    std::vector<Listed> listed_drops;
    for (auto& item : items) {
      if (!item.uploadComplete) continue;  // still being uploaded (or abandoned)
      if (!is_safe_id(item.id)) {
        spdlog::warn("the drop list contains a malformed drop id; skipped");
        continue;
      }
      Listed l;
      const auto k = owner_keys.find(item.id);
      if (k != owner_keys.end()) l.key = k->second;
      std::string title;
      if (l.key && item.encryptedTitle && !item.encryptedTitle->empty()) {
        try {
          title =
              crypto::decrypt_title(*l.key, crypto::parse_drop_iv(item.iv), *item.encryptedTitle)
                  .text;
        } catch (const crypto::CryptoError&) {
          title.clear();
        }
      }
      l.name = drop_folder_name(title, item.id);
      l.created = parse_iso8601(item.createdAt).value_or(0);
      l.item = std::move(item);
      listed_drops.push_back(std::move(l));
    }

    std::lock_guard tree_lock(tree_mutex);
    std::set<std::string> seen;
    for (auto& l : listed_drops) {
      seen.insert(l.item.id);
      auto it = drops.find(l.item.id);
      if (it == drops.end()) {
        auto drop = std::make_shared<DropState>();
        drop->id = l.item.id;
        drop->key = l.key;
        if (!drop->key) {
          drop->lock_reason = vault_key ? "the vault holds no owner key for it"
                                        : "the vault is not unlocked in this mount";
        }
        drop->created = l.created;
        drop->dir = add_node_locked(drops_root, Role::kDrop, l.name, l.created, drop);
        it = drops.emplace(drop->id, std::move(drop)).first;
      }
      DropState& drop = *it->second;
      drop.info = std::move(l.item);
      Node& dir = nodes.at(drop.dir);
      if (dir.name != l.name && !drop.populated) {
        // The title became readable (a key arrived): rename the folder.
        Node& root = nodes.at(drops_root);
        root.children.erase(dir.name);
        dir.name = l.name;
        root.children[dir.name] = dir.ino;
      }
    }
    for (auto it = drops.begin(); it != drops.end();) {
      if (seen.contains(it->first)) {
        ++it;
        continue;
      }
      Node& dir = nodes.at(it->second->dir);
      nodes.at(drops_root).children.erase(dir.name);
      it = drops.erase(it);
    }
    listed = true;
    listed_at = Clock::now();
  }

  // Looks up owner keys of drops seen for the first time (list_mutex held).
  void fetch_missing_keys(const std::vector<wire::DropListItem>& items) {
    if (!vault_key) return;
    bool missing = false;
    for (const auto& item : items) {
      if (!owner_keys.contains(item.id) && !key_checked.contains(item.id)) missing = true;
    }
    if (!missing) return;
    std::vector<wire::DropKey> keys;
    try {
      keys = client.drop_keys();
      ++key_requests;
    } catch (const api::ApiError& e) {
      spdlog::warn("could not read owner keys from the vault: {}", e.what());
      return;
    }
    for (const auto& item : items)
      key_checked.insert(item.id);
    for (const auto& k : keys) {
      if (owner_keys.contains(k.drop_id)) continue;
      try {
        owner_keys.emplace(k.drop_id,
                           std::make_shared<const crypto::DropKey>(
                               crypto::unwrap_drop_owner_key(*vault_key, k.wrapped_key)));
      } catch (const crypto::CryptoError& e) {
        spdlog::warn("drop {}: the owner key in the vault does not unwrap ({})", k.drop_id,
                     e.what());
      }
    }
  }

  // ---- drop contents ----
  void ensure_populated(const std::shared_ptr<DropState>& drop) {
    {
      std::lock_guard tree_lock(tree_mutex);
      if (drop->populated) return;
    }
    std::lock_guard populate_lock(drop->populate_mutex);
    std::shared_ptr<const crypto::DropKey> key;
    {
      std::lock_guard tree_lock(tree_mutex);
      if (drop->populated) return;
      key = drop->key;
    }
    if (!key) {
      std::lock_guard tree_lock(tree_mutex);
      add_locked_readme_locked(*drop);
      return;
    }
    wire::DropMetadata metadata;
    if (auto cached = load_cached_metadata(drop->id)) {
      metadata = std::move(*cached);
    } else {
      try {
        metadata = client.drop_metadata(drop->id);
        ++metadata_requests;
      } catch (const api::ApiError& e) {
        VfsError error = to_vfs_error(e, "drop " + drop->id + ": reading its metadata");
        spdlog::warn("{}", error.what());
        throw error;
      }
      store_cached_metadata(metadata);
    }
    OpenedDrop opened;
    try {
      opened = open_drop(metadata, *key);
    } catch (const VfsError& e) {
      if (e.code() != VfsErrc::kAccessDenied) throw;
      spdlog::warn("{}", e.what());
      std::lock_guard tree_lock(tree_mutex);
      drop->key.reset();
      drop->lock_reason = "the key from the vault does not open it";
      add_locked_readme_locked(*drop);
      return;
    }
    install_opened_drop(drop, std::move(opened), metadata);
  }

  // Adds the files of an opened drop below its folder (takes the tree mutex).
  void install_opened_drop(const std::shared_ptr<DropState>& drop, OpenedDrop opened,
                           const wire::DropMetadata& metadata) {
    for (const auto& problem : opened.problems) {
      spdlog::warn("drop {}: {}", drop->id, problem);
    }
    std::sort(opened.files.begin(), opened.files.end(),
              [](const DropFile& a, const DropFile& b) { return a.file_id < b.file_id; });
    auto downloads = std::make_shared<DropDownloads>(
        client, drop->id, metadata.maxDownloads.has_value(), options.allow_last_download);
    std::lock_guard tree_lock(tree_mutex);
    drop->downloads = std::move(downloads);
    for (auto& file : opened.files) {
      drop->cache_files.push_back(drop->id + "/" + file.file_id);
      add_file_locked(*drop, std::move(file));
    }
    drop->populated = true;
  }

  void add_locked_readme_locked(DropState& drop) {
    Node& dir = nodes.at(drop.dir);
    if (!dir.children.contains(std::string(kLockedReadme))) {
      const Ino ino =
          add_node_locked(drop.dir, Role::kText, std::string(kLockedReadme), drop.created, nullptr);
      nodes.at(ino).text = locked_readme(drop);
    }
    drop.populated = true;
  }

  void add_file_locked(DropState& drop, DropFile file) {
    Ino dir = drop.dir;
    const auto drop_ptr = nodes.at(drop.dir).drop;
    for (std::size_t i = 0; i + 1 < file.segments.size(); ++i) {
      const std::string& segment = file.segments[i];
      Node& parent = nodes.at(dir);
      const auto existing = parent.subdir_by_segment.find(segment);
      if (existing != parent.subdir_by_segment.end()) {
        dir = existing->second;
        continue;
      }
      const std::string name = free_name_locked(parent, segment, true);
      const Ino sub = add_node_locked(dir, Role::kSubdir, name, drop.created, drop_ptr);
      nodes.at(dir).subdir_by_segment[segment] = sub;
      dir = sub;
    }
    const std::string name = free_name_locked(nodes.at(dir), file.segments.back(), false);
    const Ino ino = add_node_locked(dir, Role::kFile, name, drop.created, drop_ptr);
    nodes.at(ino).file = std::move(file);
  }

  // `wanted`, or its first free numbered form. The next number to try is remembered per wanted
  // name, so that a listing of N equal names (a hostile server's) costs O(N log N), not O(N^2).
  static std::string free_name_locked(Node& dir, const std::string& wanted, bool is_dir) {
    if (!dir.children.contains(wanted)) return wanted;
    unsigned& n = dir.next_number.try_emplace(wanted, 2).first->second;
    for (;; ++n) {
      std::string candidate = numbered_name(wanted, n, is_dir);
      if (!dir.children.contains(candidate)) {
        ++n;
        return candidate;
      }
    }
  }

  // ---- on-disk metadata cache (finished drops are immutable) ----
  std::optional<wire::DropMetadata> load_cached_metadata(const std::string& id) const {
    if (options.metadata_cache_dir.empty()) return std::nullopt;
    std::ifstream in(options.metadata_cache_dir / (id + ".json"), std::ios::binary);
    if (!in) return std::nullopt;
    try {
      const auto j = nlohmann::json::parse(in);
      auto metadata = j.get<wire::DropMetadata>();
      if (metadata.id != id) return std::nullopt;
      return metadata;
    } catch (const std::exception&) {
      spdlog::warn("drop {}: ignoring an unreadable metadata cache entry", id);
      return std::nullopt;
    }
  }

  void store_cached_metadata(const wire::DropMetadata& metadata) const {
    if (options.metadata_cache_dir.empty() || !is_safe_id(metadata.id)) return;
    try {
      const auto path = options.metadata_cache_dir / (metadata.id + ".json");
      const auto tmp = options.metadata_cache_dir / (metadata.id + ".json.tmp");
      const std::string text = nlohmann::json(metadata).dump();
      const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      if (fd < 0) return;
      const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
      ::close(fd);
      if (ok) std::filesystem::rename(tmp, path);
    } catch (const std::exception& e) {
      spdlog::debug("metadata cache: {}", e.what());
    }
  }

  // Opens a share link under links/<id> (see Filesystem::open_link).
  std::string open_link(std::string_view url) {
    crypto::AnonLiDropLink link;
    try {
      link = crypto::parse_anonli_drop_url(url);
    } catch (const crypto::CryptoError& e) {
      throw VfsError(VfsErrc::kInvalidArgument, std::string("not a drop share link: ") + e.what());
    }
    if (!link.key) {
      throw VfsError(
          VfsErrc::kInvalidArgument,
          "drop " + link.drop_id +
              ": the link carries no key (password drop: use anonfs open --password-file)");
    }
    std::string base = client.base_url();
    while (!base.empty() && base.back() == '/')
      base.pop_back();
    if (link.base != base) {
      throw VfsError(VfsErrc::kInvalidArgument,
                     "the link is for " + link.base + ", this mount serves " + base);
    }
    if (!is_safe_id(link.drop_id)) throw VfsError(VfsErrc::kInvalidArgument, "bad drop id");
    {
      std::lock_guard tree_lock(tree_mutex);
      if (nodes.at(links_root).children.contains(link.drop_id)) return link.drop_id;
    }
    auto key =
        std::make_shared<const crypto::DropKey>(crypto::DropKey::from_bytes(link.key->view()));
    wire::DropMetadata metadata;
    try {
      metadata = client.drop_metadata(link.drop_id);
      ++metadata_requests;
    } catch (const api::ApiError& e) {
      throw to_vfs_error(e, "drop " + link.drop_id + ": reading its metadata");
    }
    // A wrong key is an error now (kAccessDenied), not garbage later.
    OpenedDrop opened = open_drop(metadata, *key);

    auto drop = std::make_shared<DropState>();
    drop->id = link.drop_id;
    drop->owned = false;
    drop->key = std::move(key);
    drop->created = opened.created;
    drop->info.id = metadata.id;
    drop->info.downloads = metadata.downloads;
    drop->info.maxDownloads = metadata.maxDownloads;
    drop->info.expiresAt = metadata.expiresAt;
    drop->info.createdAt = metadata.createdAt;
    {
      std::lock_guard tree_lock(tree_mutex);
      if (nodes.at(links_root).children.contains(link.drop_id)) return link.drop_id;
      drop->dir = add_node_locked(links_root, Role::kDrop, link.drop_id, drop->created, drop);
    }
    install_opened_drop(drop, std::move(opened), metadata);
    spdlog::info("opened drop {} under links/{}", drop->id, drop->id);
    return drop->id;
  }

  // Makes sure the children of directory `ino` are known, then returns them (a copy).
  std::map<std::string, Ino> children_of(Ino ino) {
    Role role;
    std::shared_ptr<DropState> drop;
    {
      std::lock_guard tree_lock(tree_mutex);
      const Node& node = node_locked(ino);
      if (!is_directory(node.role)) throw VfsError(VfsErrc::kNotDirectory, "not a directory");
      role = node.role;
      drop = node.drop;
    }
    if (role == Role::kDropsRoot) ensure_listing();
    if (role == Role::kDrop || role == Role::kSubdir) ensure_populated(drop);
    std::lock_guard tree_lock(tree_mutex);
    return node_locked(ino).children;
  }
};

Filesystem::Filesystem(api::HttpClient& http, api::AnonliClient& client,
                       std::optional<crypto::VaultKey> vault_key, FilesystemOptions options)
    : impl_(std::make_unique<Impl>(http, client, std::move(vault_key), std::move(options))) {
  std::lock_guard lock(impl_->tree_mutex);
  Node root;
  root.ino = kRootIno;
  root.role = Role::kRoot;
  root.mtime = std::time(nullptr);
  impl_->nodes.emplace(kRootIno, std::move(root));
  impl_->drops_root = impl_->add_node_locked(kRootIno, Role::kDropsRoot, std::string(kDropsDir),
                                             impl_->nodes.at(kRootIno).mtime, nullptr);
  impl_->links_root = impl_->add_node_locked(kRootIno, Role::kLinksRoot, std::string(kLinksDir),
                                             impl_->nodes.at(kRootIno).mtime, nullptr);
  impl_->control_dir =
      impl_->add_node_locked(kRootIno, Role::kControlDir, std::string(kControlDirName),
                             impl_->nodes.at(kRootIno).mtime, nullptr);
  impl_->add_node_locked(impl_->control_dir, Role::kControlOpen, std::string(kControlOpenName),
                         impl_->nodes.at(kRootIno).mtime, nullptr);
  // One 50 MiB chunk buffer faulted in advance: the first read of an uncached chunk does not
  // wait for the kernel to fault and zero fresh pages (within the cache budget).
  impl_->cache.buffers().keep_spare(
      static_cast<std::size_t>(crypto::kDefaultChunkSize + crypto::kChunkTagSize));
}

Filesystem::~Filesystem() = default;

void Filesystem::add_subtree(std::string name, std::shared_ptr<Subtree> subtree) {
  if (!subtree) throw std::invalid_argument("add_subtree: no subtree");
  const std::size_t index = impl_->subtrees.size();
  {
    std::lock_guard lock(impl_->tree_mutex);
    if (impl_->nodes.at(kRootIno).children.contains(name)) {
      throw std::invalid_argument("add_subtree: /" + name + " exists");
    }
  }
  impl_->subtrees.emplace_back(name, std::move(subtree));
  const Ino ino = impl_->ino_for(index, kSubtreeRoot);
  std::lock_guard lock(impl_->tree_mutex);
  impl_->nodes.at(kRootIno).children.emplace(std::move(name), ino);
}

void Filesystem::add_control_text(std::string name, std::function<std::string()> text) {
  if (!text) throw std::invalid_argument("add_control_text: no producer");
  std::lock_guard lock(impl_->tree_mutex);
  if (impl_->nodes.at(impl_->control_dir).children.contains(name)) {
    throw std::invalid_argument("add_control_text: /.anonfs/" + name + " exists");
  }
  impl_->control_texts.push_back(std::move(text));
  const Ino ino = impl_->add_node_locked(impl_->control_dir, Role::kControlText, std::move(name),
                                         impl_->nodes.at(kRootIno).mtime, nullptr);
  impl_->nodes.at(ino).control_text = impl_->control_texts.size() - 1;
}

MountContext Filesystem::context() {
  MountContext c;
  c.http = &impl_->http;
  c.cache = &impl_->cache;
  c.prefetcher = &impl_->prefetcher;
  c.read_only = impl_->options.read_only;
  return c;
}

Attr Filesystem::lookup(Ino parent, std::string_view name) {
  if (const auto ref = impl_->subtree_ref(parent)) {
    return impl_->to_attr(ref->index, impl_->subtree_of(*ref).lookup(ref->id, name));
  }
  const auto children = impl_->children_of(parent);
  const auto it = children.find(std::string(name));
  if (it == children.end()) throw VfsError(VfsErrc::kNotFound, "no such entry");
  return impl_->attr_of(it->second);
}

Attr Filesystem::getattr(Ino ino) {
  return impl_->attr_of(ino);
}

std::vector<DirEntry> Filesystem::readdir(Ino ino) {
  std::vector<DirEntry> out;
  if (const auto ref = impl_->subtree_ref(ino)) {
    for (auto& entry : impl_->subtree_of(*ref).readdir(ref->id)) {
      out.push_back(DirEntry{std::move(entry.name), impl_->to_attr(ref->index, entry.info)});
    }
    return out;
  }
  const auto children = impl_->children_of(ino);
  out.reserve(children.size());
  std::vector<std::pair<std::string, Ino>> generated;  // subtree roots and control texts
  {
    std::lock_guard lock(impl_->tree_mutex);
    for (const auto& [name, child] : children) {
      const auto it = impl_->nodes.find(child);
      if (it == impl_->nodes.end() || it->second.role == Role::kControlText) {
        generated.emplace_back(name, child);
        continue;
      }
      out.push_back(DirEntry{name, impl_->attr_locked(it->second)});
    }
  }
  for (const auto& [name, child] : generated) {
    try {
      out.push_back(DirEntry{name, impl_->attr_of(child)});
    } catch (const VfsError& e) {
      spdlog::warn("/{}: {}", name, e.what());
    }
  }
  return out;
}

OpenedFile Filesystem::open(Ino ino, OpenMode mode) {
  if (const auto ref = impl_->subtree_ref(ino)) {
    const auto& subtree = impl_->subtrees[ref->index].second;
    return impl_->add_subtree_handle(subtree, subtree->open(ref->id, mode));
  }
  const bool write = mode.write || mode.truncate;
  std::shared_ptr<DropState> drop;
  DropFile file;
  std::size_t text_index = 0;
  {
    std::lock_guard lock(impl_->tree_mutex);
    const Node& node = impl_->node_locked(ino);
    if (is_directory(node.role)) throw VfsError(VfsErrc::kIsDirectory, "is a directory");
    if (node.role == Role::kControlOpen) {
      if (!write) throw VfsError(VfsErrc::kAccessDenied, "write a share URL to this file");
      const std::uint64_t handle = impl_->next_handle++;
      Handle h;
      h.control = true;
      impl_->handles.emplace(handle, std::move(h));
      return OpenedFile{handle, true, false};
    }
    if (write) {
      throw VfsError(impl_->options.read_only ? VfsErrc::kReadOnly : VfsErrc::kAccessDenied,
                     "drops are write-once");
    }
    if (node.role == Role::kText) {
      const std::uint64_t handle = impl_->next_handle++;
      Handle h;
      h.text = std::make_shared<const std::string>(node.text);
      impl_->handles.emplace(handle, std::move(h));
      return OpenedFile{handle, false, true};
    }
    text_index = node.control_text;
    if (node.role != Role::kControlText) drop = node.drop;
    if (drop) file = *node.file;
  }
  if (!drop) {  // a control text: generated now, served from this snapshot
    Handle h;
    h.text = std::make_shared<const std::string>(impl_->control_texts[text_index]());
    std::lock_guard lock(impl_->tree_mutex);
    const std::uint64_t handle = impl_->next_handle++;
    impl_->handles.emplace(handle, std::move(h));
    return OpenedFile{handle, true, false};
  }
  if (!drop->key || !drop->downloads) {
    throw VfsError(VfsErrc::kIo, "the drop of this file is not readable any more");
  }
  const std::string cache_id = drop->id + "/" + file.file_id;
  const crypto::ChunkLayout layout = file.layout;
  auto source = std::make_shared<DropChunkSource>(impl_->http, drop->downloads, drop->key, drop->id,
                                                  std::move(file));
  auto reader = std::make_shared<ChunkReader>(cache_id, layout, std::move(source), impl_->cache,
                                              &impl_->prefetcher);
  std::lock_guard lock(impl_->tree_mutex);
  const std::uint64_t handle = impl_->next_handle++;
  Handle h;
  h.reader = std::move(reader);
  impl_->handles.emplace(handle, std::move(h));
  return OpenedFile{handle, false, true};  // drop contents are immutable
}

std::size_t Filesystem::read(std::uint64_t handle, std::uint64_t offset,
                             std::span<std::uint8_t> out, std::stop_token cancel) {
  const Handle h = impl_->handle_of(handle);
  if (h.subtree) return h.subtree->read(h.subtree_handle, offset, out);
  if (h.control) throw VfsError(VfsErrc::kInvalidArgument, "write-only file");
  if (h.text) {
    if (offset >= h.text->size()) return 0;
    const std::size_t n = std::min<std::size_t>(out.size(), h.text->size() - offset);
    std::copy_n(h.text->data() + offset, n, out.data());
    return n;
  }
  return h.reader->read(offset, out, std::move(cancel));
}

PinnedBytes Filesystem::read_pinned(std::uint64_t handle, std::uint64_t offset, std::size_t size,
                                    std::stop_token cancel) {
  std::shared_ptr<ChunkReader> reader;
  {
    std::lock_guard lock(impl_->tree_mutex);
    const auto it = impl_->handles.find(handle);
    if (it != impl_->handles.end()) reader = it->second.reader;
  }
  if (reader) return reader->read_pinned(offset, size, std::move(cancel));
  // Anything else through read(), into memory that is wiped when the result goes away.
  auto copy = std::make_shared<crypto::SecretBytes>(size);
  const std::size_t n = read(handle, offset, copy->mutable_view(), std::move(cancel));
  PinnedBytes bytes;
  if (n != 0) bytes.pieces.emplace_back(copy->data(), n);
  bytes.pins.push_back(std::move(copy));
  return bytes;
}

std::size_t Filesystem::write(std::uint64_t handle, std::uint64_t offset,
                              std::span<const std::uint8_t> data) {
  const Handle h = impl_->handle_of(handle);
  if (h.subtree) return h.subtree->write(h.subtree_handle, offset, data);
  if (!h.control) throw VfsError(VfsErrc::kAccessDenied, "read-only file");
  if (data.size() > kMaxControlWrite) throw VfsError(VfsErrc::kInvalidArgument, "too long");
  // One write = one URL; the URL carries a key, so the copy lives in wiped memory.
  crypto::SecretBytes text(data);
  std::string_view url = text.str();
  while (!url.empty() && (url.back() == '\n' || url.back() == '\r' || url.back() == ' ')) {
    url.remove_suffix(1);
  }
  impl_->open_link(url);
  return data.size();
}

std::string Filesystem::open_link(std::string_view url) {
  return impl_->open_link(url);
}

void Filesystem::flush(std::uint64_t handle) {
  const Handle h = impl_->handle_of(handle);
  if (h.subtree) h.subtree->flush(h.subtree_handle);
}

void Filesystem::fsync(std::uint64_t handle) {
  const Handle h = impl_->handle_of(handle);
  if (h.subtree) h.subtree->fsync(h.subtree_handle);
}

void Filesystem::release(std::uint64_t handle) {
  Handle h;  // destroyed (and the subtree told) outside the lock
  {
    std::lock_guard lock(impl_->tree_mutex);
    const auto it = impl_->handles.find(handle);
    if (it == impl_->handles.end()) return;
    h = std::move(it->second);
    impl_->handles.erase(it);
  }
  if (h.subtree) h.subtree->release(h.subtree_handle);
}

std::pair<Attr, OpenedFile> Filesystem::create(Ino parent, std::string_view name,
                                               std::uint32_t mode, OpenMode open_mode) {
  const auto ref = impl_->mutable_ref(parent, "create");
  if (!ref) throw VfsError(VfsErrc::kAccessDenied, "create: files cannot be created here");
  const auto& subtree = impl_->subtrees[ref->index].second;
  auto [info, opened] = subtree->create(ref->id, name, mode, open_mode);
  return {impl_->to_attr(ref->index, info), impl_->add_subtree_handle(subtree, opened)};
}

Attr Filesystem::mkdir(Ino parent, std::string_view name, std::uint32_t mode) {
  const auto ref = impl_->mutable_ref(parent, "mkdir");
  if (!ref) throw VfsError(VfsErrc::kAccessDenied, "mkdir: folders cannot be created here");
  return impl_->to_attr(ref->index, impl_->subtree_of(*ref).mkdir(ref->id, name, mode));
}

void Filesystem::rename(Ino parent, std::string_view name, Ino new_parent,
                        std::string_view new_name, bool no_replace) {
  const auto from = impl_->mutable_ref(parent, "rename");
  const auto to = impl_->mutable_ref(new_parent, "rename");
  if (from && to && from->index == to->index) {
    impl_->subtree_of(*from).rename(from->id, name, to->id, new_name, no_replace);
    return;
  }
  if (from || to) throw VfsError(VfsErrc::kCrossDevice, "rename across top-level folders");
  throw VfsError(VfsErrc::kAccessDenied, "rename: drops cannot be renamed");
}

Attr Filesystem::setattr(Ino ino, const SetAttr& changes) {
  if (const auto ref = impl_->subtree_ref(ino)) {
    return impl_->to_attr(ref->index, impl_->subtree_of(*ref).setattr(ref->id, changes));
  }
  if (changes.size || changes.mode || changes.mtime) {
    throw VfsError(impl_->options.read_only ? VfsErrc::kReadOnly : VfsErrc::kAccessDenied,
                   "setattr: drops are immutable");
  }
  return impl_->attr_of(ino);
}

std::optional<std::string> Filesystem::getxattr(Ino ino, std::string_view name) {
  if (const auto ref = impl_->subtree_ref(ino))
    return impl_->subtree_of(*ref).getxattr(ref->id, name);
  std::shared_ptr<DropState> drop;
  wire::DropListItem info;
  std::shared_ptr<const crypto::DropKey> key;
  {
    std::lock_guard lock(impl_->tree_mutex);
    const Node& node = impl_->node_locked(ino);
    if (node.role != Role::kDrop) return std::nullopt;
    drop = node.drop;
    info = drop->info;
    key = drop->key;
  }
  if (name == "user.anonfs.id") return drop->id;
  if (name == "user.anonfs.downloads") return std::to_string(info.downloads);
  if (name == "user.anonfs.max_downloads" && info.maxDownloads) {
    return std::to_string(*info.maxDownloads);
  }
  if (name == "user.anonfs.expires" && info.expiresAt) return *info.expiresAt;
  if (name == "user.anonfs.link" && key) {
    try {
      crypto::AnonLiDropLink link;
      link.base = impl_->client.base_url();
      link.drop_id = drop->id;
      link.key = crypto::SecretBytes(key->bytes());
      const crypto::SecretBytes url = crypto::build_anonli_drop_url(link);
      return std::string(url.str());
    } catch (const crypto::CryptoError& e) {
      spdlog::warn("drop {}: cannot build its share link ({})", drop->id, e.what());
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::vector<std::string> Filesystem::listxattr(Ino ino) {
  if (const auto ref = impl_->subtree_ref(ino)) return impl_->subtree_of(*ref).listxattr(ref->id);
  std::lock_guard lock(impl_->tree_mutex);
  const Node& node = impl_->node_locked(ino);
  if (node.role != Role::kDrop) return {};
  std::vector<std::string> names = {"user.anonfs.id", "user.anonfs.downloads"};
  if (node.drop->info.maxDownloads) names.emplace_back("user.anonfs.max_downloads");
  if (node.drop->info.expiresAt) names.emplace_back("user.anonfs.expires");
  if (node.drop->key) names.emplace_back("user.anonfs.link");
  return names;
}

void Filesystem::unlink(Ino parent, std::string_view name) {
  if (const auto ref = impl_->subtree_ref(parent)) {
    impl_->subtree_of(*ref).unlink(ref->id, name);
    return;
  }
  const auto children = impl_->children_of(parent);
  std::lock_guard lock(impl_->tree_mutex);
  Node& dir = impl_->node_locked(parent);
  const auto it = dir.children.find(std::string(name));
  if (it == dir.children.end()) throw VfsError(VfsErrc::kNotFound, "no such entry");
  if (impl_->subtree_ref_locked(it->second))
    throw VfsError(VfsErrc::kIsDirectory, "is a directory");
  const Node& node = impl_->node_locked(it->second);
  if (is_directory(node.role)) throw VfsError(VfsErrc::kIsDirectory, "is a directory");
  if (impl_->options.read_only) throw VfsError(VfsErrc::kReadOnly, "read-only mount");
  if (dir.role != Role::kDrop && dir.role != Role::kSubdir) {
    throw VfsError(VfsErrc::kAccessDenied, "cannot remove this entry");
  }
  // A finished drop cannot lose a file on the server: the entry is hidden in this mount, and
  // removing the emptied drop folder deletes the drop (so `rm -r` works).
  dir.children.erase(it);
}

void Filesystem::rmdir(Ino parent, std::string_view name) {
  if (const auto ref = impl_->subtree_ref(parent)) {
    impl_->subtree_of(*ref).rmdir(ref->id, name);
    return;
  }
  const auto children = impl_->children_of(parent);
  const auto it = children.find(std::string(name));
  if (it == children.end()) throw VfsError(VfsErrc::kNotFound, "no such entry");
  const Ino ino = it->second;
  if (impl_->subtree_ref(ino)) {
    throw VfsError(impl_->options.read_only ? VfsErrc::kReadOnly : VfsErrc::kAccessDenied,
                   "rmdir: a top-level folder cannot be removed");
  }
  // The folder's own entries must be known (and then empty) before it can go.
  const auto own_children = impl_->children_of(ino);
  std::shared_ptr<DropState> drop;
  {
    std::lock_guard lock(impl_->tree_mutex);
    const Node& dir = impl_->node_locked(parent);
    const Node& node = impl_->node_locked(ino);
    if (!is_directory(node.role)) throw VfsError(VfsErrc::kNotDirectory, "not a directory");
    if (impl_->options.read_only) throw VfsError(VfsErrc::kReadOnly, "read-only mount");
    if (!node.children.empty()) throw VfsError(VfsErrc::kNotEmpty, "directory not empty");
    if (node.role == Role::kSubdir) {
      impl_->node_locked(parent).children.erase(std::string(name));
      return;
    }
    if (node.role == Role::kDrop && dir.role == Role::kLinksRoot) {
      // Forgetting an opened link only removes it from this mount.
      impl_->node_locked(parent).children.erase(std::string(name));
      return;
    }
    if (node.role != Role::kDrop || dir.role != Role::kDropsRoot) {
      throw VfsError(VfsErrc::kAccessDenied, "cannot remove this directory");
    }
    drop = node.drop;
  }
  try {
    impl_->client.delete_drop(drop->id);
  } catch (const api::ApiError& e) {
    throw to_vfs_error(e, "drop " + drop->id + ": deleting it");
  }
  spdlog::info("drop {}: deleted on the server", drop->id);
  std::vector<std::string> cache_files;
  {
    std::lock_guard lock(impl_->tree_mutex);
    impl_->node_locked(parent).children.erase(std::string(name));
    impl_->drops.erase(drop->id);
    cache_files = drop->cache_files;
  }
  for (const auto& f : cache_files)
    impl_->cache.erase_file(f);
}

bool Filesystem::read_only() const noexcept {
  return impl_->options.read_only;
}

FilesystemStats Filesystem::stats() const {
  FilesystemStats s;
  s.list_requests = impl_->list_requests;
  s.metadata_requests = impl_->metadata_requests;
  s.key_requests = impl_->key_requests;
  std::lock_guard lock(impl_->tree_mutex);
  for (const auto& [id, drop] : impl_->drops) {
    if (drop->downloads) s.downloads_consumed += drop->downloads->consumed();
  }
  return s;
}

}  // namespace anonfs::vfs
