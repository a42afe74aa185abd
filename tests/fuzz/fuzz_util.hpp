// Shared helpers of the libFuzzer targets (tests/fuzz, built with -Dfuzz=true under clang).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace anonfs::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A property violation: abort so that libFuzzer records the input as a crash.
inline void require(bool condition) {
  if (!condition) std::abort();
}

}  // namespace anonfs::fuzz
