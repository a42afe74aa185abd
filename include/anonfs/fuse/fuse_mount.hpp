// The libfuse3 low-level adapter: serves a vfs::Filesystem at a mount point. The only place
// where errors become errno values (see errno_for).
#pragma once

#include <exception>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "anonfs/vfs/filesystem.hpp"

namespace anonfs::fuse {

struct MountOptions {
  std::filesystem::path mountpoint;
  std::vector<std::string> fuse_options;  // "-o" values, comma lists allowed ("ro,allow_other")
  unsigned max_threads = 16;              // FUSE worker threads
  bool debug = false;                     // libfuse request tracing
};

// Thrown when the mount cannot be set up (bad mount point, no /dev/fuse, bad -o option).
class MountError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Mounts, calls on_mounted() once the mount is live, then serves requests on a multithreaded
// loop until the file system is unmounted (`fusermount3 -u`) or SIGINT/SIGTERM/SIGHUP arrives
// (then it unmounts itself). Returns when the mount is gone.
void serve(vfs::Filesystem& filesystem, const MountOptions& options,
           const std::function<void()>& on_mounted);

// The errno value for an exception escaping a vfs call (VfsError codes, api and crypto errors,
// bad_alloc; anything else is EIO).
int errno_for(const std::exception_ptr& error) noexcept;

}  // namespace anonfs::fuse
