// Command-line sizes of the benchmark tools: "4096", "512K", "256M", "2G" (binary units).
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace anonfs::bench {

// nullopt for anything that is not a plain decimal with an optional K/M/G suffix.
inline std::optional<std::uint64_t> parse_size_arg(std::string_view text) {
  std::uint64_t mult = 1;
  if (!text.empty()) {
    switch (text.back()) {
      case 'K':
      case 'k':
        mult = 1ull << 10;
        break;
      case 'M':
      case 'm':
        mult = 1ull << 20;
        break;
      case 'G':
      case 'g':
        mult = 1ull << 30;
        break;
      default:
        break;
    }
    if (mult != 1) text.remove_suffix(1);
  }
  std::uint64_t v = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
  if (v > UINT64_MAX / mult) return std::nullopt;
  return v * mult;
}

}  // namespace anonfs::bench
