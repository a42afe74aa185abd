#include "mounts.hpp"

#include <fstream>
#include <stdexcept>

namespace anonfs::cli {

std::vector<std::string> anonfs_mounts() {
  std::vector<std::string> out;
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    const auto dash = line.find(" - ");
    if (dash == std::string::npos || line.find("fuse.anonfs", dash) == std::string::npos) continue;
    // Field 5 is the mount point (octal escapes for spaces etc.).
    std::size_t pos = 0;
    for (int field = 0; field < 4; ++field)
      pos = line.find(' ', pos) + 1;
    std::string escaped = line.substr(pos, line.find(' ', pos) - pos);
    std::string path;
    for (std::size_t i = 0; i < escaped.size(); ++i) {
      if (escaped[i] == '\\' && i + 3 < escaped.size()) {
        path.push_back(static_cast<char>(std::stoi(escaped.substr(i + 1, 3), nullptr, 8)));
        i += 3;
      } else {
        path.push_back(escaped[i]);
      }
    }
    out.push_back(path);
  }
  return out;
}

std::string choose_mount(const std::optional<std::string>& dir) {
  if (dir) return *dir;
  const auto mounts = anonfs_mounts();
  if (mounts.size() != 1) {
    throw std::runtime_error(mounts.empty() ? "no anonfs mount is running (anonfs mount DIR)"
                                            : "several anonfs mounts: say which with --mount");
  }
  return mounts.front();
}

}  // namespace anonfs::cli
