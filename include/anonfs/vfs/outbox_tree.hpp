// OutboxTree: the mount's outbox/ folder (issue #5, docs/design.md "Outbox"), and SentTree, the
// top-level sent/ folder holding one NAME.link per delivered item.
//
// A top-level regular file of outbox/ becomes one drop; a top-level directory becomes one drop
// holding its files at their relative paths (at most 50; more fails with NAME.error). Data is
// encrypted as it is written (UploadSpool: ciphertext only on disk). An item is complete when
// no handle of it is open, it has a final name (is_temporary_name() false) and nothing changed
// for the settle period; it is then uploaded by UploadEngine with the mount's defaults. Done:
// the item leaves outbox/, sent/NAME.link holds the URL, the log says `NAME -> URL-without-key`.
// Failed: the item stays with NAME.error (one line). fsync on a top-level file starts its upload
// at once and waits for it, returning its error. Files of an item being uploaded refuse writes
// (EBUSY). Every step is journaled (UploadJournal) so a crash resumes on the next mount.
// Removing an item (rm, rm -r) whose upload is queued, running or waiting to retry cancels the
// upload; removing a file or folder inside a folder item does too, and the item starts over
// once it settles again. The cancelled upload's unfinished drop is deleted on the server by an
// upload worker (an "abandoned" journal record keeps that promise across a crash until done),
// then its spool files are discarded.
//
// Thread-safety: mutex_ guards the node table, handles and items and is never held during
// disk I/O, cryptography or network I/O; each file's spool has its own mutex; a job's progress
// its own (lock order: job -> mutex_, file -> nothing). Background threads: one scheduler
// (settle periods) and `upload_workers` uploaders (which also delete abandoned drops), joined by
// shutdown().
#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "anonfs/api/anonli_client.hpp"
#include "anonfs/vfs/subtree.hpp"
#include "anonfs/vfs/upload_engine.hpp"
#include "anonfs/vfs/upload_journal.hpp"

namespace anonfs::vfs {

struct OutboxOptions {
  std::filesystem::path spool_dir;  // journal/ and spool/ are created inside (0700)
  std::chrono::milliseconds settle{2000};
  std::uint64_t chunk_size = crypto::kDefaultChunkSize;  // test option: >= 5 MiB
  unsigned upload_workers = 2;
  bool lazy_upload = false;  // shutdown() leaves pending uploads to the next mount
  // After an upload gave up on a transient failure: wait this long (doubling, at most 10 min),
  // then resume it with the drop and parts already on the server.
  std::chrono::seconds retry_delay{30};
  bool read_only = false;
};

// Editor, rsync and browser temporary names, dotfiles: never uploaded (a rename to a final
// name completes them): ".*", "*~", "*.swp", "*.swx", "*.part", "*.crdownload", "*.tmp", "#*#".
bool is_temporary_name(std::string_view name) noexcept;

class OutboxTree final : public Subtree {
 public:
  // owner: wraps owner keys so the drops appear under drops/ (nullopt: vault locked).
  // journal_key: 32 bytes (UploadJournal::derive_key of the vault key or the API key).
  OutboxTree(api::AnonliClient& client, std::optional<VaultOwner> owner,
             crypto::SecretBytes journal_key, UploadOptions upload, OutboxOptions options);
  ~OutboxTree() override;

  // Stops the background threads. Pending items are uploaded first (logged), unless
  // lazy_upload: then running uploads are cancelled and left in the journal.
  void shutdown();
  // Items not yet done or failed.
  std::size_t pending() const;
  // Blocks until nothing is pending or `limit` passes; returns whether idle (tests, CLI).
  bool wait_idle(std::chrono::milliseconds limit) const;
  // JSON for /.anonfs/status and `anonfs status`: every item with state, bytes, rate, error.
  std::string status_text() const;

  // Delivered items: name -> share URL (secret), oldest first; sent/ shows these.
  struct SentLink {
    std::string record_id;
    std::string file_name;  // "<name>.link", unique in sent/
    std::time_t mtime = 0;
  };
  std::vector<SentLink> sent_links() const;
  std::optional<std::string> sent_link_text(const std::string& record_id) const;
  void forget_sent(const std::string& record_id);

  NodeInfo getattr(NodeId id) override;
  NodeInfo lookup(NodeId parent, std::string_view name) override;
  std::vector<SubtreeEntry> readdir(NodeId dir) override;
  OpenedFile open(NodeId id, OpenMode mode) override;
  std::size_t read(std::uint64_t handle, std::uint64_t offset,
                   std::span<std::uint8_t> out) override;
  void release(std::uint64_t handle) override;
  std::size_t write(std::uint64_t handle, std::uint64_t offset,
                    std::span<const std::uint8_t> data) override;
  // close(2): seals the file and journals it when this is its only writer, so that a file whose
  // cp succeeded survives a crash before the (asynchronous) release.
  void flush(std::uint64_t handle) override;
  void fsync(std::uint64_t handle) override;
  std::pair<NodeInfo, OpenedFile> create(NodeId parent, std::string_view name, std::uint32_t mode,
                                         OpenMode open_mode) override;
  NodeInfo mkdir(NodeId parent, std::string_view name, std::uint32_t mode) override;
  void unlink(NodeId parent, std::string_view name) override;
  void rmdir(NodeId parent, std::string_view name) override;
  void rename(NodeId parent, std::string_view name, NodeId new_parent, std::string_view new_name,
              bool no_replace) override;
  NodeInfo setattr(NodeId id, const SetAttr& changes) override;

 private:
  struct FileBody;
  struct Node;
  struct Item;
  struct Handle;
  class SpoolSource;
  struct Abort;

  NodeInfo info_locked(const Node& node) const;
  Node& node_locked(NodeId id);
  Node& dir_locked(NodeId id);
  NodeId top_of_locked(NodeId id) const;
  Item& item_of_locked(NodeId id);
  void touch_locked(Item& item);
  void check_writable_locked(Item& item, std::string_view what);
  NodeId add_node_locked(NodeId parent, std::string name, NodeKind kind, std::uint32_t mode);
  void remove_subtree_locked(NodeId id, std::vector<std::shared_ptr<FileBody>>& bodies);
  void set_error_sidecar_locked(Item& item);
  // Stops the item's upload (queued, running or retrying) and resets it to collecting with a
  // fresh drop IV. Returns the abort of its server-side progress (null: nothing was started).
  // When the upload still runs, the abort also waits in cancelling_ (`*running` points to it)
  // until its worker returns and runs it; otherwise the caller queues it (queue_abort).
  std::shared_ptr<Abort> cancel_upload_locked(NodeId top, Item& item, bool* running);
  // Journals the abort's current state ("abandoned" record) unless it is already done.
  void journal_abort(const Abort& abort);
  void queue_abort(std::shared_ptr<Abort> abort);
  // Deletes the unfinished drop, discards the spools, forgets the record; on failure the abort
  // is queued again (retry_delay later). Called by an upload worker, no lock held.
  void run_abort(std::shared_ptr<Abort> abort);
  // unlink/rmdir, after the tree changed: journals `abort` (if any), forgets the removed item's
  // record (`forget`, under its save mutex `serial`), queues `abort` unless its upload still runs.
  void after_removal(std::shared_ptr<Abort> abort, bool running,
                     const std::shared_ptr<std::mutex>& serial,
                     const std::optional<std::string>& forget);
  void discard_spools(std::vector<std::shared_ptr<FileBody>> bodies);
  JournalRecord record_locked(const Item& item) const;
  void save_item(NodeId top);
  void seal_body(FileBody& body);
  void restore();
  void scheduler_loop(std::stop_token stop);
  void worker_loop(std::stop_token stop);
  void upload_item(NodeId top);
  void fail_item(NodeId top, const std::string& name, const std::exception& error);
  std::string link_display(const std::string& url) const;

  api::AnonliClient& client_;
  std::optional<VaultOwner> owner_;
  OutboxOptions options_;
  UploadJournal journal_;
  UploadEngine engine_;
  std::filesystem::path spool_path_;

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;  // item states (fsync, wait_idle, workers)
  std::map<NodeId, std::unique_ptr<Node>> nodes_;
  std::map<NodeId, std::unique_ptr<Item>> items_;  // keyed by top-level node
  std::map<std::uint64_t, Handle> handles_;
  std::vector<NodeId> queue_;
  struct Sent {
    std::string record_id;
    std::string name;
    crypto::SecretBytes url;
    std::time_t done_at = 0;
  };
  std::vector<Sent> sent_;
  // Removed items' unfinished drops: waiting for a worker, and those of uploads still running
  // (keyed by their job; started by the worker when run() returns).
  std::vector<std::shared_ptr<Abort>> aborts_;
  std::map<const UploadJob*, std::shared_ptr<Abort>> cancelling_;
  std::stop_source abort_stop_;  // lazy_upload shutdown: leave aborts to the next mount
  NodeId next_node_ = 2;
  std::uint64_t next_handle_ = 1;
  bool stopping_ = false;

  std::vector<std::jthread> threads_;
};

// sent/: read-only view of OutboxTree::sent_links(); `rm` forgets a link.
class SentTree final : public Subtree {
 public:
  explicit SentTree(std::shared_ptr<OutboxTree> outbox, bool read_only = false);

  NodeInfo getattr(NodeId id) override;
  NodeInfo lookup(NodeId parent, std::string_view name) override;
  std::vector<SubtreeEntry> readdir(NodeId dir) override;
  OpenedFile open(NodeId id, OpenMode mode) override;
  std::size_t read(std::uint64_t handle, std::uint64_t offset,
                   std::span<std::uint8_t> out) override;
  void release(std::uint64_t handle) override;
  void unlink(NodeId parent, std::string_view name) override;

 private:
  NodeId id_of(const std::string& record_id);
  std::optional<std::string> record_of(NodeId id) const;

  std::shared_ptr<OutboxTree> outbox_;
  mutable std::mutex mutex_;
  std::map<std::string, NodeId> ids_;  // record id -> node id (stable for the mount)
  std::map<NodeId, std::string> records_;
  NodeId next_ = 2;
  std::map<std::uint64_t, std::string> open_;  // handle -> content
  std::uint64_t next_handle_ = 1;
};

}  // namespace anonfs::vfs
