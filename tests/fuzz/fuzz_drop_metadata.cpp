// Server answers into the client's drop models and the mount's tree: GET /api/v1/drop/:id and
// list JSON with hostile sizes, counts and names. open_drop must give a typed error or a tree
// whose every name segment is safe (never empty, ".", "..", or containing '/' or NUL), and the
// chunk geometry of every accepted file must stay inside the stored object.
#include <nlohmann/json.hpp>

#include <charconv>

#include "anonfs/crypto/drop_codec.hpp"
#include "anonfs/crypto/drop_size.hpp"
#include "anonfs/crypto/error.hpp"
#include "anonfs/vfs/names.hpp"
#include "anonfs/vfs/opened_drop.hpp"
#include "anonfs/vfs/vfs_error.hpp"
#include "anonfs/wire/drop.hpp"
#include "fuzz_util.hpp"

using namespace anonfs;

namespace {

void check_segment(const std::string& s) {
  fuzz::require(!s.empty() && s != "." && s != "..");
  fuzz::require(s.find('/') == std::string::npos && s.find('\0') == std::string::npos);
}

void check_layout(const crypto::ChunkLayout& layout) {
  const std::uint64_t plain = crypto::plaintext_size(layout);
  for (std::uint32_t i : {0u, layout.chunk_count / 2, layout.chunk_count - 1}) {
    const auto range = crypto::chunk_ciphertext_range(layout, i);
    fuzz::require(range.end() <= layout.ciphertext_size && range.length > 16);
    const auto p = crypto::chunk_plaintext_range(layout, i);
    fuzz::require(p.end() <= plain && p.length > 0 && p.length + 16 == range.length);
    fuzz::require(crypto::chunk_index_at(layout, p.offset) == i);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  // Names from any source go through the per-segment sanitiser.
  for (const auto& segment : vfs::sanitize_relative_path(text))
    check_segment(segment);
  check_segment(vfs::sanitize_segment(text));

  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  try {
    (void)j.get<wire::DropListItem>();
  } catch (const nlohmann::json::exception&) {
  }
  wire::DropMetadata metadata;
  try {
    metadata = j.get<wire::DropMetadata>();
  } catch (const nlohmann::json::exception&) {
    return 0;
  }
  for (const auto& f : metadata.files) {
    std::uint64_t stored = 0;
    const auto [end, ec] = std::from_chars(f.size.data(), f.size.data() + f.size.size(), stored);
    if (ec != std::errc() || end != f.size.data() + f.size.size()) continue;
    try {
      check_layout(crypto::chunk_layout_from_server(
          stored,
          f.chunkSize ? std::optional<std::uint64_t>(static_cast<std::uint64_t>(*f.chunkSize))
                      : std::nullopt,
          f.chunkCount ? std::optional<std::uint64_t>(static_cast<std::uint64_t>(*f.chunkCount))
                       : std::nullopt));
    } catch (const crypto::CryptoError&) {
    }
  }
  static const crypto::DropKey key = crypto::DropKey::from_bytes(crypto::ByteView(
      reinterpret_cast<const std::uint8_t*>("0123456789abcdef0123456789abcdef"), 32));
  try {
    const vfs::OpenedDrop opened = vfs::open_drop(metadata, key);
    for (const auto& file : opened.files) {
      for (const auto& segment : file.segments)
        check_segment(segment);
      check_layout(file.layout);
    }
  } catch (const vfs::VfsError&) {
  } catch (const crypto::CryptoError&) {
  }
  return 0;
}
