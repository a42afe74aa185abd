// The one translation of api-layer failures into vfs errors (which the fuse adapter maps to
// errno in its own single place).
#pragma once

#include <string_view>

#include "anonfs/api/api_error.hpp"
#include "anonfs/vfs/vfs_error.hpp"

namespace anonfs::vfs {

// 404/410 -> kNotFound, 401/403/451 -> kAccessDenied, 413/507 -> kNoSpace, cancellation ->
// kCancelled, everything else (network, timeouts, 5xx, protocol errors, 429 after retries) ->
// kIo. `context` says what was being done ("listing drops", "drop abc: reading chunk 3").
VfsError to_vfs_error(const api::ApiError& error, std::string_view context);

}  // namespace anonfs::vfs
