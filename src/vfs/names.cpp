#include "anonfs/vfs/names.hpp"

#include <cstdint>
#include <string>

namespace anonfs::vfs {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not valid.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  std::size_t len = 0;
  std::uint32_t cp = 0;
  if ((c & 0xE0) == 0xC0) {
    len = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
      cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return len;
}

// True for the C1 control characters U+0080..U+009F (always the two bytes C2 80..C2 9F).
bool is_c1_control(std::string_view s, std::size_t i, std::size_t len) {
  return len == 2 && static_cast<unsigned char>(s[i]) == 0xC2 &&
         static_cast<unsigned char>(s[i + 1]) <= 0x9F;
}

bool is_forbidden_ascii(unsigned char c) {
  switch (c) {
    case '<':
    case '>':
    case ':':
    case '"':
    case '/':
    case '\\':
    case '|':
    case '?':
    case '*':
    case 0x7F:
      return true;
    default:
      return c < 0x20;
  }
}

}  // namespace

std::string sanitize_segment(std::string_view segment) {
  std::string out;
  out.reserve(segment.size());
  std::size_t code_points = 0;
  for (std::size_t i = 0; i < segment.size() && code_points < kMaxSegmentChars;) {
    const std::size_t len = utf8_sequence_length(segment, i);
    // What this code point appends: one '_' or byte, or the whole sequence.
    const std::size_t grows = len <= 1 || is_c1_control(segment, i, len) ? 1 : len;
    if (out.size() + grows > kMaxSegmentBytes) break;
    if (len == 0) {
      out.push_back('_');
      ++i;
    } else if (len == 1) {
      const auto c = static_cast<unsigned char>(segment[i]);
      out.push_back(is_forbidden_ascii(c) ? '_' : static_cast<char>(c));
      ++i;
    } else {
      if (is_c1_control(segment, i, len)) {
        out.push_back('_');
      } else {
        out.append(segment.substr(i, len));
      }
      i += len;
    }
    ++code_points;
  }
  if (out.find_first_not_of('.') == std::string::npos) return "_";
  return out;
}

std::vector<std::string> sanitize_relative_path(std::string_view path) {
  std::vector<std::string> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find_first_of("/\\", start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view part = path.substr(start, end - start);
    if (!part.empty()) segments.push_back(sanitize_segment(part));
    start = end + 1;
  }
  if (segments.empty()) segments.emplace_back("_");
  return segments;
}

std::string drop_folder_name(std::string_view title, std::string_view id) {
  std::string bracket = "[" + std::string(id) + "]";
  if (title.empty()) return bracket;
  std::string t = sanitize_segment(title);
  return t + " " + bracket;
}

std::string numbered_name(std::string_view name, unsigned n, bool is_dir) {
  const std::string suffix = " (" + std::to_string(n) + ")";
  const std::size_t dot = name.rfind('.');
  if (is_dir || dot == std::string_view::npos || dot == 0) {
    return std::string(name) + suffix;
  }
  return std::string(name.substr(0, dot)) + suffix + std::string(name.substr(dot));
}

bool is_safe_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace anonfs::vfs
