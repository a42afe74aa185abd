#include "anonfs/vfs/opened_drop.hpp"

#include <charconv>
#include <optional>

#include "anonfs/crypto/error.hpp"
#include "anonfs/vfs/iso_time.hpp"
#include "anonfs/vfs/names.hpp"
#include "anonfs/vfs/vfs_error.hpp"

namespace anonfs::vfs {
namespace {

std::optional<std::uint64_t> parse_decimal(std::string_view text) {
  std::uint64_t value = 0;
  if (text.empty() || text.size() > 20) return std::nullopt;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<std::uint64_t> non_negative(const std::optional<std::int64_t>& v) {
  if (!v) return std::nullopt;
  if (*v < 0) return 0;  // rejected by validation below (chunk size/count must be >= 1)
  return static_cast<std::uint64_t>(*v);
}

}  // namespace

OpenedDrop open_drop(const wire::DropMetadata& metadata, const crypto::DropKey& key) {
  OpenedDrop drop;
  drop.id = metadata.id;
  drop.created = parse_iso8601(metadata.createdAt).value_or(0);

  if (metadata.encryptedTitle && !metadata.encryptedTitle->empty()) {
    try {
      const crypto::DropIv drop_iv = crypto::parse_drop_iv(metadata.iv);
      drop.title = crypto::decrypt_title(key, drop_iv, *metadata.encryptedTitle).text;
    } catch (const crypto::CryptoError&) {
      drop.title.clear();  // non-fatal, as in the web client (§4 step 3)
    }
  }

  for (const wire::DropMetadataFile& f : metadata.files) {
    if (!is_safe_id(f.id)) {
      drop.problems.push_back("a file with a malformed id was skipped");
      continue;
    }
    DropFile file;
    file.file_id = f.id;
    file.mime_type = f.mimeType;
    try {
      file.iv = crypto::parse_drop_iv(f.iv);
    } catch (const crypto::CryptoError& e) {
      drop.problems.push_back("file " + f.id + ": bad IV (" + e.what() + ")");
      continue;
    }
    try {
      crypto::DecryptedText name = crypto::decrypt_name(key, file.iv, f.encryptedName);
      file.scheme = name.scheme;
      file.decrypted_name = std::move(name.text);
    } catch (const crypto::CryptoError& e) {
      if (e.code() == crypto::CryptoErrc::kAuthenticationFailed) {
        throw VfsError(VfsErrc::kAccessDenied, "drop " + metadata.id +
                                                   ": the key does not open file " + f.id +
                                                   " (wrong key or password)");
      }
      drop.problems.push_back("file " + f.id + ": undecodable name (" + e.what() + ")");
      continue;
    }
    const auto size = parse_decimal(f.size);
    try {
      if (!size) throw crypto::CryptoError(crypto::CryptoErrc::kInvalidFormat, "size");
      file.layout = crypto::chunk_layout_from_server(*size, non_negative(f.chunkSize),
                                                     non_negative(f.chunkCount));
    } catch (const crypto::CryptoError&) {
      drop.problems.push_back("file " + f.id + ": impossible size or chunk geometry");
      continue;
    }
    file.size = crypto::plaintext_size(file.layout);
    file.segments = sanitize_relative_path(file.decrypted_name);
    drop.files.push_back(std::move(file));
  }
  return drop;
}

}  // namespace anonfs::vfs
