// Locked memory for small secrets. Keys, passwords, tokens and share links (everything a
// SecretBytes holds up to kLockedMaxBlock bytes) live in an arena of pages that are mlock'd (never
// swapped out) and marked MADV_DONTDUMP (never in a core dump). Larger secrets (decrypted
// 50 MiB chunks, staging blocks) use the ordinary heap: locking hundreds of MiB would exceed
// RLIMIT_MEMLOCK, which is 64 KiB..8 MiB for ordinary users. When mlock fails (limit reached) the
// memory is still used, unlocked, and the failure is reported once through the handler.
#pragma once

#include <cstddef>

namespace anonfs::crypto {

// The largest allocation served from the locked arena, and the arena's size (address space
// reserved with MAP_NORESERVE; pages are carved and locked one at a time as size classes need
// them). 1 MiB holds 4096 keys of 256 bytes.
inline constexpr std::size_t kLockedMaxBlock = 4096;
inline constexpr std::size_t kLockedArenaBytes = std::size_t{1} << 20;

// At least n bytes (n > 0), from the locked arena when n <= kLockedMaxBlock and the arena has
// room, else from the heap. Throws std::bad_alloc when neither has memory.
void* secret_allocate(std::size_t n);
// Wipes and releases memory from secret_allocate; n must be the size given to it. Null is a no-op.
void secret_deallocate(void* p, std::size_t n) noexcept;

struct LockedMemoryStats {
  std::size_t pages_carved = 0;    // arena pages given to size classes
  std::size_t pages_locked = 0;    // of which mlock succeeded (in this process)
  std::size_t blocks_in_use = 0;   // live allocations in the arena
  std::size_t heap_fallbacks = 0;  // small allocations that went to the heap (arena full/absent)
  bool lock_failed = false;        // some mlock failed (RLIMIT_MEMLOCK); memory used unlocked
};
LockedMemoryStats locked_memory_stats() noexcept;

// True when p points into the locked arena.
bool in_locked_arena(const void* p) noexcept;

// Called at most once per process, outside the arena's lock, the first time mlock fails, with
// errno. The CLI installs a handler that logs at info level. No handler: silent.
using LockFailureHandler = void (*)(int error_number) noexcept;
void set_lock_failure_handler(LockFailureHandler handler) noexcept;

}  // namespace anonfs::crypto
