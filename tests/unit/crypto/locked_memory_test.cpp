// The locked arena behind SecretBytes: keys sit in mlock'd pages (checked in /proc/self/smaps),
// are wiped on release, big buffers stay on the heap, and a forked child has its pages locked.
#include "anonfs/crypto/locked_memory.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "anonfs/crypto/bytes.hpp"
#include "anonfs/crypto/random.hpp"

namespace ac = anonfs::crypto;

// The sanitizer runtimes intercept mlock() as a no-op returning success (their shadow memory
// cannot be locked), so the kernel's view of locked pages is only checked in normal builds.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SKIP_UNDER_SANITIZERS() GTEST_SKIP() << "sanitizers make mlock() a no-op"
#else
#define SKIP_UNDER_SANITIZERS() (void)0
#endif

namespace {

// The `Locked:` kB of the /proc/self/smaps mapping that contains p, or nullopt if none does.
std::optional<long> locked_kb_of_mapping(const void* p) {
  const auto addr = reinterpret_cast<std::uintptr_t>(p);
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    std::uintptr_t lo = 0, hi = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> lo >> dash >> hi && dash == '-') {
      inside = addr >= lo && addr < hi;
      continue;
    }
    if (inside && line.rfind("Locked:", 0) == 0) return std::stol(line.substr(7));
  }
  return std::nullopt;
}

long vm_locked_kb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmLck:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

TEST(LockedMemory, KeysLiveInLockedPages) {
  SKIP_UNDER_SANITIZERS();
  const ac::SecretBytes key = ac::random_secret(32);
  ASSERT_TRUE(ac::in_locked_arena(key.data()));
  const auto locked = locked_kb_of_mapping(key.data());
  ASSERT_TRUE(locked.has_value());
  EXPECT_GT(*locked, 0) << "the page holding the key is not mlock'd";
  EXPECT_GT(vm_locked_kb(), 0);
  EXPECT_FALSE(ac::locked_memory_stats().lock_failed);
  EXPECT_GT(ac::locked_memory_stats().pages_locked, 0u);
}

TEST(LockedMemory, ReleaseWipesTheBlock) {
  constexpr std::size_t kSize = 64;
  const std::uint8_t* where = nullptr;
  {
    ac::SecretBytes key(kSize);
    std::fill(key.mutable_view().begin(), key.mutable_view().end(), std::uint8_t{0xA5});
    where = key.data();
    ASSERT_TRUE(ac::in_locked_arena(where));
  }
  // The arena stays mapped; a freed block keeps only the free-list link in its first word.
  for (std::size_t i = sizeof(void*); i < kSize; ++i)
    EXPECT_EQ(where[i], 0) << "byte " << i;
}

TEST(LockedMemory, TruncatedTailIsWipedAndBlockReused) {
  ac::SecretBytes s = ac::SecretBytes::from_string("0123456789abcdef0123456789abcdef");
  const std::uint8_t* where = s.data();
  s.truncate(4);
  EXPECT_EQ(s.str(), "0123");
  for (std::size_t i = 4; i < 32; ++i)
    EXPECT_EQ(where[i], 0);
}

TEST(LockedMemory, LargeBuffersStayOnTheHeap) {
  const ac::SecretBytes big(ac::kLockedMaxBlock + 1);
  EXPECT_FALSE(ac::in_locked_arena(big.data()));
  const ac::SecretBytes edge(ac::kLockedMaxBlock);
  EXPECT_TRUE(ac::in_locked_arena(edge.data()));
  const ac::SecretBytes empty(std::size_t{0});
  EXPECT_EQ(empty.data(), nullptr);
}

TEST(LockedMemory, MovesKeepTheBlockAndAccountingBalances) {
  const std::size_t before = ac::locked_memory_stats().blocks_in_use;
  {
    ac::SecretBytes a = ac::random_secret(48);
    const std::uint8_t* where = a.data();
    ac::SecretBytes b = std::move(a);
    EXPECT_EQ(b.data(), where);
    ac::SecretBytes c;
    c = std::move(b);
    EXPECT_EQ(c.data(), where);
    EXPECT_EQ(ac::locked_memory_stats().blocks_in_use, before + 1);
  }
  EXPECT_EQ(ac::locked_memory_stats().blocks_in_use, before);
}

TEST(LockedMemory, ForkedChildRelocksItsPages) {
  SKIP_UNDER_SANITIZERS();
  const ac::SecretBytes key = ac::random_secret(32);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // Memory locks are not inherited across fork(); the arena's atfork handler locks again.
    const auto locked = locked_kb_of_mapping(key.data());
    ::_exit(locked && *locked > 0 && ac::locked_memory_stats().pages_locked > 0 ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the child's key page is not locked";
}

TEST(LockedMemory, ConcurrentAllocationsBalance) {
  const std::size_t before = ac::locked_memory_stats().blocks_in_use;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < 2000; ++i) {
        ac::SecretBytes s(static_cast<std::size_t>(1 + (i * 7 + t * 13) % 600));
        s.mutable_view()[0] = static_cast<std::uint8_t>(i);
        ac::SecretBytes other = s.clone();
        ASSERT_TRUE(other.equals(s.view()));
      }
    });
  }
  for (auto& th : threads)
    th.join();
  EXPECT_EQ(ac::locked_memory_stats().blocks_in_use, before);
}

}  // namespace
