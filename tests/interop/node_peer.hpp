// Interop test support: runs the Node.js peers in tests/interop (installed by tools/install-deps).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "../support/subprocess.hpp"

namespace anonfs::test_support {

// Directory holding the peer scripts and node_modules (set by meson as ANONFS_INTEROP_DIR).
inline std::string interop_dir() {
  const char* dir = std::getenv("ANONFS_INTEROP_DIR");
  return dir != nullptr ? dir : "tests/interop";
}

// Runs `node SCRIPT ARGS...` and returns its stdout; fails the test on a non-zero exit.
inline std::string run_node(const std::string& script, const std::vector<std::string>& args) {
  const std::string dir = interop_dir();
  if (!std::filesystem::exists(dir + "/node_modules")) {
    ADD_FAILURE() << dir << "/node_modules is missing: run tools/install-deps";
    return {};
  }
  const char* node = std::getenv("NODE");
  std::vector<std::string> argv = {node != nullptr ? node : "node", dir + "/" + script};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessResult r = run_process(argv);
  EXPECT_EQ(r.exit_code, 0) << "node " << script << " failed";
  return r.out;
}

}  // namespace anonfs::test_support
