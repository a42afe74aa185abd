#include "anonfs/vfs/api_errors.hpp"

#include <string>

namespace anonfs::vfs {

VfsError to_vfs_error(const api::ApiError& error, std::string_view context) {
  VfsErrc code = VfsErrc::kIo;
  switch (error.kind()) {
    case api::ErrorKind::kCancelled:
      code = VfsErrc::kCancelled;
      break;
    case api::ErrorKind::kHttpStatus:
      switch (error.status()) {
        case 404:
        case 410:
          code = VfsErrc::kNotFound;
          break;
        case 401:
        case 403:
        case 451:
          code = VfsErrc::kAccessDenied;
          break;
        case 413:
        case 507:
          code = VfsErrc::kNoSpace;
          break;
        default:
          code = VfsErrc::kIo;
      }
      break;
    default:
      code = VfsErrc::kIo;
  }
  return VfsError(code, std::string(context) + ": " + error.what());
}

}  // namespace anonfs::vfs
