// Filesystem routing to registered subtrees and control texts, without a server: only the
// root, .anonfs/ and a test subtree are touched, so no request is ever made.
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "anonfs/api/anonli_client.hpp"
#include "anonfs/api/http_client.hpp"
#include "anonfs/vfs/filesystem.hpp"
#include "anonfs/vfs/subtree.hpp"

namespace anonfs::vfs {
namespace {

// A flat in-memory folder: root (id 1) holding files; records what it was asked to do.
class MemorySubtree : public Subtree {
 public:
  explicit MemorySubtree(bool read_only) : Subtree(read_only) {}

  NodeInfo getattr(NodeId id) override {
    std::lock_guard lock(mutex_);
    if (id == kSubtreeRoot) return NodeInfo{kSubtreeRoot, NodeKind::kDirectory, 0700, 0, 0, {}};
    for (const auto& [name, file] : files_) {
      if (file.id == id) return info(file);
    }
    throw VfsError(VfsErrc::kNotFound, "gone");
  }
  NodeInfo lookup(NodeId parent, std::string_view name) override {
    std::lock_guard lock(mutex_);
    if (parent != kSubtreeRoot) throw VfsError(VfsErrc::kNotDirectory, "file");
    const auto it = files_.find(std::string(name));
    if (it == files_.end()) throw VfsError(VfsErrc::kNotFound, "no such file");
    return info(it->second);
  }
  std::vector<SubtreeEntry> readdir(NodeId) override {
    std::lock_guard lock(mutex_);
    std::vector<SubtreeEntry> out;
    for (const auto& [name, file] : files_)
      out.push_back({name, info(file)});
    return out;
  }
  OpenedFile open(NodeId id, OpenMode) override { return OpenedFile{id * 100, false, false}; }
  std::size_t read(std::uint64_t handle, std::uint64_t offset,
                   std::span<std::uint8_t> out) override {
    std::lock_guard lock(mutex_);
    for (const auto& [name, file] : files_) {
      if (file.id * 100 != handle) continue;
      if (offset >= file.data.size()) return 0;
      const std::size_t n = std::min<std::size_t>(out.size(), file.data.size() - offset);
      std::copy_n(file.data.data() + offset, n, out.data());
      return n;
    }
    throw VfsError(VfsErrc::kInvalidArgument, "bad handle");
  }
  void release(std::uint64_t handle) override {
    std::lock_guard lock(mutex_);
    released.push_back(handle);
  }
  std::size_t write(std::uint64_t handle, std::uint64_t offset,
                    std::span<const std::uint8_t> data) override {
    std::lock_guard lock(mutex_);
    for (auto& [name, file] : files_) {
      if (file.id * 100 != handle) continue;
      if (file.data.size() < offset + data.size()) file.data.resize(offset + data.size());
      std::copy(data.begin(), data.end(), file.data.begin() + static_cast<long>(offset));
      return data.size();
    }
    throw VfsError(VfsErrc::kInvalidArgument, "bad handle");
  }
  void fsync(std::uint64_t handle) override {
    std::lock_guard lock(mutex_);
    synced.push_back(handle);
  }
  std::pair<NodeInfo, OpenedFile> create(NodeId, std::string_view name, std::uint32_t,
                                         OpenMode) override {
    std::lock_guard lock(mutex_);
    File& f = files_[std::string(name)];
    f.id = next_id_++;
    return {info(f), OpenedFile{f.id * 100, true, false}};
  }
  void rename(NodeId, std::string_view name, NodeId, std::string_view new_name, bool) override {
    std::lock_guard lock(mutex_);
    auto node = files_.extract(std::string(name));
    if (node.empty()) throw VfsError(VfsErrc::kNotFound, "no such file");
    node.key() = std::string(new_name);
    files_.insert(std::move(node));
  }

  std::vector<std::uint64_t> released;
  std::vector<std::uint64_t> synced;

 private:
  struct File {
    NodeId id = 0;
    std::string data;
  };
  static NodeInfo info(const File& f) {
    return NodeInfo{f.id, NodeKind::kFile, 0600, f.data.size(), 0, {}};
  }
  std::mutex mutex_;
  std::map<std::string, File> files_;
  NodeId next_id_ = 2;
};

std::span<const std::uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

class FilesystemSubtreeTest : public ::testing::Test {
 protected:
  explicit FilesystemSubtreeTest(bool read_only = false)
      : client_(http_, "http://127.0.0.1:9", crypto::SecretBytes(bytes("k"))),
        fs_(http_, client_, std::nullopt, options(read_only)),
        subtree_(std::make_shared<MemorySubtree>(read_only)) {
    fs_.add_subtree("box", subtree_);
  }
  static FilesystemOptions options(bool read_only) {
    FilesystemOptions o;
    o.read_only = read_only;
    o.cache_bytes = 1 << 20;
    return o;
  }
  std::string read_all(std::uint64_t handle) {
    std::string out(64, '\0');
    const std::size_t n =
        fs_.read(handle, 0, {reinterpret_cast<std::uint8_t*>(out.data()), out.size()});
    out.resize(n);
    return out;
  }

  api::HttpClient http_;
  api::AnonliClient client_;
  Filesystem fs_;
  std::shared_ptr<MemorySubtree> subtree_;
};

TEST_F(FilesystemSubtreeTest, SubtreeAppearsAtTheRootWithStableInodes) {
  const Attr box = fs_.lookup(kRootIno, "box");
  EXPECT_EQ(box.kind, NodeKind::kDirectory);
  EXPECT_EQ(box.mode, 0700u);
  EXPECT_EQ(fs_.lookup(kRootIno, "box").ino, box.ino);
  bool listed = false;
  for (const auto& e : fs_.readdir(kRootIno)) {
    if (e.name == "box") listed = e.attr.ino == box.ino;
  }
  EXPECT_TRUE(listed);
  EXPECT_THROW(fs_.add_subtree("box", subtree_), std::invalid_argument);
  EXPECT_THROW(fs_.add_subtree("drops", subtree_), std::invalid_argument);
}

TEST_F(FilesystemSubtreeTest, CreateWriteReadRenameThroughTheSubtree) {
  const Ino box = fs_.lookup(kRootIno, "box").ino;
  auto [attr, opened] = fs_.create(box, "a.txt", 0600, OpenMode{true, true, false, false});
  EXPECT_TRUE(opened.direct_io);
  EXPECT_NE(attr.ino, box);
  EXPECT_EQ(fs_.write(opened.handle, 0, bytes("hello")), 5u);
  fs_.fsync(opened.handle);
  EXPECT_EQ(read_all(opened.handle), "hello");
  fs_.release(opened.handle);
  EXPECT_EQ(subtree_->released.size(), 1u);
  EXPECT_EQ(subtree_->synced.size(), 1u);
  EXPECT_THROW(fs_.read(opened.handle, 0, {}), VfsError);  // released

  fs_.rename(box, "a.txt", box, "b.txt", false);
  EXPECT_THROW(fs_.lookup(box, "a.txt"), VfsError);
  const Attr b = fs_.lookup(box, "b.txt");
  EXPECT_EQ(b.ino, attr.ino);  // same subtree node, same inode
  EXPECT_EQ(b.size, 5u);
  EXPECT_EQ(fs_.getattr(b.ino).size, 5u);
}

TEST_F(FilesystemSubtreeTest, MutationsOutsideSubtreesAreRefused) {
  const Ino box = fs_.lookup(kRootIno, "box").ino;
  const Ino drops = fs_.lookup(kRootIno, "drops").ino;
  auto expect_code = [](auto&& f, VfsErrc code) {
    try {
      f();
      ADD_FAILURE() << "no error";
    } catch (const VfsError& e) {
      EXPECT_EQ(e.code(), code) << e.what();
    }
  };
  expect_code([&] { fs_.create(drops, "x", 0600, OpenMode{}); }, VfsErrc::kAccessDenied);
  expect_code([&] { fs_.mkdir(kRootIno, "x", 0700); }, VfsErrc::kAccessDenied);
  expect_code([&] { fs_.rename(box, "x", drops, "x", false); }, VfsErrc::kCrossDevice);
  expect_code([&] { fs_.rmdir(kRootIno, "box"); }, VfsErrc::kAccessDenied);
  expect_code([&] { fs_.unlink(kRootIno, "box"); }, VfsErrc::kIsDirectory);
  // The default Subtree refuses what it does not implement.
  expect_code([&] { fs_.mkdir(box, "d", 0700); }, VfsErrc::kAccessDenied);
  SetAttr truncate;
  truncate.size = 0;
  expect_code([&] { fs_.setattr(box, truncate); }, VfsErrc::kAccessDenied);
  SetAttr chmod;
  chmod.mode = 0700;
  EXPECT_EQ(fs_.setattr(box, chmod).ino, box);  // no-op change: accepted
}

TEST_F(FilesystemSubtreeTest, ControlTextIsGeneratedAtEachOpen) {
  int calls = 0;
  fs_.add_control_text("status", [&calls] { return "call " + std::to_string(++calls) + "\n"; });
  EXPECT_THROW(fs_.add_control_text("open", [] { return std::string(); }), std::invalid_argument);
  const Ino control = fs_.lookup(kRootIno, ".anonfs").ino;
  const Attr status = fs_.lookup(control, "status");
  EXPECT_EQ(status.kind, NodeKind::kFile);
  EXPECT_EQ(status.mode, 0400u);
  EXPECT_EQ(status.ttl.count(), 0.0);
  const OpenedFile first = fs_.open(status.ino, OpenMode{});
  EXPECT_TRUE(first.direct_io);
  const OpenedFile second = fs_.open(status.ino, OpenMode{});
  EXPECT_NE(read_all(first.handle), read_all(second.handle));
  fs_.release(first.handle);
  fs_.release(second.handle);
  EXPECT_THROW(fs_.open(status.ino, OpenMode{true, true, false, false}), VfsError);
}

class ReadOnlyFilesystemSubtreeTest : public FilesystemSubtreeTest {
 protected:
  ReadOnlyFilesystemSubtreeTest() : FilesystemSubtreeTest(true) {}
};

TEST_F(ReadOnlyFilesystemSubtreeTest, DefaultsRefuseWithReadOnly) {
  const Ino box = fs_.lookup(kRootIno, "box").ino;
  try {
    fs_.mkdir(box, "d", 0700);
    ADD_FAILURE() << "no error";
  } catch (const VfsError& e) {
    EXPECT_EQ(e.code(), VfsErrc::kReadOnly);
  }
  try {
    fs_.mkdir(kRootIno, "d", 0700);
    ADD_FAILURE() << "no error";
  } catch (const VfsError& e) {
    EXPECT_EQ(e.code(), VfsErrc::kReadOnly);
  }
}

}  // namespace
}  // namespace anonfs::vfs
