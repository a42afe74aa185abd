#include "process_hardening.hpp"

#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <cstring>

#include "anonfs/crypto/locked_memory.hpp"

namespace anonfs::cli {
namespace {

void log_lock_failure(int error_number) noexcept {
  try {
    spdlog::info(
        "key memory could not be locked ({}): keys beyond RLIMIT_MEMLOCK (ulimit -l) may be "
        "swapped; they are still wiped and kept out of core dumps",
        std::strerror(error_number));
  } catch (...) {  // logging must not take the daemon down
  }
}

}  // namespace

void harden_process() noexcept {
  const rlimit no_core{0, 0};
  (void)::setrlimit(RLIMIT_CORE, &no_core);
  (void)::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  crypto::set_lock_failure_handler(log_lock_failure);
}

}  // namespace anonfs::cli
