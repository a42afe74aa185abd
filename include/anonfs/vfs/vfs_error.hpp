// VfsError, the exception type of the vfs layer. The fuse adapter maps VfsErrc to errno in one
// place; lower-layer exceptions (api::ApiError, crypto::CryptoError) may also cross the vfs and
// are mapped there too.
#pragma once

#include <stdexcept>
#include <string>

namespace anonfs::vfs {

enum class VfsErrc {
  kNotFound,         // ENOENT
  kAccessDenied,     // EACCES / EPERM
  kIo,               // EIO: source failure, corrupt or inconsistent data (e.g. wrong chunk length)
  kInvalidArgument,  // EINVAL
  kReadOnly,         // EROFS
  kExists,           // EEXIST
  kNotEmpty,         // ENOTEMPTY
  kNoSpace,          // ENOSPC / EDQUOT
  kFileTooLarge,     // EFBIG
  kBusy,             // EBUSY
  kCancelled,        // EINTR: the operation's stop token was triggered
  kNotDirectory,     // ENOTDIR
  kIsDirectory,      // EISDIR
  kCrossDevice,      // EXDEV: rename between top-level folders
  kNameTooLong,      // ENAMETOOLONG
  kNotSupported,     // ENOTSUP
};

constexpr const char* to_string(VfsErrc code) noexcept {
  switch (code) {
    case VfsErrc::kNotFound:
      return "not found";
    case VfsErrc::kAccessDenied:
      return "access denied";
    case VfsErrc::kIo:
      return "I/O error";
    case VfsErrc::kInvalidArgument:
      return "invalid argument";
    case VfsErrc::kReadOnly:
      return "read-only";
    case VfsErrc::kExists:
      return "exists";
    case VfsErrc::kNotEmpty:
      return "not empty";
    case VfsErrc::kNoSpace:
      return "no space";
    case VfsErrc::kFileTooLarge:
      return "file too large";
    case VfsErrc::kBusy:
      return "busy";
    case VfsErrc::kCancelled:
      return "cancelled";
    case VfsErrc::kNotDirectory:
      return "not a directory";
    case VfsErrc::kIsDirectory:
      return "is a directory";
    case VfsErrc::kCrossDevice:
      return "cross-device link";
    case VfsErrc::kNameTooLong:
      return "name too long";
    case VfsErrc::kNotSupported:
      return "not supported";
  }
  return "unknown";
}

class VfsError : public std::runtime_error {
 public:
  VfsError(VfsErrc code, const std::string& what) : std::runtime_error(what), code_(code) {}
  VfsErrc code() const noexcept { return code_; }

 private:
  VfsErrc code_;
};

}  // namespace anonfs::vfs
