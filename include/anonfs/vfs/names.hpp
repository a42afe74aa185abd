// File-name rules of the mount: sanitising decrypted (untrusted) names per path segment
// (protocol §4 step 7), drop folder names, and stable de-duplication of colliding names.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace anonfs::vfs {

inline constexpr std::size_t kMaxSegmentChars = 200;  // code points per segment, as the web
// Bytes per segment: Linux names are at most 255 bytes (NAME_MAX; a longer one can be listed but
// never opened), less room for the " (n)" of a duplicate and the " [<drop id>]" of a folder.
inline constexpr std::size_t kMaxSegmentBytes = 220;

// One path segment, made safe to show in a directory: `<>:"/\|?*`, control characters and NUL
// become '_', a segment made only of dots ("", ".", "..", "...") becomes "_", invalid UTF-8
// bytes become '_', and the result is cut to kMaxSegmentChars code points and kMaxSegmentBytes
// bytes (never inside a UTF-8 sequence). Never empty, never
// contains '/' or NUL, never "." or "..".
std::string sanitize_segment(std::string_view segment);

// A decrypted relative path ("a/b/c.txt") split on '/' (and '\\'), each segment sanitised.
// Empty segments ("a//b", leading or trailing '/') are dropped; an empty result gives {"_"}.
std::vector<std::string> sanitize_relative_path(std::string_view path);

// "<title> [<id>]", or "[<id>]" when the title is empty; the title is sanitised as a segment
// and the id is trusted to be [0-9A-Za-z_-] (checked by the caller).
std::string drop_folder_name(std::string_view title, std::string_view id);

// "name (n).ext" for the n-th duplicate (n >= 2): the suffix goes before the last extension of
// a file name ("a.tar.gz" -> "a.tar (2).gz"), after the whole name for a dot-file or folder.
std::string numbered_name(std::string_view name, unsigned n, bool is_dir);

// True for ids the server may legitimately issue ([0-9A-Za-z_-], 1..64 characters).
bool is_safe_id(std::string_view id) noexcept;

}  // namespace anonfs::vfs
