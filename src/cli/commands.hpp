// `anonfs` subcommands. Each takes the arguments after its name and returns the exit status.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace anonfs::cli {

int run_mount(const std::vector<std::string>& args);
int run_login(const std::vector<std::string>& args);
int run_open(const std::vector<std::string>& args);
int run_secret(const std::vector<std::string>& args);
int run_form(const std::vector<std::string>& args);
int run_upload(const std::vector<std::string>& args);
int run_get(const std::vector<std::string>& args);
int run_status(const std::vector<std::string>& args);

// Parses "4096", "512K", "256M", "2G" (binary units); throws std::invalid_argument.
std::uint64_t parse_size(const std::string& text);

}  // namespace anonfs::cli
