// XDG base directories of anonfs, and private (0700/0600) file helpers.
#pragma once

#include <filesystem>
#include <string>

namespace anonfs::cli {

// $XDG_CONFIG_HOME/anonfs (default ~/.config/anonfs), likewise data and cache.
std::filesystem::path config_dir();
std::filesystem::path data_dir();
std::filesystem::path cache_dir();
std::filesystem::path state_dir();  // $XDG_STATE_HOME/anonfs: the daemon's log

// Creates `dir` and missing parents; the last component gets mode 0700.
void make_private_dir(const std::filesystem::path& dir);
// Writes `content` to `path` atomically (temp file + rename) with mode 0600.
void write_private_file(const std::filesystem::path& path, const std::string& content);

}  // namespace anonfs::cli
