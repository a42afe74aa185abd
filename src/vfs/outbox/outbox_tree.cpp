#include "anonfs/vfs/outbox_tree.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <exception>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>

#include "anonfs/crypto/share_url.hpp"
#include "anonfs/vfs/upload_spool.hpp"
#include "anonfs/vfs/vfs_error.hpp"
#include "file_io.hpp"

namespace anonfs::vfs {

namespace {

constexpr std::size_t kMaxName = 255;
constexpr std::size_t kMaxFilesPerDrop = 50;

std::time_t now_time() {
  return std::time(nullptr);
}

void check_name(std::string_view name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string_view::npos ||
      name.find('\0') != std::string_view::npos) {
    throw VfsError(VfsErrc::kInvalidArgument, "outbox: bad name");
  }
  if (name.size() > kMaxName) throw VfsError(VfsErrc::kNameTooLong, "outbox: name too long");
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

bool is_temporary_name(std::string_view name) noexcept {
  if (name.empty() || name.front() == '.' || name.back() == '~') return true;
  if (name.front() == '#' && name.back() == '#') return true;
  for (std::string_view suffix : {".swp", ".swx", ".part", ".crdownload", ".tmp"}) {
    if (ends_with(name, suffix)) return true;
  }
  return false;
}

// ---- state ---------------------------------------------------------------------------------

struct OutboxTree::FileBody {
  std::mutex mutex;  // guards spool
  std::optional<UploadSpool> spool;
  std::string spool_name;  // immutable
  // Snapshots, guarded by OutboxTree::mutex_.
  std::uint64_t size = 0;
  bool sealed = false;
  bool dirty = false;
  int open_writers = 0;
  crypto::DropIv iv{};
  std::uint64_t chunk_size = 0;
};

struct OutboxTree::Node {
  NodeId id = 0;
  NodeId parent = kSubtreeRoot;
  std::string name;
  NodeKind kind = NodeKind::kFile;
  std::uint32_t mode = 0600;
  std::time_t mtime = 0;
  std::map<std::string, NodeId, std::less<>> children;
  std::shared_ptr<FileBody> body;  // files
  NodeId sidecar_of = 0;           // NAME.error of the failed item at this top-level node
};

struct OutboxTree::Item {
  Item(std::string id, crypto::DropKey k) : record_id(std::move(id)), key(std::move(k)) {}
  std::string record_id;
  crypto::DropKey key;
  crypto::DropIv drop_iv = crypto::generate_drop_iv();
  bool directory = false;
  ItemState state = ItemState::kCollecting;
  std::string error;
  int open_handles = 0;
  std::chrono::steady_clock::time_point last_change = std::chrono::steady_clock::now();
  bool forced = false;
  // After a transient upload failure: not before this time; the server-side progress is kept.
  std::chrono::steady_clock::time_point retry_at{};
  int retries = 0;
  NodeId sidecar = 0;
  std::time_t created = now_time();
  // Server-side progress restored from the journal (consumed by the next upload).
  bool create_attempted = false;
  std::optional<std::string> drop_id;
  bool finished = false;
  std::map<std::string, JournalFile> restored_files;  // spool name -> progress
  // While queued/uploading: the frozen file list and the running job.
  std::vector<JournalFile> files;
  std::vector<std::shared_ptr<FileBody>> bodies;
  std::shared_ptr<UploadJob> job;
  std::vector<std::unique_ptr<SpoolSource>> sources;
  std::uint64_t bytes_total = 0;
  std::shared_ptr<std::atomic<std::uint64_t>> bytes_sent =
      std::make_shared<std::atomic<std::uint64_t>>(0);
  std::chrono::steady_clock::time_point started{};
  std::stop_source stop;
  std::shared_ptr<std::mutex> save_mutex = std::make_shared<std::mutex>();

  // Queued, uploading, or waiting to retry: its files are frozen.
  bool busy() const {
    return state == ItemState::kQueued || state == ItemState::kUploading ||
           (state == ItemState::kCollecting && retries > 0);
  }
};

struct OutboxTree::Handle {
  NodeId node = 0;
  NodeId top = 0;
  std::shared_ptr<FileBody> body;
  bool write = false;
  std::optional<std::string> content;  // NAME.error sidecars
};

class OutboxTree::SpoolSource final : public PartSource {
 public:
  explicit SpoolSource(std::shared_ptr<FileBody> body) : body_(std::move(body)) {}
  crypto::ChunkLayout layout() const override { return body_->spool->layout(); }
  crypto::DropIv file_iv() const override { return body_->spool->file_iv(); }
  void read_part(std::uint32_t index, crypto::Bytes& out) const override {
    body_->spool->read_part(index, out);  // pread on a sealed spool: no lock needed
  }

 private:
  std::shared_ptr<FileBody> body_;
};

// A removed item's unfinished server-side drop, to be deleted by an upload worker.
struct OutboxTree::Abort {
  std::string record_id = UploadJournal::new_id();  // its "abandoned" journal record
  std::shared_ptr<UploadJob> job;                   // key, drop IV, create_attempted, drop id
  // Guarded by mutex_ until a worker takes the abort.
  std::vector<std::shared_ptr<FileBody>> bodies;      // spools to discard once no upload reads
  std::vector<std::unique_ptr<SpoolSource>> sources;  // read by the cancelled upload until done
  int attempts = 0;
  std::chrono::steady_clock::time_point not_before{};
  // Orders the saves of the record (by the remover and the worker) and its removal.
  mutable std::mutex journal_mutex;
  bool closed = false;  // guarded by journal_mutex: the record is gone for good
};

namespace {

bool has_server_state(const UploadJob& job) {
  std::lock_guard lock(job.mutex);
  return job.create_attempted || job.drop_id.has_value();
}

}  // namespace

// ---- construction ----------------------------------------------------------------------------

OutboxTree::OutboxTree(api::AnonliClient& client, std::optional<VaultOwner> owner,
                       crypto::SecretBytes journal_key, UploadOptions upload, OutboxOptions options)
    : Subtree(options.read_only),
      client_(client),
      owner_(std::move(owner)),
      options_(std::move(options)),
      journal_(options_.spool_dir / "journal", std::move(journal_key)),
      engine_(client, owner_ ? &*owner_ : nullptr, upload),
      spool_path_(options_.spool_dir / "spool") {
  outbox::make_private_dir(options_.spool_dir);
  outbox::make_private_dir(spool_path_);
  auto root = std::make_unique<Node>();
  root->id = kSubtreeRoot;
  root->kind = NodeKind::kDirectory;
  root->mode = 0700;
  root->mtime = now_time();
  nodes_.emplace(kSubtreeRoot, std::move(root));
  restore();
  threads_.emplace_back([this](std::stop_token st) { scheduler_loop(st); });
  for (unsigned i = 0; i < std::max(1u, options_.upload_workers); ++i) {
    threads_.emplace_back([this](std::stop_token st) { worker_loop(st); });
  }
}

OutboxTree::~OutboxTree() {
  shutdown();
}

void OutboxTree::restore() {
  std::set<std::string> used;
  std::vector<NodeId> to_save;
  std::lock_guard lock(mutex_);
  // The unfinished drop of a removed item (or of a record dropped below): deleted by a worker.
  const auto abort_of = [&](const JournalRecord& r) {
    auto abort = std::make_shared<Abort>();
    abort->record_id = r.id;
    abort->job = std::make_shared<UploadJob>(crypto::DropKey::from_bytes(r.drop_key.view()));
    abort->job->drop_iv = r.drop_iv;
    abort->job->create_attempted = r.create_attempted;
    abort->job->drop_id = r.drop_id;
    aborts_.push_back(std::move(abort));
  };
  for (JournalRecord& r : journal_.load_all()) {
    if (r.abandoned) {
      abort_of(r);
      continue;
    }
    if (r.state == ItemState::kDone) {
      crypto::AnonLiDropLink link;
      link.base = client_.base_url();
      link.drop_id = r.drop_id.value_or("");
      link.key = r.drop_key.clone();
      try {
        sent_.push_back({r.id, r.name, crypto::build_anonli_drop_url(link), r.done_at});
      } catch (const std::exception& e) {
        spdlog::warn("outbox: journal record {} has no usable link: {}", r.id, e.what());
      }
      continue;
    }
    const bool any_sealed =
        std::any_of(r.files.begin(), r.files.end(), [](const JournalFile& f) { return f.sealed; });
    if (is_temporary_name(r.name) || !any_sealed ||
        nodes_.at(kSubtreeRoot)->children.contains(r.name)) {
      // An unfinished temporary or never-closed file: nothing promised.
      if (r.create_attempted || r.drop_id) {
        abort_of(r);
      } else {
        journal_.remove(r.id);
      }
      continue;
    }
    auto item = std::make_unique<Item>(r.id, crypto::DropKey::from_bytes(r.drop_key.view()));
    item->drop_iv = r.drop_iv;
    item->directory = r.directory;
    item->error = r.error;
    item->created = r.created;
    item->create_attempted = r.create_attempted;
    item->drop_id = r.drop_id;
    item->finished = r.finished;
    const NodeId top =
        add_node_locked(kSubtreeRoot, r.name, r.directory ? NodeKind::kDirectory : NodeKind::kFile,
                        r.directory ? 0700 : 0600);
    // Creates the directories of a relative path below the item; returns the parent of the leaf.
    const auto parent_of = [&](const std::string& path) {
      NodeId dir = top;
      std::size_t start = 0;
      for (std::size_t slash; (slash = path.find('/', start)) != std::string::npos;
           start = slash + 1) {
        const std::string seg = path.substr(start, slash - start);
        Node& d = *nodes_.at(dir);
        auto it = d.children.find(seg);
        dir = it != d.children.end() ? it->second
                                     : add_node_locked(dir, seg, NodeKind::kDirectory, 0700);
      }
      return std::make_pair(dir, path.substr(start));
    };
    for (const auto& d : r.directories) {
      const auto [dir, leaf] = parent_of(d);
      if (!leaf.empty() && !nodes_.at(dir)->children.contains(leaf)) {
        add_node_locked(dir, leaf, NodeKind::kDirectory, 0700);
      }
    }
    bool lost = false;
    for (auto& f : r.files) {
      if (!f.sealed) continue;
      NodeId id = top;
      if (r.directory) {
        const auto [dir, leaf] = parent_of(f.path);
        id = add_node_locked(dir, leaf, NodeKind::kFile, f.mode);
      }
      Node& n = *nodes_.at(id);
      n.mode = f.mode;
      n.mtime = static_cast<std::time_t>(f.mtime);
      n.body = std::make_shared<FileBody>();
      n.body->spool_name = f.spool;
      n.body->size = f.size;
      n.body->sealed = true;
      n.body->iv = f.iv;
      n.body->chunk_size = f.chunk_size;
      try {
        n.body->spool.emplace(
            UploadSpool::open_sealed(spool_path_ / f.spool, item->key, f.iv, f.size, f.chunk_size));
      } catch (const std::exception& e) {
        lost = true;
        item->error = "the spool of " + (f.path.empty() ? r.name : f.path) +
                      " is lost: " + describe_upload_error(e);
      }
      used.insert(f.spool);
      item->restored_files[f.spool] = f;
    }
    Item& it = *item;
    items_.emplace(top, std::move(item));
    if (r.state == ItemState::kFailed || lost) {
      it.state = ItemState::kFailed;
      set_error_sidecar_locked(it);
      if (lost) to_save.push_back(top);
      if (lost && it.drop_id) {
        spdlog::warn("outbox: {}: {}", r.name, it.error);
      }
    } else {
      it.state = ItemState::kQueued;
      queue_.push_back(top);
      spdlog::info("outbox: resuming the upload of {}", r.name);
    }
  }
  // Spool files of no record: writes interrupted by a crash (nothing was promised for them).
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(spool_path_, ec)) {
    if (!used.contains(entry.path().stem().string())) {
      std::filesystem::remove(entry.path(), ec);
    }
  }
}

// ---- helpers (mutex_ held) ---------------------------------------------------------------------

OutboxTree::Node& OutboxTree::node_locked(NodeId id) {
  const auto it = nodes_.find(id);
  if (it == nodes_.end()) throw VfsError(VfsErrc::kNotFound, "outbox: no such node");
  return *it->second;
}

OutboxTree::Node& OutboxTree::dir_locked(NodeId id) {
  Node& n = node_locked(id);
  if (n.kind != NodeKind::kDirectory) throw VfsError(VfsErrc::kNotDirectory, "outbox: not a dir");
  return n;
}

NodeId OutboxTree::top_of_locked(NodeId id) const {
  while (id != kSubtreeRoot) {
    const Node& n = *nodes_.at(id);
    if (n.parent == kSubtreeRoot) return id;
    id = n.parent;
  }
  throw VfsError(VfsErrc::kInvalidArgument, "outbox: the folder itself is not an item");
}

OutboxTree::Item& OutboxTree::item_of_locked(NodeId id) {
  const auto it = items_.find(top_of_locked(id));
  if (it == items_.end()) throw VfsError(VfsErrc::kNotFound, "outbox: no such item");
  return *it->second;
}

void OutboxTree::touch_locked(Item& item) {
  item.last_change = std::chrono::steady_clock::now();
}

void OutboxTree::check_writable_locked(Item& item, std::string_view what) {
  if (read_only()) refuse(what);
  if (item.busy()) {
    throw VfsError(VfsErrc::kBusy,
                   std::string("outbox: ") + std::string(what) + ": the item is being uploaded");
  }
  if (item.state == ItemState::kFailed) {  // changed again: try again once it settles
    item.state = ItemState::kCollecting;
    item.error.clear();
    if (item.sidecar != 0) {
      Node& root = *nodes_.at(kSubtreeRoot);
      root.children.erase(nodes_.at(item.sidecar)->name);
      nodes_.erase(item.sidecar);
      item.sidecar = 0;
    }
  }
  touch_locked(item);
}

NodeId OutboxTree::add_node_locked(NodeId parent, std::string name, NodeKind kind,
                                   std::uint32_t mode) {
  auto node = std::make_unique<Node>();
  node->id = next_node_++;
  node->parent = parent;
  node->name = name;
  node->kind = kind;
  node->mode = mode & 0777;
  node->mtime = now_time();
  const NodeId id = node->id;
  nodes_.at(parent)->children[std::move(name)] = id;
  nodes_.emplace(id, std::move(node));
  return id;
}

void OutboxTree::remove_subtree_locked(NodeId id, std::vector<std::shared_ptr<FileBody>>& bodies) {
  Node& n = *nodes_.at(id);
  for (const auto& [name, child] : std::map(n.children))
    remove_subtree_locked(child, bodies);
  if (n.body) bodies.push_back(n.body);
  if (auto p = nodes_.find(n.parent); p != nodes_.end()) p->second->children.erase(n.name);
  nodes_.erase(id);
}

void OutboxTree::set_error_sidecar_locked(Item& item) {
  NodeId top = 0;
  for (const auto& [id, it] : items_) {
    if (it.get() == &item) top = id;
  }
  if (top == 0 || item.sidecar != 0) return;
  const std::string name = nodes_.at(top)->name + ".error";
  if (name.size() > kMaxName || nodes_.at(kSubtreeRoot)->children.contains(name)) return;
  item.sidecar = add_node_locked(kSubtreeRoot, name, NodeKind::kFile, 0400);
  nodes_.at(item.sidecar)->sidecar_of = top;
}

void OutboxTree::discard_spools(std::vector<std::shared_ptr<FileBody>> bodies) {
  for (const auto& body : bodies) {
    std::lock_guard lock(body->mutex);
    if (body->spool) {
      body->spool->remove_files();
    } else {
      std::error_code ec;
      std::filesystem::remove(spool_path_ / (body->spool_name + ".chunks"), ec);
      std::filesystem::remove(spool_path_ / (body->spool_name + ".stage"), ec);
    }
  }
}

std::shared_ptr<OutboxTree::Abort> OutboxTree::cancel_upload_locked(NodeId top, Item& item,
                                                                    bool* running) {
  *running = false;
  std::erase(queue_, top);
  std::shared_ptr<Abort> abort;
  if (item.state == ItemState::kUploading && item.job) {
    item.stop.request_stop();
    abort = std::make_shared<Abort>();
    abort->job = item.job;
    abort->sources = std::move(item.sources);  // the running upload reads them until it returns
    cancelling_[item.job.get()] = abort;
    *running = true;
  } else if (item.create_attempted || item.drop_id) {
    abort = std::make_shared<Abort>();
    abort->job = std::make_shared<UploadJob>(item.key.clone());
    abort->job->drop_iv = item.drop_iv;
    abort->job->create_attempted = item.create_attempted;
    abort->job->drop_id = item.drop_id;
  }
  if (item.busy()) {
    item.state = ItemState::kCollecting;
    item.error.clear();
  }
  item.retries = 0;
  item.forced = false;
  item.drop_iv = crypto::generate_drop_iv();  // the next upload is a new drop
  item.create_attempted = false;
  item.drop_id.reset();
  item.finished = false;
  item.restored_files.clear();
  item.job.reset();
  item.files.clear();
  item.bodies.clear();
  item.sources.clear();
  touch_locked(item);
  changed_.notify_all();
  return abort;
}

void OutboxTree::journal_abort(const Abort& abort) {
  JournalRecord r;
  r.id = abort.record_id;
  r.state = ItemState::kFailed;
  r.abandoned = true;
  r.drop_key = crypto::SecretBytes(abort.job->key.bytes());
  r.drop_iv = abort.job->drop_iv;
  r.created = now_time();
  {
    std::lock_guard lock(abort.job->mutex);
    r.create_attempted = abort.job->create_attempted;
    r.drop_id = abort.job->drop_id;
  }
  std::lock_guard lock(abort.journal_mutex);
  if (abort.closed) return;
  try {
    journal_.save(r);
  } catch (const std::exception& e) {
    spdlog::error("outbox: cannot write the journal: {}", e.what());
  }
}

void OutboxTree::queue_abort(std::shared_ptr<Abort> abort) {
  {
    std::lock_guard lock(mutex_);
    aborts_.push_back(std::move(abort));
  }
  changed_.notify_all();
}

void OutboxTree::run_abort(std::shared_ptr<Abort> abort) {
  std::vector<std::shared_ptr<FileBody>> bodies;
  std::vector<std::unique_ptr<SpoolSource>> sources;
  {
    std::lock_guard lock(mutex_);
    bodies.swap(abort->bodies);
    sources.swap(abort->sources);
  }
  sources.clear();
  discard_spools(std::move(bodies));
  if (has_server_state(*abort->job)) journal_abort(*abort);
  {
    // Removed before its link was delivered: delete the drop even if it was finished.
    std::lock_guard lock(abort->job->mutex);
    abort->job->finished = false;
  }
  if (engine_.abandon(*abort->job, abort_stop_.get_token())) {
    std::lock_guard lock(abort->journal_mutex);
    journal_.remove(abort->record_id);
    abort->closed = true;
    return;
  }
  spdlog::warn(
      "outbox: cannot delete the unfinished drop of a removed item yet; trying again in "
      "{} s (or on the next mount)",
      options_.retry_delay.count());
  {
    std::lock_guard lock(mutex_);
    ++abort->attempts;
    abort->not_before = std::chrono::steady_clock::now() + options_.retry_delay;
    aborts_.push_back(std::move(abort));
  }
  changed_.notify_all();
}

void OutboxTree::after_removal(std::shared_ptr<Abort> abort, bool running,
                               const std::shared_ptr<std::mutex>& serial,
                               const std::optional<std::string>& forget) {
  // The abandoned record first: a crash in between keeps the promise to delete the drop.
  if (abort && has_server_state(*abort->job)) journal_abort(*abort);
  if (forget) {
    std::lock_guard order(*serial);  // after any save of the item in flight
    journal_.remove(*forget);
  }
  if (abort && !running) queue_abort(std::move(abort));
}

NodeInfo OutboxTree::info_locked(const Node& n) const {
  NodeInfo info;
  info.id = n.id;
  info.kind = n.kind;
  info.mode = n.mode;
  info.mtime = n.mtime;
  info.ttl = std::chrono::duration<double>(0);
  if (n.body) info.size = n.body->size;
  if (n.sidecar_of != 0) {
    const auto it = items_.find(n.sidecar_of);
    info.size = it == items_.end() ? 0 : it->second->error.size() + 1;
  }
  return info;
}

// ---- journal -------------------------------------------------------------------------------

JournalRecord OutboxTree::record_locked(const Item& item) const {
  NodeId top = 0;
  for (const auto& [id, it] : items_) {
    if (it.get() == &item) top = id;
  }
  JournalRecord r;
  r.id = item.record_id;
  r.name = nodes_.at(top)->name;
  r.directory = item.directory;
  r.state = item.state;
  r.drop_key = crypto::SecretBytes(item.key.bytes());
  r.drop_iv = item.drop_iv;
  r.error = item.error;
  r.created = item.created;
  if (item.job) {  // the running (or last) upload: its progress (job.mutex held by the caller)
    r.create_attempted = item.job->create_attempted;
    r.drop_id = item.job->drop_id;
    r.finished = item.job->finished;
    r.files = item.files;
    for (std::size_t i = 0; i < r.files.size() && i < item.job->files.size(); ++i) {
      const UploadJobFile& jf = item.job->files[i];
      r.files[i].file_id = jf.file_id;
      r.files[i].s3_upload_id = jf.s3_upload_id;
      r.files[i].upload_urls = jf.upload_urls;
      r.files[i].etags = jf.etags;
    }
    return r;
  }
  r.create_attempted = item.create_attempted;
  r.drop_id = item.drop_id;
  r.finished = item.finished;
  // Walk the item: every sealed file, every directory.
  const std::function<void(NodeId, const std::string&)> walk = [&](NodeId id,
                                                                   const std::string& path) {
    const Node& n = *nodes_.at(id);
    if (n.kind == NodeKind::kDirectory) {
      if (!path.empty()) r.directories.push_back(path);
      for (const auto& [name, child] : n.children)
        walk(child, path.empty() ? name : path + "/" + name);
      return;
    }
    if (!n.body || !n.body->sealed) return;
    JournalFile f;
    if (const auto p = item.restored_files.find(n.body->spool_name);
        p != item.restored_files.end()) {
      f = p->second;
    }
    f.path = path;
    f.spool = n.body->spool_name;
    f.iv = n.body->iv;
    f.size = n.body->size;
    f.chunk_size = n.body->chunk_size;
    f.mode = n.mode;
    f.mtime = n.mtime;
    f.sealed = true;
    r.files.push_back(std::move(f));
  };
  walk(top, "");
  return r;
}

void OutboxTree::save_item(NodeId top) {
  std::shared_ptr<std::mutex> serial;
  {
    std::lock_guard lock(mutex_);
    const auto it = items_.find(top);
    if (it == items_.end()) return;
    serial = it->second->save_mutex;
  }
  std::lock_guard order(*serial);
  JournalRecord record;
  {
    std::lock_guard lock(mutex_);
    const auto it = items_.find(top);
    if (it == items_.end()) return;
    record = record_locked(*it->second);
  }
  try {
    journal_.save(record);
  } catch (const std::exception& e) {
    spdlog::error("outbox: cannot write the journal: {}", e.what());
  }
}

void OutboxTree::seal_body(FileBody& body) {
  bool sealed = false;
  crypto::DropIv iv{};
  std::uint64_t size = 0;
  {
    std::lock_guard lock(body.mutex);
    if (!body.spool) return;
    try {
      body.spool->seal();
      sealed = true;
    } catch (const VfsError& e) {
      if (e.code() != VfsErrc::kInvalidArgument) throw;  // empty: not uploadable, not an I/O error
    }
    iv = body.spool->file_iv();
    size = body.spool->size();
  }
  std::lock_guard lock(mutex_);
  body.sealed = sealed;
  body.dirty = false;
  body.iv = iv;
  body.size = size;
}

// ---- Subtree: reading ------------------------------------------------------------------------

NodeInfo OutboxTree::getattr(NodeId id) {
  std::lock_guard lock(mutex_);
  return info_locked(node_locked(id));
}

NodeInfo OutboxTree::lookup(NodeId parent, std::string_view name) {
  std::lock_guard lock(mutex_);
  const Node& dir = dir_locked(parent);
  const auto it = dir.children.find(name);
  if (it == dir.children.end()) throw VfsError(VfsErrc::kNotFound, "outbox: no such entry");
  return info_locked(*nodes_.at(it->second));
}

std::vector<SubtreeEntry> OutboxTree::readdir(NodeId id) {
  std::lock_guard lock(mutex_);
  const Node& dir = dir_locked(id);
  std::vector<SubtreeEntry> out;
  for (const auto& [name, child] : dir.children)
    out.push_back({name, info_locked(*nodes_.at(child))});
  return out;
}

OpenedFile OutboxTree::open(NodeId id, OpenMode mode) {
  std::shared_ptr<FileBody> body;
  std::uint64_t handle = 0;
  {
    std::lock_guard lock(mutex_);
    Node& n = node_locked(id);
    if (n.kind == NodeKind::kDirectory) throw VfsError(VfsErrc::kIsDirectory, "outbox: a dir");
    handle = next_handle_++;
    if (n.sidecar_of != 0) {
      if (mode.write || mode.truncate) refuse("write NAME.error");
      const auto it = items_.find(n.sidecar_of);
      Handle h;
      h.node = id;
      h.content = (it == items_.end() ? std::string() : it->second->error) + "\n";
      handles_.emplace(handle, std::move(h));
      return {handle, true, false};
    }
    Item& item = item_of_locked(id);
    const bool writing = mode.write || mode.truncate;
    if (writing) check_writable_locked(item, "open for writing");
    ++item.open_handles;
    Handle h;
    h.node = id;
    h.top = top_of_locked(id);
    h.body = n.body;
    h.write = writing;
    if (writing) {
      ++n.body->open_writers;
      n.body->dirty = n.body->dirty || mode.truncate;
    }
    body = n.body;
    handles_.emplace(handle, std::move(h));
  }
  if (mode.truncate) {
    std::lock_guard lock(body->mutex);
    if (!body->spool) throw VfsError(VfsErrc::kIo, "outbox: the spool of this file is lost");
    body->spool->truncate(0);
    std::lock_guard tree(mutex_);
    body->size = 0;
    body->sealed = false;
  }
  return {handle, false, false};
}

std::size_t OutboxTree::read(std::uint64_t handle, std::uint64_t offset,
                             std::span<std::uint8_t> out) {
  std::shared_ptr<FileBody> body;
  {
    std::lock_guard lock(mutex_);
    const auto it = handles_.find(handle);
    if (it == handles_.end()) throw VfsError(VfsErrc::kInvalidArgument, "outbox: bad handle");
    if (it->second.content) {
      const std::string& c = *it->second.content;
      if (offset >= c.size()) return 0;
      const std::size_t n = std::min<std::size_t>(out.size(), c.size() - offset);
      std::copy_n(c.data() + offset, n, out.data());
      return n;
    }
    body = it->second.body;
  }
  std::lock_guard lock(body->mutex);
  if (!body->spool) throw VfsError(VfsErrc::kIo, "outbox: the spool of this file is lost");
  return body->spool->read(offset, out);
}

void OutboxTree::release(std::uint64_t handle) {
  Handle h;
  bool seal = false;
  {
    std::lock_guard lock(mutex_);
    const auto it = handles_.find(handle);
    if (it == handles_.end()) return;
    h = std::move(it->second);
    handles_.erase(it);
    if (h.content) return;
    if (const auto item = items_.find(h.top); item != items_.end()) {
      --item->second->open_handles;
      touch_locked(*item->second);
    }
    if (h.write) {
      --h.body->open_writers;
      seal = h.body->open_writers == 0 && h.body->dirty;
    }
  }
  if (!seal) return;
  try {
    seal_body(*h.body);
  } catch (const std::exception& e) {
    spdlog::error("outbox: sealing a file failed: {}", e.what());
    return;
  }
  save_item(h.top);
}

// The kernel sends FLUSH at close(2) and waits for it, but RELEASE only afterwards and without
// waiting: a kill -9 between the two would otherwise leave a file whose cp had succeeded
// unsealed, and the next mount drops unsealed files (docs/design.md, Journal and crash recovery).
void OutboxTree::flush(std::uint64_t handle) {
  std::shared_ptr<FileBody> body;
  NodeId top = 0;
  {
    std::lock_guard lock(mutex_);
    const auto it = handles_.find(handle);
    if (it == handles_.end() || it->second.content || !it->second.write) return;
    const Handle& h = it->second;
    if (h.body->open_writers != 1 || !h.body->dirty) return;  // others still write: release seals
    body = h.body;
    top = h.top;
  }
  try {
    seal_body(*body);
  } catch (const std::exception& e) {
    spdlog::error("outbox: sealing a file failed: {}", e.what());
    return;
  }
  save_item(top);
}

// ---- Subtree: writing ------------------------------------------------------------------------

std::size_t OutboxTree::write(std::uint64_t handle, std::uint64_t offset,
                              std::span<const std::uint8_t> data) {
  std::shared_ptr<FileBody> body;
  {
    std::lock_guard lock(mutex_);
    const auto it = handles_.find(handle);
    if (it == handles_.end()) throw VfsError(VfsErrc::kInvalidArgument, "outbox: bad handle");
    if (!it->second.write || it->second.content) {
      throw VfsError(VfsErrc::kAccessDenied, "outbox: not open for writing");
    }
    const auto owner = items_.find(it->second.top);
    if (owner == items_.end()) throw VfsError(VfsErrc::kNotFound, "outbox: the item is gone");
    check_writable_locked(*owner->second, "write");
    body = it->second.body;
    body->dirty = true;
  }
  std::uint64_t size = 0;
  {
    std::lock_guard lock(body->mutex);
    if (!body->spool) throw VfsError(VfsErrc::kIo, "outbox: the spool of this file is lost");
    body->spool->write(offset, data);
    size = body->spool->size();
  }
  std::lock_guard lock(mutex_);
  body->size = size;
  body->sealed = false;
  return data.size();
}

void OutboxTree::fsync(std::uint64_t handle) {
  NodeId top = 0;
  std::shared_ptr<FileBody> body;
  bool wait = false;
  {
    std::lock_guard lock(mutex_);
    const auto it = handles_.find(handle);
    if (it == handles_.end() || it->second.content) return;
    top = it->second.top;
    body = it->second.body;
    const auto owner = items_.find(top);
    if (owner == items_.end()) return;
    const Item& item = *owner->second;
    // A top-level file at its final name is complete when fsynced: upload it now and wait.
    wait = it->second.node == top && !item.directory && !is_temporary_name(nodes_.at(top)->name);
  }
  bool dirty = false;
  {
    std::lock_guard lock(mutex_);
    dirty = body->dirty || !body->sealed;
  }
  if (dirty) seal_body(*body);
  save_item(top);
  if (!wait) return;
  std::unique_lock lock(mutex_);
  if (const auto it = items_.find(top); it != items_.end()) {
    it->second->forced = true;
    touch_locked(*it->second);
  }
  changed_.notify_all();
  changed_.wait(lock, [&] {
    const auto it = items_.find(top);
    return it == items_.end() || it->second->state == ItemState::kFailed ||
           it->second->state == ItemState::kDone || stopping_;
  });
  const auto it = items_.find(top);
  if (it != items_.end() && it->second->state == ItemState::kFailed) {
    throw VfsError(VfsErrc::kIo, "outbox: upload failed: " + it->second->error);
  }
}

std::pair<NodeInfo, OpenedFile> OutboxTree::create(NodeId parent, std::string_view name,
                                                   std::uint32_t mode, OpenMode open_mode) {
  check_name(name);
  if (read_only()) refuse("create");
  std::shared_ptr<FileBody> body = std::make_shared<FileBody>();
  body->chunk_size = options_.chunk_size;
  std::optional<crypto::DropKey> key;
  NodeId id = 0;
  NodeId top = 0;
  std::uint64_t handle = 0;
  {
    std::lock_guard lock(mutex_);
    Node& dir = dir_locked(parent);
    if (dir.children.contains(name)) throw VfsError(VfsErrc::kExists, "outbox: exists");
    Item* item = nullptr;
    if (parent == kSubtreeRoot) {
      auto fresh = std::make_unique<Item>(UploadJournal::new_id(), crypto::DropKey::generate());
      id = add_node_locked(parent, std::string(name), NodeKind::kFile, mode);
      item = fresh.get();
      items_.emplace(id, std::move(fresh));
      top = id;
    } else {
      item = &item_of_locked(parent);
      check_writable_locked(*item, "create");
      id = add_node_locked(parent, std::string(name), NodeKind::kFile, mode);
      top = top_of_locked(id);
    }
    key = item->key.clone();
    body->spool_name = item->record_id + "-" + std::to_string(id);
    body->dirty = true;
    body->open_writers = 1;
    nodes_.at(id)->body = body;
    ++item->open_handles;
    touch_locked(*item);
    handle = next_handle_++;
    handles_.emplace(handle, Handle{id, top, body, true, std::nullopt});
  }
  {
    std::lock_guard lock(body->mutex);
    body->spool.emplace(spool_path_ / body->spool_name, *key, options_.chunk_size);
    body->iv = body->spool->file_iv();
  }
  (void)open_mode;
  std::lock_guard lock(mutex_);
  return {info_locked(*nodes_.at(id)), OpenedFile{handle, false, false}};
}

NodeInfo OutboxTree::mkdir(NodeId parent, std::string_view name, std::uint32_t mode) {
  check_name(name);
  if (read_only()) refuse("mkdir");
  NodeId top = 0;
  {
    std::lock_guard lock(mutex_);
    Node& dir = dir_locked(parent);
    if (dir.children.contains(name)) throw VfsError(VfsErrc::kExists, "outbox: exists");
    NodeId id = 0;
    if (parent == kSubtreeRoot) {
      auto fresh = std::make_unique<Item>(UploadJournal::new_id(), crypto::DropKey::generate());
      fresh->directory = true;
      id = add_node_locked(parent, std::string(name), NodeKind::kDirectory, mode);
      items_.emplace(id, std::move(fresh));
      return info_locked(*nodes_.at(id));
    }
    Item& item = item_of_locked(parent);
    check_writable_locked(item, "mkdir");
    id = add_node_locked(parent, std::string(name), NodeKind::kDirectory, mode);
    top = top_of_locked(id);
  }
  save_item(top);
  std::lock_guard lock(mutex_);
  return info_locked(*nodes_.at(nodes_.at(parent)->children.at(std::string(name))));
}

void OutboxTree::unlink(NodeId parent, std::string_view name) {
  if (read_only()) refuse("unlink");
  std::vector<std::shared_ptr<FileBody>> bodies;
  std::optional<std::string> forget;
  std::shared_ptr<std::mutex> serial;
  std::shared_ptr<Abort> abort;
  bool running = false;
  NodeId top = 0;
  {
    std::lock_guard lock(mutex_);
    Node& dir = dir_locked(parent);
    const auto it = dir.children.find(name);
    if (it == dir.children.end()) throw VfsError(VfsErrc::kNotFound, "outbox: no such entry");
    const NodeId id = it->second;
    Node& n = *nodes_.at(id);
    if (n.kind == NodeKind::kDirectory) throw VfsError(VfsErrc::kIsDirectory, "outbox: a dir");
    if (n.sidecar_of != 0) refuse("unlink NAME.error (remove the item instead)");
    if (parent == kSubtreeRoot) {
      Item& item = *items_.at(id);
      abort = cancel_upload_locked(id, item, &running);
      if (item.sidecar != 0) remove_subtree_locked(item.sidecar, bodies);
      forget = item.record_id;
      serial = item.save_mutex;
      items_.erase(id);
    } else {
      top = top_of_locked(parent);
      Item& item = item_of_locked(parent);
      if (item.busy()) abort = cancel_upload_locked(top, item, &running);  // starts over
      check_writable_locked(item, "unlink");
    }
    remove_subtree_locked(id, bodies);
    if (running) {  // the cancelled upload may still read them
      std::move(bodies.begin(), bodies.end(), std::back_inserter(abort->bodies));
      bodies.clear();
    }
    changed_.notify_all();
  }
  after_removal(std::move(abort), running, serial, forget);
  discard_spools(std::move(bodies));
  if (top != 0) save_item(top);
}

void OutboxTree::rmdir(NodeId parent, std::string_view name) {
  if (read_only()) refuse("rmdir");
  std::optional<std::string> forget;
  std::shared_ptr<std::mutex> serial;
  std::shared_ptr<Abort> abort;
  bool running = false;
  std::vector<std::shared_ptr<FileBody>> bodies;
  NodeId top = 0;
  {
    std::lock_guard lock(mutex_);
    Node& dir = dir_locked(parent);
    const auto it = dir.children.find(name);
    if (it == dir.children.end()) throw VfsError(VfsErrc::kNotFound, "outbox: no such entry");
    const NodeId id = it->second;
    Node& n = dir_locked(id);
    if (!n.children.empty()) throw VfsError(VfsErrc::kNotEmpty, "outbox: not empty");
    if (parent == kSubtreeRoot) {
      Item& item = *items_.at(id);
      abort = cancel_upload_locked(id, item, &running);
      if (item.sidecar != 0) remove_subtree_locked(item.sidecar, bodies);
      forget = item.record_id;
      serial = item.save_mutex;
      items_.erase(id);
    } else {
      top = top_of_locked(parent);
      Item& item = item_of_locked(parent);
      if (item.busy()) abort = cancel_upload_locked(top, item, &running);  // starts over
      check_writable_locked(item, "rmdir");
    }
    remove_subtree_locked(id, bodies);
    changed_.notify_all();
  }
  after_removal(std::move(abort), running, serial, forget);
  discard_spools(std::move(bodies));
  if (top != 0) save_item(top);
}

void OutboxTree::rename(NodeId parent, std::string_view name, NodeId new_parent,
                        std::string_view new_name, bool no_replace) {
  check_name(new_name);
  if (read_only()) refuse("rename");
  std::vector<std::shared_ptr<FileBody>> bodies;
  std::optional<std::string> forget;
  NodeId top = 0;
  {
    std::lock_guard lock(mutex_);
    Node& from = dir_locked(parent);
    Node& to = dir_locked(new_parent);
    const auto src = from.children.find(name);
    if (src == from.children.end()) throw VfsError(VfsErrc::kNotFound, "outbox: no such entry");
    const NodeId id = src->second;
    if (nodes_.at(id)->sidecar_of != 0) refuse("rename NAME.error");
    const bool top_level = parent == kSubtreeRoot;
    if (top_level != (new_parent == kSubtreeRoot)) {
      throw VfsError(VfsErrc::kCrossDevice, "outbox: moving between items");
    }
    if (!top_level && top_of_locked(parent) != top_of_locked(new_parent)) {
      throw VfsError(VfsErrc::kCrossDevice, "outbox: moving between items");
    }
    if (parent == new_parent && name == new_name) return;
    Item& item = top_level ? *items_.at(id) : item_of_locked(parent);
    check_writable_locked(item, "rename");
    if (const auto dst = to.children.find(new_name); dst != to.children.end()) {
      if (no_replace) throw VfsError(VfsErrc::kExists, "outbox: exists");
      const NodeId victim = dst->second;
      Node& v = *nodes_.at(victim);
      if (v.sidecar_of != 0) refuse("replace NAME.error");
      if (v.kind == NodeKind::kDirectory && !v.children.empty()) {
        throw VfsError(VfsErrc::kNotEmpty, "outbox: target not empty");
      }
      if ((v.kind == NodeKind::kDirectory) != (nodes_.at(id)->kind == NodeKind::kDirectory)) {
        throw VfsError(
            v.kind == NodeKind::kDirectory ? VfsErrc::kIsDirectory : VfsErrc::kNotDirectory,
            "outbox: rename between a file and a directory");
      }
      if (top_level) {
        Item& gone = *items_.at(victim);
        if (gone.state == ItemState::kQueued || gone.state == ItemState::kUploading) {
          throw VfsError(VfsErrc::kBusy, "outbox: the target is being uploaded");
        }
        if (gone.sidecar != 0) remove_subtree_locked(gone.sidecar, bodies);
        forget = gone.record_id;
        items_.erase(victim);
      }
      remove_subtree_locked(victim, bodies);
    }
    Node& n = *nodes_.at(id);
    nodes_.at(parent)->children.erase(n.name);
    n.parent = new_parent;
    n.name = std::string(new_name);
    nodes_.at(new_parent)->children[n.name] = id;
    top = top_of_locked(id);
    changed_.notify_all();
  }
  if (forget) journal_.remove(*forget);
  discard_spools(std::move(bodies));
  save_item(top);
}

NodeInfo OutboxTree::setattr(NodeId id, const SetAttr& changes) {
  std::shared_ptr<FileBody> body;
  bool reseal = false;
  {
    std::lock_guard lock(mutex_);
    Node& n = node_locked(id);
    if (id == kSubtreeRoot || n.sidecar_of != 0) {
      if (changes.size) refuse("truncate");
      return info_locked(n);
    }
    Item& item = item_of_locked(id);
    const bool busy = item.state == ItemState::kQueued || item.state == ItemState::kUploading;
    if (changes.size) {
      if (n.kind == NodeKind::kDirectory) throw VfsError(VfsErrc::kIsDirectory, "outbox: a dir");
      check_writable_locked(item, "truncate");
      body = n.body;
      body->dirty = true;
      reseal = body->open_writers == 0;
    } else if (!busy) {
      touch_locked(item);
    }
    if (changes.mode) n.mode = *changes.mode & 0777;
    if (changes.mtime) n.mtime = *changes.mtime;
  }
  if (body) {
    std::uint64_t size = 0;
    {
      std::lock_guard lock(body->mutex);
      if (!body->spool) throw VfsError(VfsErrc::kIo, "outbox: the spool of this file is lost");
      body->spool->truncate(*changes.size);
      size = body->spool->size();
    }
    {
      std::lock_guard lock(mutex_);
      body->size = size;
      body->sealed = false;
    }
    if (reseal) seal_body(*body);
  }
  NodeId top = 0;
  {
    std::lock_guard lock(mutex_);
    top = top_of_locked(id);
  }
  save_item(top);
  std::lock_guard lock(mutex_);
  return info_locked(node_locked(id));
}

// ---- background --------------------------------------------------------------------------------

void OutboxTree::scheduler_loop(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  while (!stop.stop_requested()) {
    const auto now = std::chrono::steady_clock::now();
    std::vector<NodeId> ready;
    for (auto& [top, item] : items_) {
      if (item->state != ItemState::kCollecting) continue;
      if (is_temporary_name(nodes_.at(top)->name)) continue;
      if (item->retries > 0 && now < item->retry_at) continue;
      const bool settled = item->open_handles == 0 && now - item->last_change >= options_.settle;
      if (!settled && !item->forced) continue;
      // Every file of the item must be closed and sealed (or empty).
      bool complete = true;
      const bool forced = item->forced;  // clang 14 cannot capture a structured binding
      std::function<void(NodeId)> check = [&](NodeId id) {
        const Node& n = *nodes_.at(id);
        for (const auto& [name, child] : n.children)
          check(child);
        if (n.body && (n.body->dirty || (n.body->open_writers > 0 && !forced))) {
          complete = false;
        }
      };
      check(top);
      if (!complete) continue;
      item->state = ItemState::kQueued;
      item->forced = false;
      queue_.push_back(top);
      ready.push_back(top);
    }
    if (!ready.empty()) {
      lock.unlock();
      for (NodeId top : ready)
        save_item(top);
      lock.lock();
      changed_.notify_all();
    }
    changed_.wait_for(lock, std::chrono::milliseconds(100));
  }
}

void OutboxTree::worker_loop(std::stop_token) {
  for (;;) {
    NodeId top = 0;
    std::shared_ptr<Abort> abort;
    {
      std::unique_lock lock(mutex_);
      for (;;) {
        const auto now = std::chrono::steady_clock::now();
        // New aborts first (also when stopping); failed ones again after their delay.
        const auto due = std::find_if(aborts_.begin(), aborts_.end(), [&](const auto& a) {
          return a->attempts == 0 || (!stopping_ && a->not_before <= now);
        });
        if (due != aborts_.end()) {
          abort = std::move(*due);
          aborts_.erase(due);
          break;
        }
        const bool leave = stopping_ && options_.lazy_upload;
        if (!queue_.empty() && !leave) {
          top = queue_.front();
          queue_.erase(queue_.begin());
          break;
        }
        if (stopping_) return;
        if (aborts_.empty()) {
          changed_.wait(lock);
        } else {
          changed_.wait_for(lock, std::chrono::seconds(1));
        }
      }
    }
    if (abort) {
      run_abort(std::move(abort));
    } else {
      upload_item(top);
    }
  }
}

void OutboxTree::upload_item(NodeId top) {
  std::shared_ptr<UploadJob> job;
  std::shared_ptr<std::atomic<std::uint64_t>> sent;  // the item may be removed meanwhile
  std::string name;
  std::stop_token cancel;
  std::string failure;
  {
    std::lock_guard lock(mutex_);
    const auto found = items_.find(top);
    if (found == items_.end() || found->second->state != ItemState::kQueued) return;
    Item& item = *found->second;
    name = nodes_.at(top)->name;
    // The frozen file list: final names only; empty files of a folder are skipped.
    std::vector<std::pair<std::string, NodeId>> files;
    std::function<void(NodeId, const std::string&)> walk = [&](NodeId id, const std::string& p) {
      const Node& n = *nodes_.at(id);
      if (n.kind == NodeKind::kDirectory) {
        for (const auto& [child_name, child] : n.children) {
          if (!is_temporary_name(child_name))
            walk(child, p.empty() ? child_name : p + "/" + child_name);
        }
      } else if (n.body && (n.body->size > 0 || !item.directory)) {
        files.emplace_back(p, id);
      }
    };
    walk(top, "");
    if (files.empty()) {
      failure = item.directory ? "nothing to upload: the folder holds no non-empty file"
                               : "empty file: the service cannot store 0-byte files";
    } else if (files.size() > kMaxFilesPerDrop) {
      failure = "more than 50 files (" + std::to_string(files.size()) +
                "): a drop holds at most 50; split the folder";
    } else if (files.size() == 1 && !item.directory && nodes_.at(top)->body->size == 0) {
      failure = "empty file: the service cannot store 0-byte files";
    }
    for (const auto& [path, id] : files) {
      if (failure.empty() && !nodes_.at(id)->body->sealed) {
        failure = "the spool of " + (path.empty() ? name : path) + " is not complete";
      }
    }
    if (!failure.empty()) {
      item.state = ItemState::kFailed;
      item.error = failure;
      set_error_sidecar_locked(item);
    } else {
      job = std::make_shared<UploadJob>(item.key.clone());
      job->drop_iv = item.drop_iv;
      job->title = name;
      job->create_attempted = item.create_attempted;
      job->drop_id = item.drop_id;
      job->finished = item.finished;
      item.files.clear();
      item.bodies.clear();
      item.sources.clear();
      item.bytes_total = 0;
      for (const auto& [path, id] : files) {
        const Node& n = *nodes_.at(id);
        JournalFile f;
        if (const auto p = item.restored_files.find(n.body->spool_name);
            p != item.restored_files.end()) {
          f = p->second;
        }
        f.path = path;
        f.spool = n.body->spool_name;
        f.iv = n.body->iv;
        f.size = n.body->size;
        f.chunk_size = n.body->chunk_size;
        f.mode = n.mode;
        f.mtime = n.mtime;
        f.sealed = true;
        item.sources.push_back(std::make_unique<SpoolSource>(n.body));
        UploadJobFile jf;
        jf.name = path.empty() ? name : path;
        jf.mime_type = guess_mime_type(jf.name);
        jf.source = item.sources.back().get();
        jf.file_id = f.file_id;
        jf.s3_upload_id = f.s3_upload_id;
        jf.upload_urls = f.upload_urls;
        jf.etags = f.etags;
        item.bytes_total += plan_upload_layout(f.size, f.chunk_size).ciphertext_size;
        job->files.push_back(std::move(jf));
        item.files.push_back(std::move(f));
        item.bodies.push_back(n.body);
      }
      item.job = job;
      item.state = ItemState::kUploading;
      item.bytes_sent->store(0);
      sent = item.bytes_sent;
      item.started = std::chrono::steady_clock::now();
      item.stop = std::stop_source();
      cancel = item.stop.get_token();
    }
  }
  save_item(top);
  if (!failure.empty()) {
    spdlog::warn("outbox: {} cannot be uploaded: {}", name, failure);
    changed_.notify_all();
    return;
  }

  std::optional<crypto::SecretBytes> result;
  std::exception_ptr error;
  try {
    result = engine_.run(
        *job, [this, top](const UploadJob&) { save_item(top); },
        [sent](std::uint64_t n) { sent->fetch_add(n); }, cancel);
  } catch (...) {
    error = std::current_exception();
  }
  // Removed (or changed) while it ran: its drop goes, whatever the outcome.
  std::shared_ptr<Abort> removed;
  {
    std::lock_guard lock(mutex_);
    if (const auto c = cancelling_.find(job.get()); c != cancelling_.end()) {
      removed = std::move(c->second);
      cancelling_.erase(c);
    }
  }
  if (removed) {
    spdlog::info("outbox: the upload of {} was cancelled (removed or changed)", name);
    run_abort(std::move(removed));
    changed_.notify_all();
    return;
  }
  try {
    if (error) std::rethrow_exception(error);
    crypto::SecretBytes url = std::move(*result);
    std::vector<std::shared_ptr<FileBody>> bodies;
    JournalRecord done;
    std::string display;
    {
      std::lock_guard job_lock(job->mutex);  // lock order: job -> mutex_
      std::lock_guard lock(mutex_);
      Item& item = *items_.at(top);
      item.state = ItemState::kDone;
      done = record_locked(item);
      done.files.clear();
      done.directories.clear();
      done.done_at = now_time();
      name = nodes_.at(top)->name;
      sent_.push_back({item.record_id, name, url.clone(), done.done_at});
      remove_subtree_locked(top, bodies);
      items_.erase(top);
    }
    try {
      journal_.save(done);
    } catch (const std::exception& e) {
      spdlog::error("outbox: cannot write the journal: {}", e.what());
    }
    discard_spools(std::move(bodies));
    const std::string text(url.str());
    spdlog::info("outbox: {} → {}#… (link in sent/{}.link)", name, text.substr(0, text.find('#')),
                 name);
    if (::isatty(STDOUT_FILENO) == 1) {
      std::printf("%s → %s\n", name.c_str(), text.c_str());
      std::fflush(stdout);
    }
  } catch (const VfsError& e) {
    if (e.code() != VfsErrc::kCancelled)
      throw;  // the engine turns every other error into UploadFailure
    std::lock_guard lock(mutex_);
    if (auto it = items_.find(top); it != items_.end()) it->second->state = ItemState::kQueued;
    spdlog::info("outbox: upload of {} left for the next mount", name);
  } catch (const UploadFailure& e) {
    if (e.permanent()) {
      fail_item(top, name, e);
    } else {
      // A lasting network problem: keep the drop and the progress, try again later.
      std::chrono::seconds delay{0};
      {
        std::lock_guard job_lock(job->mutex);  // lock order: job -> mutex_
        std::lock_guard lock(mutex_);
        if (auto it = items_.find(top); it != items_.end()) {
          Item& item = *it->second;
          item.create_attempted = job->create_attempted;
          item.drop_id = job->drop_id;
          item.finished = job->finished;
          for (std::size_t i = 0; i < item.files.size() && i < job->files.size(); ++i) {
            JournalFile f = item.files[i];
            f.file_id = job->files[i].file_id;
            f.s3_upload_id = job->files[i].s3_upload_id;
            f.upload_urls = job->files[i].upload_urls;
            f.etags = job->files[i].etags;
            item.restored_files[f.spool] = std::move(f);
          }
          delay = std::min<std::chrono::seconds>(
              options_.retry_delay * (1 << std::min(item.retries, 5)), std::chrono::seconds(600));
          ++item.retries;
          item.retry_at = std::chrono::steady_clock::now() + delay;
          item.state = ItemState::kCollecting;
          item.error = describe_upload_error(e);
          item.job.reset();
        }
      }
      spdlog::warn("outbox: {}: {}; retrying in {} s", name, describe_upload_error(e),
                   delay.count());
      save_item(top);
    }
  } catch (const std::exception& e) {
    fail_item(top, name, e);
  }
  std::lock_guard lock(mutex_);
  if (auto it = items_.find(top); it != items_.end() && it->second->state == ItemState::kFailed) {
    it->second->job.reset();
  }
  changed_.notify_all();
}

void OutboxTree::fail_item(NodeId top, const std::string& name, const std::exception& e) {
  {
    std::lock_guard lock(mutex_);
    if (auto it = items_.find(top); it != items_.end()) {
      it->second->state = ItemState::kFailed;
      it->second->retries = 0;
      it->second->error = describe_upload_error(e);
      set_error_sidecar_locked(*it->second);
      // The drop is gone (the engine deleted it): a retry starts from scratch.
      it->second->create_attempted = false;
      it->second->drop_id.reset();
      it->second->restored_files.clear();
    }
  }
  spdlog::warn("outbox: {} failed: {}", name, describe_upload_error(e));
  save_item(top);
}

void OutboxTree::shutdown() {
  std::vector<NodeId> promoted;
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
    if (options_.lazy_upload) {
      for (auto& [top, item] : items_)
        item->stop.request_stop();
      abort_stop_.request_stop();  // abandoned drops: deleted on the next mount
    } else {
      // Unmounted: nothing is open any more, every finished item goes now.
      for (auto& [top, item] : items_) {
        if (item->state == ItemState::kCollecting && !is_temporary_name(nodes_.at(top)->name)) {
          bool complete = true;
          for (const auto& [id, n] : nodes_) {
            if (n->body && n->body->dirty && top_of_locked(id) == top) complete = false;
          }
          if (!complete) continue;
          item->state = ItemState::kQueued;
          queue_.push_back(top);
          promoted.push_back(top);
        }
      }
    }
    const std::size_t n = queue_.size() + std::count_if(items_.begin(), items_.end(), [](auto& i) {
                            return i.second->state == ItemState::kUploading;
                          });
    if (n > 0) {
      if (options_.lazy_upload) {
        spdlog::info("outbox: {} upload(s) pending; left for the next mount (lazy_upload)", n);
      } else {
        spdlog::info("outbox: waiting for {} pending upload(s) to finish", n);
      }
    }
  }
  for (NodeId top : promoted)
    save_item(top);
  changed_.notify_all();
  for (auto& t : threads_) {
    t.request_stop();
  }
  changed_.notify_all();
  threads_.clear();  // joins
}

std::size_t OutboxTree::pending() const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& [top, item] : items_) {
    if (item->state != ItemState::kFailed && !is_temporary_name(nodes_.at(top)->name)) ++n;
  }
  return n;
}

bool OutboxTree::wait_idle(std::chrono::milliseconds limit) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, limit, [&] {
    return std::none_of(items_.begin(), items_.end(), [&](const auto& i) {
      return i.second->state != ItemState::kFailed && !is_temporary_name(nodes_.at(i.first)->name);
    });
  });
}

std::string OutboxTree::status_text() const {
  std::lock_guard lock(mutex_);
  nlohmann::json items = nlohmann::json::array();
  const auto now = std::chrono::steady_clock::now();
  for (const auto& [top, item] : items_) {
    const Node& n = *nodes_.at(top);
    if (is_temporary_name(n.name)) continue;
    std::uint64_t size = 0;
    for (const auto& [id, node] : nodes_) {
      if (node->body && top_of_locked(id) == top) size += node->body->size;
    }
    const bool retrying = item->state == ItemState::kCollecting && item->retries > 0;
    nlohmann::json j = {{"name", n.name},
                        {"state", retrying ? "retrying" : to_string(item->state)},
                        {"directory", item->directory},
                        {"bytes", size}};
    if (item->state == ItemState::kUploading) {
      const double secs = std::chrono::duration<double>(now - item->started).count();
      const std::uint64_t sent = item->bytes_sent->load();
      j["bytes_total"] = item->bytes_total;
      j["bytes_sent"] = sent;
      j["rate_bytes_per_s"] = secs > 0 ? static_cast<std::uint64_t>(sent / secs) : 0;
    }
    if (!item->error.empty()) j["error"] = item->error;
    items.push_back(std::move(j));
  }
  for (const auto& s : sent_) {
    items.push_back({{"name", s.name}, {"state", "done"}, {"link", "sent/" + s.name + ".link"}});
  }
  return nlohmann::json({{"outbox", items}})
             .dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
         "\n";
}

std::vector<OutboxTree::SentLink> OutboxTree::sent_links() const {
  std::lock_guard lock(mutex_);
  std::vector<SentLink> out;
  std::set<std::string> used;
  for (const auto& s : sent_) {
    std::string file = s.name + ".link";
    for (int n = 2; used.contains(file); ++n)
      file = s.name + " (" + std::to_string(n) + ").link";
    used.insert(file);
    out.push_back({s.record_id, file, s.done_at});
  }
  return out;
}

std::optional<std::string> OutboxTree::sent_link_text(const std::string& record_id) const {
  std::lock_guard lock(mutex_);
  for (const auto& s : sent_) {
    if (s.record_id == record_id) return std::string(s.url.str()) + "\n";
  }
  return std::nullopt;
}

void OutboxTree::forget_sent(const std::string& record_id) {
  {
    std::lock_guard lock(mutex_);
    std::erase_if(sent_, [&](const Sent& s) { return s.record_id == record_id; });
  }
  journal_.remove(record_id);
}

}  // namespace anonfs::vfs
