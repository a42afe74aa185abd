// ISO 8601 timestamps as the server sends them ("2026-11-23T12:00:00.000Z").
#pragma once

#include <ctime>
#include <optional>
#include <string_view>

namespace anonfs::vfs {

// Seconds since the epoch for "YYYY-MM-DDTHH:MM:SS[.fff][Z|+hh:mm|-hh:mm]"; nullopt otherwise.
std::optional<std::time_t> parse_iso8601(std::string_view text);

}  // namespace anonfs::vfs
