// fuse_null: the zero-data FUSE ceiling for the mount benchmark (issue #4).
//
//   fuse_null MOUNTPOINT SIZE [-o OPTS]
//
// A minimal libfuse3 low-level filesystem with a single read-only file, MOUNTPOINT/zero, of SIZE
// bytes (K/M/G suffixes = KiB/MiB/GiB) of zeros. It is mounted with the same FUSE settings as
// anonfs (src/fuse/fuse_mount.cpp): multithreaded loop with 16 workers and no clone_fd,
// FUSE_CAP_ASYNC_READ, max_readahead >= 1 MiB, keep_cache on open, default max_read. Reads reply
// from a static zero buffer, so what remains is the cost of the kernel <-> daemon round trips.
// Runs in the foreground until unmounted (fusermount3 -u) or interrupted.
#define FUSE_USE_VERSION 314
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "size_arg.hpp"

namespace {

constexpr fuse_ino_t kFileIno = 2;
constexpr const char* kFileName = "zero";
std::uint64_t g_size = 0;
std::vector<char> g_zeros;  // largest read reply, all zero

void fill_stat(fuse_ino_t ino, struct stat* st) {
  std::memset(st, 0, sizeof *st);
  st->st_ino = ino;
  if (ino == FUSE_ROOT_ID) {
    st->st_mode = S_IFDIR | 0555;
    st->st_nlink = 2;
  } else {
    st->st_mode = S_IFREG | 0444;
    st->st_nlink = 1;
    st->st_size = static_cast<off_t>(g_size);
    st->st_blocks = static_cast<blkcnt_t>((g_size + 511) / 512);
  }
}

void op_init(void*, fuse_conn_info* conn) {
  if (conn->capable & FUSE_CAP_ASYNC_READ) conn->want |= FUSE_CAP_ASYNC_READ;
  conn->max_readahead = std::max<unsigned>(conn->max_readahead, 1u << 20);
}

void op_lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  if (parent != FUSE_ROOT_ID || std::strcmp(name, kFileName) != 0) {
    fuse_reply_err(req, ENOENT);
    return;
  }
  fuse_entry_param e{};
  e.ino = kFileIno;
  e.attr_timeout = 60;
  e.entry_timeout = 60;
  fill_stat(kFileIno, &e.attr);
  fuse_reply_entry(req, &e);
}

void op_getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info*) {
  if (ino != FUSE_ROOT_ID && ino != kFileIno) {
    fuse_reply_err(req, ENOENT);
    return;
  }
  struct stat st;
  fill_stat(ino, &st);
  fuse_reply_attr(req, &st, 60);
}

void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info*) {
  if (ino != FUSE_ROOT_ID) {
    fuse_reply_err(req, ENOTDIR);
    return;
  }
  std::vector<char> buf(size);
  std::size_t used = 0;
  const char* names[] = {".", "..", kFileName};
  const fuse_ino_t inos[] = {FUSE_ROOT_ID, FUSE_ROOT_ID, kFileIno};
  for (off_t i = off; i < 3; ++i) {
    struct stat st;
    fill_stat(inos[i], &st);
    const std::size_t need =
        fuse_add_direntry(req, buf.data() + used, size - used, names[i], &st, i + 1);
    if (need > size - used) break;
    used += need;
  }
  fuse_reply_buf(req, buf.data(), used);
}

void op_open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  if (ino != kFileIno) {
    fuse_reply_err(req, EISDIR);
    return;
  }
  if ((fi->flags & O_ACCMODE) != O_RDONLY) {
    fuse_reply_err(req, EACCES);
    return;
  }
  fi->keep_cache = 1;  // as anonfs does for drop files
  fuse_reply_open(req, fi);
}

void op_read(fuse_req_t req, fuse_ino_t, size_t size, off_t off, fuse_file_info*) {
  const std::uint64_t offset = static_cast<std::uint64_t>(off);
  std::size_t n = 0;
  if (offset < g_size) n = static_cast<std::size_t>(std::min<std::uint64_t>(size, g_size - offset));
  n = std::min(n, g_zeros.size());  // never hit: reads are at most max_pages * 4 KiB
  fuse_reply_buf(req, g_zeros.data(), n);
}

std::uint64_t parse_size(std::string_view text) {
  return anonfs::bench::parse_size_arg(text).value_or(0);  // 0: rejected by the caller
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: fuse_null MOUNTPOINT SIZE [-o OPTS]\n");
    return 2;
  }
  const char* mountpoint = argv[1];
  g_size = parse_size(argv[2]);
  if (g_size == 0) {
    std::fprintf(stderr, "fuse_null: bad size %s\n", argv[2]);
    return 2;
  }
  // Pre-size the zero buffer for the largest possible read (FUSE_MAX_MAX_PAGES * 4 KiB = 1 MiB
  // on current kernels), so worker threads never resize it concurrently.
  g_zeros.assign(4u << 20, 0);

  std::string opts = "fsname=fuse_null,subtype=fuse_null,ro";
  for (int i = 3; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "-o") == 0) opts += std::string(",") + argv[i + 1];
  }
  std::vector<std::string> strings = {"fuse_null", "-o", opts};
  fuse_args args = FUSE_ARGS_INIT(0, nullptr);
  for (const auto& s : strings)
    fuse_opt_add_arg(&args, s.c_str());

  fuse_lowlevel_ops ops{};
  ops.init = op_init;
  ops.lookup = op_lookup;
  ops.getattr = op_getattr;
  ops.readdir = op_readdir;
  ops.open = op_open;
  ops.read = op_read;

  fuse_session* se = fuse_session_new(&args, &ops, sizeof ops, nullptr);
  fuse_opt_free_args(&args);
  if (se == nullptr) return 1;
  int rc = 1;
  if (fuse_set_signal_handlers(se) == 0) {
    if (fuse_session_mount(se, mountpoint) == 0) {
      fuse_loop_config* cfg = fuse_loop_cfg_create();
      fuse_loop_cfg_set_max_threads(cfg, 16);
      fuse_loop_cfg_set_clone_fd(cfg, 0);
      rc = fuse_session_loop_mt(se, cfg) == 0 ? 0 : 1;
      fuse_loop_cfg_destroy(cfg);
      fuse_session_unmount(se);
    }
    fuse_remove_signal_handlers(se);
  }
  fuse_session_destroy(se);
  return rc;
}
