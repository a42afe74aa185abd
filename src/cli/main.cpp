// anonfs entry point: dispatches subcommands.
#include <cstdio>
#include <cstring>
#include <string_view>

namespace {

constexpr const char* kUsage = R"(usage: anonfs <command> [options]

End-to-end encrypted sharing services as an ordinary folder.

commands:
  mount DIR        mount drops, forms, outbox and secrets at DIR (in progress)
  --help, -h       show this help
  --version        print the version

The crypto core is complete; mounting, upload and the CLI subcommands are being built.
See README.md and docs/ for the plan and the current state.
)";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  const std::string_view cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (cmd == "--version") {
    std::puts("anonfs 0.1.0");
    return 0;
  }
  std::fprintf(stderr, "anonfs: '%s' is not available yet (see anonfs --help)\n", argv[1]);
  return 2;
}
