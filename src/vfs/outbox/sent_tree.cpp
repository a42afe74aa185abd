// sent/: the links of delivered outbox items (see outbox_tree.hpp).
#include <algorithm>

#include "anonfs/crypto/bytes.hpp"
#include "anonfs/vfs/outbox_tree.hpp"
#include "anonfs/vfs/vfs_error.hpp"

namespace anonfs::vfs {

SentTree::SentTree(std::shared_ptr<OutboxTree> outbox, bool read_only)
    : Subtree(read_only), outbox_(std::move(outbox)) {}

NodeId SentTree::id_of(const std::string& record_id) {
  std::lock_guard lock(mutex_);
  auto [it, fresh] = ids_.try_emplace(record_id, next_);
  if (fresh) records_[next_++] = record_id;
  return it->second;
}

std::optional<std::string> SentTree::record_of(NodeId id) const {
  std::lock_guard lock(mutex_);
  const auto it = records_.find(id);
  if (it == records_.end()) return std::nullopt;
  return it->second;
}

NodeInfo SentTree::getattr(NodeId id) {
  if (id == kSubtreeRoot) {
    NodeInfo info;
    info.id = id;
    info.kind = NodeKind::kDirectory;
    info.mode = 0700;
    info.ttl = std::chrono::duration<double>(0);
    return info;
  }
  const auto record = record_of(id);
  for (const auto& link : outbox_->sent_links()) {
    if (record && link.record_id == *record) {
      NodeInfo info;
      info.id = id;
      info.kind = NodeKind::kFile;
      info.mode = 0400;
      info.mtime = link.mtime;
      info.size = outbox_->sent_link_text(link.record_id).value_or("").size();
      return info;
    }
  }
  throw VfsError(VfsErrc::kNotFound, "sent: no such link");
}

NodeInfo SentTree::lookup(NodeId parent, std::string_view name) {
  if (parent != kSubtreeRoot) throw VfsError(VfsErrc::kNotDirectory, "sent: not a directory");
  for (const auto& link : outbox_->sent_links()) {
    if (link.file_name == name) return getattr(id_of(link.record_id));
  }
  throw VfsError(VfsErrc::kNotFound, "sent: no such link");
}

std::vector<SubtreeEntry> SentTree::readdir(NodeId dir) {
  if (dir != kSubtreeRoot) throw VfsError(VfsErrc::kNotDirectory, "sent: not a directory");
  std::vector<SubtreeEntry> out;
  for (const auto& link : outbox_->sent_links()) {
    try {
      out.push_back({link.file_name, getattr(id_of(link.record_id))});
    } catch (const VfsError&) {
    }
  }
  return out;
}

OpenedFile SentTree::open(NodeId id, OpenMode mode) {
  if (id == kSubtreeRoot) throw VfsError(VfsErrc::kIsDirectory, "sent: a directory");
  if (mode.write || mode.truncate) refuse("write a link");
  const auto record = record_of(id);
  const auto text = record ? outbox_->sent_link_text(*record) : std::nullopt;
  if (!text) throw VfsError(VfsErrc::kNotFound, "sent: no such link");
  std::lock_guard lock(mutex_);
  const std::uint64_t handle = next_handle_++;
  open_[handle] = *text;
  return {handle, true, false};
}

std::size_t SentTree::read(std::uint64_t handle, std::uint64_t offset,
                           std::span<std::uint8_t> out) {
  std::lock_guard lock(mutex_);
  const auto it = open_.find(handle);
  if (it == open_.end()) throw VfsError(VfsErrc::kInvalidArgument, "sent: bad handle");
  const std::string& c = it->second;
  if (offset >= c.size()) return 0;
  const std::size_t n = std::min<std::size_t>(out.size(), c.size() - offset);
  std::copy_n(c.data() + offset, n, out.data());
  return n;
}

void SentTree::release(std::uint64_t handle) {
  std::lock_guard lock(mutex_);
  const auto it = open_.find(handle);
  if (it != open_.end()) {
    crypto::secure_wipe(it->second.data(), it->second.size());
    open_.erase(it);
  }
}

void SentTree::unlink(NodeId parent, std::string_view name) {
  if (read_only()) refuse("unlink");
  if (parent != kSubtreeRoot) throw VfsError(VfsErrc::kNotFound, "sent: no such link");
  for (const auto& link : outbox_->sent_links()) {
    if (link.file_name == name) {
      outbox_->forget_sent(link.record_id);
      return;
    }
  }
  throw VfsError(VfsErrc::kNotFound, "sent: no such link");
}

}  // namespace anonfs::vfs
