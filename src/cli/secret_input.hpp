// Reading secrets (API keys, passwords) from a file or the terminal: never from argv or the
// environment, never echoed, held in wiped memory.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "anonfs/crypto/bytes.hpp"

namespace anonfs::cli {

// The first line of `path` (trailing "\r\n" removed). Throws std::runtime_error naming the file
// when it cannot be read or is empty.
crypto::SecretBytes read_secret_file(const std::filesystem::path& path);

// True when stdin is a terminal we can prompt on.
bool can_prompt();

// Prompts on the terminal with echo off; throws std::runtime_error if there is no terminal.
crypto::SecretBytes prompt_secret(const std::string& prompt);

}  // namespace anonfs::cli
