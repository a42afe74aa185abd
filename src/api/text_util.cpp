// Trimming and sanitising of untrusted text (server messages, header values).
#include "text_util.hpp"

namespace anonfs::api {

std::string_view trim(std::string_view text) noexcept {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && is_space(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && is_space(text.back()))
    text.remove_suffix(1);
  return text;
}

std::string sanitize_text(std::string_view text, std::size_t max_bytes) {
  std::string out;
  const std::string_view trimmed = trim(text);
  const bool truncated = trimmed.size() > max_bytes;
  out.reserve(truncated ? max_bytes + 3 : trimmed.size());
  for (std::size_t i = 0; i < trimmed.size() && i < max_bytes; ++i) {
    const auto c = static_cast<unsigned char>(trimmed[i]);
    out.push_back(c < 0x20 || c == 0x7f ? ' ' : static_cast<char>(c));
  }
  if (truncated) out += "...";
  return out;
}

}  // namespace anonfs::api
