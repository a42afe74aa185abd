// `anonfs status [--mount DIR]`: prints the outbox status of a running mount
// (DIR/.anonfs/status: queued, uploading, done and failed items with bytes, rate and errors).
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "commands.hpp"
#include "mounts.hpp"

namespace anonfs::cli {

int run_status(const std::vector<std::string>& args) {
  std::optional<std::string> mount_dir;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--mount" && i + 1 < args.size()) {
      mount_dir = args[++i];
    } else {
      std::fprintf(stderr, "anonfs status: unexpected argument %s\n", args[i].c_str());
      return 2;
    }
  }
  try {
    const std::string path = choose_mount(mount_dir) + "/.anonfs/status";
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path + " (is it an anonfs mount?)");
    std::stringstream text;
    text << in.rdbuf();
    std::fputs(text.str().c_str(), stdout);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "anonfs status: %s\n", e.what());
    return 1;
  }
}

}  // namespace anonfs::cli
