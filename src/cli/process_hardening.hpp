// Process-wide protections for a program that holds keys and plaintext in memory.
#pragma once

namespace anonfs::cli {

// No core dumps (RLIMIT_CORE 0) and not dumpable (PR_SET_DUMPABLE 0: no core file, no ptrace
// attach or /proc/PID/mem reads by other processes of the same user). Best effort: failures
// are ignored (the limits only ever get stricter). Keys (SecretBytes) live in the locked arena
// of crypto/locked_memory.hpp; this installs its handler that logs, once, at info level, when
// mlock fails (RLIMIT_MEMLOCK). Called first thing in main().
void harden_process() noexcept;

}  // namespace anonfs::cli
