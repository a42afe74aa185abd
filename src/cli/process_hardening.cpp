#include "process_hardening.hpp"

#include <sys/prctl.h>
#include <sys/resource.h>

namespace anonfs::cli {

void harden_process() noexcept {
  const rlimit no_core{0, 0};
  (void)::setrlimit(RLIMIT_CORE, &no_core);
  (void)::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

}  // namespace anonfs::cli
