// The locked arena behind SecretBytes: size classes of 16..4096 bytes, each carved from mlock'd,
// MADV_DONTDUMP pages of one reserved mapping. Freed blocks are wiped and kept on a per-class
// free list; pages are never returned (the arena is bounded), so the locked footprint is the peak
// of live small secrets, rounded up to pages per class.
//
// Thread safety: one mutex guards the arena (free lists, page cursor, counters); it is held only
// for pointer bookkeeping and the one-time mlock of a new page, never for crypto or I/O.
// fork(): memory locks are not inherited, so a pthread_atfork child handler locks the carved
// pages again (the daemon forks after the vault password is read).
#include "anonfs/crypto/locked_memory.hpp"

#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cstdint>
#include <mutex>
#include <new>

#include "anonfs/crypto/bytes.hpp"

namespace anonfs::crypto {
namespace {

constexpr std::size_t kMinBlock = 16;
constexpr std::size_t kClasses = 9;  // 16, 32, ..., 4096
static_assert(kMinBlock << (kClasses - 1) == kLockedMaxBlock);

constexpr std::size_t class_of(std::size_t n) noexcept {
  const std::size_t rounded = std::bit_ceil(n < kMinBlock ? kMinBlock : n);
  return static_cast<std::size_t>(std::countr_zero(rounded) - std::countr_zero(kMinBlock));
}
constexpr std::size_t block_size(std::size_t cls) noexcept {
  return kMinBlock << cls;
}

struct FreeBlock {
  FreeBlock* next;
};

// Trivially destructible and constant-initialised: usable from static destructors of any order.
struct Arena {
  std::mutex mu;
  bool initialised = false;
  // Null until initialised, and when the mapping failed (everything goes to the heap). Written once
  // under the lock; read without it by in_arena().
  std::atomic<std::uint8_t*> base{nullptr};
  std::size_t page_size = 0;
  std::size_t pages_total = 0;
  std::size_t pages_carved = 0;
  std::size_t pages_locked = 0;
  std::size_t blocks_in_use = 0;
  std::size_t heap_fallbacks = 0;
  bool lock_failed = false;
  bool lock_failure_reported = false;
  std::array<FreeBlock*, kClasses> free{};
};

constinit Arena g_arena;
std::atomic<LockFailureHandler> g_handler{nullptr};

void atfork_prepare() noexcept {
  g_arena.mu.lock();
}
void atfork_parent() noexcept {
  g_arena.mu.unlock();
}
void atfork_child() noexcept {
  // Only the forking thread exists here and the arena lock is ours.
  Arena& a = g_arena;
  a.pages_locked = 0;
  for (std::size_t i = 0; i < a.pages_carved; ++i) {
    if (::mlock(a.base.load(std::memory_order_relaxed) + i * a.page_size, a.page_size) == 0) {
      ++a.pages_locked;
    } else {
      a.lock_failed = true;
    }
  }
  a.mu.unlock();
}

// Under the lock.
void initialise(Arena& a) noexcept {
  a.initialised = true;
  const long page = ::sysconf(_SC_PAGESIZE);
  a.page_size = page > 0 ? static_cast<std::size_t>(page) : 4096;
  if (a.page_size < kLockedMaxBlock) return;  // no such Linux system; keep the heap
  void* p = ::mmap(nullptr, kLockedArenaBytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return;
  (void)::madvise(p, kLockedArenaBytes, MADV_DONTDUMP);
  a.base.store(static_cast<std::uint8_t*>(p), std::memory_order_release);
  a.pages_total = kLockedArenaBytes / a.page_size;
  (void)::pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

// Under the lock. Carves one page into blocks of class cls; returns errno of a failed mlock
// (0 when locked or when no page is left).
int carve_page(Arena& a, std::size_t cls) noexcept {
  std::uint8_t* const base = a.base.load(std::memory_order_relaxed);
  if (base == nullptr || a.pages_carved == a.pages_total) return 0;
  std::uint8_t* page = base + a.pages_carved * a.page_size;
  ++a.pages_carved;
  int err = 0;
  if (::mlock(page, a.page_size) == 0) {
    ++a.pages_locked;
  } else {
    err = errno;
    a.lock_failed = true;
  }
  const std::size_t size = block_size(cls);
  for (std::size_t off = a.page_size; off >= size; off -= size) {
    auto* block = reinterpret_cast<FreeBlock*>(page + off - size);
    block->next = a.free[cls];
    a.free[cls] = block;
  }
  return err;
}

bool in_arena(const Arena& a, const void* p) noexcept {
  const std::uint8_t* const base = a.base.load(std::memory_order_acquire);
  const auto* b = static_cast<const std::uint8_t*>(p);
  return base != nullptr && b >= base && b < base + kLockedArenaBytes;
}

}  // namespace

void* secret_allocate(std::size_t n) {
  if (n == 0) n = 1;
  if (n <= kLockedMaxBlock) {
    const std::size_t cls = class_of(n);
    int lock_error = 0;
    FreeBlock* block = nullptr;
    {
      const std::lock_guard lock(g_arena.mu);
      if (!g_arena.initialised) initialise(g_arena);
      if (g_arena.free[cls] == nullptr) lock_error = carve_page(g_arena, cls);
      block = g_arena.free[cls];
      if (block != nullptr) {
        g_arena.free[cls] = block->next;
        ++g_arena.blocks_in_use;
      } else {
        ++g_arena.heap_fallbacks;
      }
      if (lock_error != 0 && !g_arena.lock_failure_reported) {
        g_arena.lock_failure_reported = true;
      } else {
        lock_error = 0;
      }
    }
    if (lock_error != 0) {
      if (const LockFailureHandler h = g_handler.load(); h != nullptr) h(lock_error);
    }
    if (block != nullptr) {
      block->next = nullptr;
      return block;
    }
  }
  return ::operator new(n);
}

void secret_deallocate(void* p, std::size_t n) noexcept {
  if (p == nullptr) return;
  if (n == 0) n = 1;
  if (in_arena(g_arena, p)) {
    const std::size_t cls = class_of(n);
    secure_wipe(p, block_size(cls));
    auto* block = static_cast<FreeBlock*>(p);
    const std::lock_guard lock(g_arena.mu);
    block->next = g_arena.free[cls];
    g_arena.free[cls] = block;
    --g_arena.blocks_in_use;
    return;
  }
  secure_wipe(p, n);
  ::operator delete(p);
}

LockedMemoryStats locked_memory_stats() noexcept {
  const std::lock_guard lock(g_arena.mu);
  return {g_arena.pages_carved, g_arena.pages_locked, g_arena.blocks_in_use, g_arena.heap_fallbacks,
          g_arena.lock_failed};
}

bool in_locked_arena(const void* p) noexcept {
  return in_arena(g_arena, p);
}

void set_lock_failure_handler(LockFailureHandler handler) noexcept {
  g_handler.store(handler);
}

}  // namespace anonfs::crypto
