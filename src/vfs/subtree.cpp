#include "anonfs/vfs/subtree.hpp"

namespace anonfs::vfs {

void Subtree::refuse(std::string_view what) const {
  if (read_only_) throw VfsError(VfsErrc::kReadOnly, std::string(what) + ": read-only mount");
  throw VfsError(VfsErrc::kAccessDenied, std::string(what) + ": not permitted here");
}

std::size_t Subtree::write(std::uint64_t, std::uint64_t, std::span<const std::uint8_t>) {
  refuse("write");
}

void Subtree::flush(std::uint64_t) {}

void Subtree::fsync(std::uint64_t) {}

std::pair<NodeInfo, OpenedFile> Subtree::create(NodeId, std::string_view, std::uint32_t, OpenMode) {
  refuse("create");
}

NodeInfo Subtree::mkdir(NodeId, std::string_view, std::uint32_t) {
  refuse("mkdir");
}

void Subtree::unlink(NodeId, std::string_view) {
  refuse("unlink");
}

void Subtree::rmdir(NodeId, std::string_view) {
  refuse("rmdir");
}

void Subtree::rename(NodeId, std::string_view, NodeId, std::string_view, bool) {
  refuse("rename");
}

NodeInfo Subtree::setattr(NodeId id, const SetAttr& changes) {
  if (changes.size) refuse("truncate");
  return getattr(id);
}

std::optional<std::string> Subtree::getxattr(NodeId, std::string_view) {
  return std::nullopt;
}

std::vector<std::string> Subtree::listxattr(NodeId) {
  return {};
}

}  // namespace anonfs::vfs
