#define FUSE_USE_VERSION 314
#include "anonfs/fuse/fuse_mount.hpp"

#include <fcntl.h>
#include <fuse3/fuse_lowlevel.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <new>
#include <stop_token>

#include "anonfs/api/api_error.hpp"
#include "anonfs/crypto/error.hpp"
#include "anonfs/vfs/api_errors.hpp"
#include "anonfs/vfs/vfs_error.hpp"

namespace anonfs::fuse {
namespace {

int errno_for_code(vfs::VfsErrc code) noexcept {
  switch (code) {
    case vfs::VfsErrc::kNotFound:
      return ENOENT;
    case vfs::VfsErrc::kAccessDenied:
      return EACCES;
    case vfs::VfsErrc::kIo:
      return EIO;
    case vfs::VfsErrc::kInvalidArgument:
      return EINVAL;
    case vfs::VfsErrc::kReadOnly:
      return EROFS;
    case vfs::VfsErrc::kExists:
      return EEXIST;
    case vfs::VfsErrc::kNotEmpty:
      return ENOTEMPTY;
    case vfs::VfsErrc::kNoSpace:
      return ENOSPC;
    case vfs::VfsErrc::kFileTooLarge:
      return EFBIG;
    case vfs::VfsErrc::kBusy:
      return EBUSY;
    case vfs::VfsErrc::kCancelled:
      return EINTR;
    case vfs::VfsErrc::kNotDirectory:
      return ENOTDIR;
    case vfs::VfsErrc::kIsDirectory:
      return EISDIR;
    case vfs::VfsErrc::kCrossDevice:
      return EXDEV;
    case vfs::VfsErrc::kNameTooLong:
      return ENAMETOOLONG;
    case vfs::VfsErrc::kNotSupported:
      return ENOTSUP;
  }
  return EIO;
}

vfs::Filesystem& fs_of(fuse_req_t req) {
  return *static_cast<vfs::Filesystem*>(fuse_req_userdata(req));
}

// Replies with the errno of the exception in flight; logs what is not routine.
void reply_error(fuse_req_t req, const char* op) {
  const std::exception_ptr error = std::current_exception();
  const int err = errno_for(error);
  if (err != ENOENT && err != ENODATA) {
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      spdlog::warn("{}: {} ({})", op, e.what(), std::strerror(err));
    } catch (...) {
      spdlog::warn("{}: unknown failure", op);
    }
  }
  fuse_reply_err(req, err);
}

struct stat to_stat(const vfs::Attr& a) {
  struct stat st {};
  st.st_ino = a.ino;
  st.st_mode = (a.kind == vfs::NodeKind::kDirectory ? S_IFDIR : S_IFREG) | a.mode;
  st.st_nlink = a.nlink;
  st.st_size = static_cast<off_t>(a.size);
  st.st_blksize = 128 * 1024;
  st.st_blocks = static_cast<blkcnt_t>((a.size + 511) / 512);
  st.st_uid = getuid();
  st.st_gid = getgid();
  st.st_mtim.tv_sec = a.mtime;
  st.st_ctim.tv_sec = a.mtime;
  st.st_atim.tv_sec = a.mtime;
  return st;
}

fuse_entry_param to_entry(const vfs::Attr& a) {
  fuse_entry_param e{};
  e.ino = a.ino;
  e.generation = 1;
  e.attr = to_stat(a);
  e.attr_timeout = a.ttl.count();
  e.entry_timeout = a.ttl.count();
  return e;
}

// A directory listing taken at opendir, so that offsets stay stable while it is read.
struct DirListing {
  std::vector<vfs::DirEntry> entries;  // "." and ".." first
};

void op_init(void* userdata, fuse_conn_info* conn) {
  (void)userdata;
  if (conn->capable & FUSE_CAP_ASYNC_READ) conn->want |= FUSE_CAP_ASYNC_READ;
  conn->max_readahead = std::max<unsigned>(conn->max_readahead, 1u << 20);
}

void op_lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  try {
    const fuse_entry_param e = to_entry(fs_of(req).lookup(parent, name));
    fuse_reply_entry(req, &e);
  } catch (...) {
    reply_error(req, "lookup");
  }
}

void op_getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info*) {
  try {
    const vfs::Attr a = fs_of(req).getattr(ino);
    const struct stat st = to_stat(a);
    fuse_reply_attr(req, &st, a.ttl.count());
  } catch (...) {
    reply_error(req, "getattr");
  }
}

void op_opendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  try {
    vfs::Filesystem& fs = fs_of(req);
    auto listing = std::make_unique<DirListing>();
    const vfs::Attr self = fs.getattr(ino);
    listing->entries.push_back({".", self});
    listing->entries.push_back({"..", self});
    for (auto& entry : fs.readdir(ino))
      listing->entries.push_back(std::move(entry));
    fi->fh = reinterpret_cast<std::uint64_t>(listing.release());
    if (fuse_reply_open(req, fi) != 0) {
      std::unique_ptr<DirListing>(reinterpret_cast<DirListing*>(fi->fh)).reset();
    }
  } catch (...) {
    reply_error(req, "opendir");
  }
}

void op_readdir(fuse_req_t req, fuse_ino_t, size_t size, off_t offset, fuse_file_info* fi) {
  const auto* listing = reinterpret_cast<const DirListing*>(fi->fh);
  std::vector<char> buffer(size);
  std::size_t used = 0;
  for (std::size_t i = static_cast<std::size_t>(offset); i < listing->entries.size(); ++i) {
    const auto& entry = listing->entries[i];
    const struct stat st = to_stat(entry.attr);
    const std::size_t need = fuse_add_direntry(req, buffer.data() + used, size - used,
                                               entry.name.c_str(), &st, static_cast<off_t>(i + 1));
    if (need > size - used) break;
    used += need;
  }
  fuse_reply_buf(req, buffer.data(), used);
}

void op_releasedir(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  std::unique_ptr<DirListing>(reinterpret_cast<DirListing*>(fi->fh)).reset();
  fuse_reply_err(req, 0);
}

vfs::OpenMode open_mode(int flags) {
  vfs::OpenMode mode;
  mode.read = (flags & O_ACCMODE) != O_WRONLY;
  mode.write = (flags & O_ACCMODE) != O_RDONLY;
  mode.truncate = (flags & O_TRUNC) != 0;
  mode.append = (flags & O_APPEND) != 0;
  return mode;
}

void set_open_flags(fuse_file_info* fi, const vfs::OpenedFile& opened) {
  fi->fh = opened.handle;
  fi->keep_cache = opened.keep_cache ? 1 : 0;
  fi->direct_io = opened.direct_io ? 1 : 0;
}

void op_open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  try {
    set_open_flags(fi, fs_of(req).open(ino, open_mode(fi->flags)));
    if (fuse_reply_open(req, fi) != 0) fs_of(req).release(fi->fh);
  } catch (...) {
    reply_error(req, "open");
  }
}

void op_create(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode,
               fuse_file_info* fi) {
  try {
    const auto [attr, opened] = fs_of(req).create(parent, name, mode & 07777, open_mode(fi->flags));
    set_open_flags(fi, opened);
    const fuse_entry_param e = to_entry(attr);
    if (fuse_reply_create(req, &e, fi) != 0) fs_of(req).release(fi->fh);
  } catch (...) {
    reply_error(req, "create");
  }
}

void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode) {
  try {
    const fuse_entry_param e = to_entry(fs_of(req).mkdir(parent, name, mode & 07777));
    fuse_reply_entry(req, &e);
  } catch (...) {
    reply_error(req, "mkdir");
  }
}

void op_rename(fuse_req_t req, fuse_ino_t parent, const char* name, fuse_ino_t newparent,
               const char* newname, unsigned int flags) {
  try {
    if ((flags & ~static_cast<unsigned>(RENAME_NOREPLACE)) != 0) {
      fuse_reply_err(req, EINVAL);  // RENAME_EXCHANGE, RENAME_WHITEOUT: not supported
      return;
    }
    fs_of(req).rename(parent, name, newparent, newname, (flags & RENAME_NOREPLACE) != 0);
    fuse_reply_err(req, 0);
  } catch (...) {
    reply_error(req, "rename");
  }
}

void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int to_set, fuse_file_info*) {
  try {
    vfs::SetAttr changes;
    if (to_set & FUSE_SET_ATTR_SIZE) changes.size = static_cast<std::uint64_t>(attr->st_size);
    if (to_set & FUSE_SET_ATTR_MODE) changes.mode = attr->st_mode & 07777;
    if (to_set & FUSE_SET_ATTR_MTIME_NOW) {
      changes.mtime = std::time(nullptr);
    } else if (to_set & FUSE_SET_ATTR_MTIME) {
      changes.mtime = attr->st_mtim.tv_sec;
    }
    // Ownership changes are not representable; atime/ctime are not kept.
    if (to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) {
      fuse_reply_err(req, EPERM);
      return;
    }
    const vfs::Attr a = fs_of(req).setattr(ino, changes);
    const struct stat st = to_stat(a);
    fuse_reply_attr(req, &st, a.ttl.count());
  } catch (...) {
    reply_error(req, "setattr");
  }
}

void op_flush(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  try {
    fs_of(req).flush(fi->fh);
    fuse_reply_err(req, 0);
  } catch (...) {
    reply_error(req, "flush");
  }
}

void op_fsync(fuse_req_t req, fuse_ino_t, int, fuse_file_info* fi) {
  try {
    fs_of(req).fsync(fi->fh);
    fuse_reply_err(req, 0);
  } catch (...) {
    reply_error(req, "fsync");
  }
}

// Turns a FUSE interrupt (the reader got a signal, e.g. Ctrl-C) into a stop request for the
// duration of one operation. The callback is removed before the reply: libfuse calls it under
// the request's lock, so after disarm() it can no longer touch the stop source.
class InterruptScope {
 public:
  explicit InterruptScope(fuse_req_t req) : req_(req) {
    fuse_req_interrupt_func(req_, &InterruptScope::on_interrupt, &stop_);
  }
  ~InterruptScope() { disarm(); }
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;
  std::stop_token token() const { return stop_.get_token(); }
  void disarm() {
    if (!armed_) return;
    fuse_req_interrupt_func(req_, nullptr, nullptr);
    armed_ = false;
  }

 private:
  static void on_interrupt(fuse_req_t, void* data) {
    static_cast<std::stop_source*>(data)->request_stop();
  }
  fuse_req_t req_;
  std::stop_source stop_;
  bool armed_ = true;
};

void op_read(fuse_req_t req, fuse_ino_t, size_t size, off_t offset, fuse_file_info* fi) {
  InterruptScope interrupt(req);
  try {
    thread_local std::vector<std::uint8_t> buffer;
    if (buffer.size() < size) buffer.resize(size);
    const std::size_t n =
        fs_of(req).read(fi->fh, static_cast<std::uint64_t>(offset),
                        std::span<std::uint8_t>(buffer.data(), size), interrupt.token());
    interrupt.disarm();
    fuse_reply_buf(req, reinterpret_cast<const char*>(buffer.data()), n);
    // Plaintext must not linger in a buffer that outlives the request.
    std::memset(buffer.data(), 0, n);
  } catch (...) {
    interrupt.disarm();
    reply_error(req, "read");
  }
}

void op_write(fuse_req_t req, fuse_ino_t, const char* data, size_t size, off_t offset,
              fuse_file_info* fi) {
  try {
    const std::size_t n = fs_of(req).write(
        fi->fh, static_cast<std::uint64_t>(offset),
        std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(data), size));
    fuse_reply_write(req, n);
  } catch (...) {
    reply_error(req, "write");
  }
}

void op_release(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  fs_of(req).release(fi->fh);
  fuse_reply_err(req, 0);
}

void reply_sized(fuse_req_t req, const std::string& value, size_t size) {
  if (size == 0) {
    fuse_reply_xattr(req, value.size());
  } else if (size < value.size()) {
    fuse_reply_err(req, ERANGE);
  } else {
    fuse_reply_buf(req, value.data(), value.size());
  }
}

void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char* name, size_t size) {
  try {
    const auto value = fs_of(req).getxattr(ino, name);
    if (!value) {
      fuse_reply_err(req, ENODATA);
      return;
    }
    reply_sized(req, *value, size);
  } catch (...) {
    reply_error(req, "getxattr");
  }
}

void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size) {
  try {
    std::string joined;
    for (const auto& name : fs_of(req).listxattr(ino)) {
      joined += name;
      joined.push_back('\0');
    }
    reply_sized(req, joined, size);
  } catch (...) {
    reply_error(req, "listxattr");
  }
}

void op_unlink(fuse_req_t req, fuse_ino_t parent, const char* name) {
  try {
    fs_of(req).unlink(parent, name);
    fuse_reply_err(req, 0);
  } catch (...) {
    reply_error(req, "unlink");
  }
}

void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char* name) {
  try {
    fs_of(req).rmdir(parent, name);
    fuse_reply_err(req, 0);
  } catch (...) {
    reply_error(req, "rmdir");
  }
}

void op_statfs(fuse_req_t req, fuse_ino_t) {
  struct statvfs st {};
  st.f_bsize = 4096;
  st.f_frsize = 4096;
  st.f_namemax = 255;
  fuse_reply_statfs(req, &st);
}

fuse_lowlevel_ops make_ops() {
  fuse_lowlevel_ops ops{};
  ops.init = op_init;
  ops.lookup = op_lookup;
  ops.getattr = op_getattr;
  ops.opendir = op_opendir;
  ops.readdir = op_readdir;
  ops.releasedir = op_releasedir;
  ops.open = op_open;
  ops.create = op_create;
  ops.mkdir = op_mkdir;
  ops.rename = op_rename;
  ops.setattr = op_setattr;
  ops.flush = op_flush;
  ops.fsync = op_fsync;
  ops.read = op_read;
  ops.write = op_write;
  ops.release = op_release;
  ops.getxattr = op_getxattr;
  ops.listxattr = op_listxattr;
  ops.unlink = op_unlink;
  ops.rmdir = op_rmdir;
  ops.statfs = op_statfs;
  return ops;
}

// RAII owners of the libfuse objects.
class FuseArgs {
 public:
  FuseArgs() = default;
  ~FuseArgs() { fuse_opt_free_args(&args_); }
  FuseArgs(const FuseArgs&) = delete;
  FuseArgs& operator=(const FuseArgs&) = delete;
  fuse_args* get() noexcept { return &args_; }

 private:
  fuse_args args_ = FUSE_ARGS_INIT(0, nullptr);
};
struct SessionDeleter {
  void operator()(fuse_session* se) const { fuse_session_destroy(se); }
};
struct LoopConfigDeleter {
  void operator()(fuse_loop_config* cfg) const { fuse_loop_cfg_destroy(cfg); }
};

// Mounted session: unmounts and removes the signal handlers on destruction.
class MountedSession {
 public:
  MountedSession(fuse_session* se, const std::filesystem::path& mountpoint) : se_(se) {
    if (fuse_set_signal_handlers(se_) != 0) throw MountError("cannot install signal handlers");
    if (fuse_session_mount(se_, mountpoint.c_str()) != 0) {
      fuse_remove_signal_handlers(se_);
      throw MountError("cannot mount at " + mountpoint.string() +
                       " (does it exist, is it empty and not already mounted?)");
    }
  }
  ~MountedSession() {
    fuse_session_unmount(se_);
    fuse_remove_signal_handlers(se_);
  }
  MountedSession(const MountedSession&) = delete;
  MountedSession& operator=(const MountedSession&) = delete;

 private:
  fuse_session* se_;
};

}  // namespace

int errno_for(const std::exception_ptr& error) noexcept {
  try {
    std::rethrow_exception(error);
  } catch (const vfs::VfsError& e) {
    return errno_for_code(e.code());
  } catch (const api::ApiError& e) {
    return errno_for_code(vfs::to_vfs_error(e, "").code());
  } catch (const crypto::CryptoError&) {
    return EIO;
  } catch (const std::bad_alloc&) {
    return ENOMEM;
  } catch (...) {
    return EIO;
  }
}

void serve(vfs::Filesystem& filesystem, const MountOptions& options,
           const std::function<void()>& on_mounted) {
  std::vector<std::string> argv_strings = {"anonfs"};
  if (options.debug) argv_strings.emplace_back("-d");
  std::string opts = "fsname=anonfs,subtype=anonfs";
  if (filesystem.read_only()) opts += ",ro";
  for (const auto& o : options.fuse_options)
    opts += "," + o;
  argv_strings.emplace_back("-o");
  argv_strings.push_back(opts);

  FuseArgs args;
  for (const auto& a : argv_strings) {
    if (fuse_opt_add_arg(args.get(), a.c_str()) != 0) throw std::bad_alloc();
  }
  const fuse_lowlevel_ops ops = make_ops();
  std::unique_ptr<fuse_session, SessionDeleter> se(
      fuse_session_new(args.get(), &ops, sizeof(ops), &filesystem));
  if (!se) throw MountError("invalid mount options: " + opts);
  {
    MountedSession mounted(se.get(), options.mountpoint);
    if (on_mounted) on_mounted();
    std::unique_ptr<fuse_loop_config, LoopConfigDeleter> cfg(fuse_loop_cfg_create());
    if (!cfg) throw std::bad_alloc();
    fuse_loop_cfg_set_max_threads(cfg.get(), options.max_threads);
    fuse_loop_cfg_set_clone_fd(cfg.get(), 0);
    fuse_session_loop_mt(se.get(), cfg.get());
  }
}

}  // namespace anonfs::fuse
