// Running anonfs mounts, for commands that talk to a mount (open, status).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace anonfs::cli {

// Mount points of running anonfs mounts (from /proc/self/mountinfo).
std::vector<std::string> anonfs_mounts();

// `dir` if given, else the only running anonfs mount; throws std::runtime_error otherwise.
std::string choose_mount(const std::optional<std::string>& dir);

}  // namespace anonfs::cli
