// Hostile-server test mode (issue #8, `anonfs-server serve --hostile KIND[,KIND…]`): the drop
// routes a mount reads answer with lies, so that tests can show the client stays up, bounded in
// memory, and answers with errors. Never for production: every drop and object is affected.
#pragma once

#include <httplib.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "anonfs/wire/drop.hpp"
#include "blob_store.hpp"

namespace anonfs::server {

enum class HostileKind : unsigned {
  kSizes = 1u << 0,      // metadata: sizes of 2^62 and -1, chunk counts of 2^40 (per file, in turn)
  kManyFiles = 1u << 1,  // metadata: the first file repeated to 100 000 entries (same name)
  kDuplicates = 1u << 2,  // metadata: every file listed twice, same id and name
  kShortBody = 1u << 3,   // object GET: half the bytes the Range asked for (Content-Length says so)
  kLongBody = 1u << 4,    // object GET: the asked bytes plus 4 KiB of junk
  kEndlessBody = 1u << 5,  // object GET: a chunked body that never ends
  kDrip = 1u << 6,         // object GET: the right bytes, one every 100 ms
};

class Hostility {
 public:
  // Parses kind names ("sizes", "many-files", "duplicates", "short-body", "long-body",
  // "endless-body", "drip"); throws std::invalid_argument naming an unknown one.
  static Hostility parse(const std::vector<std::string>& kinds);
  static const char* kind_names();  // for help texts and errors

  bool any() const { return bits_ != 0; }
  bool has(HostileKind k) const { return (bits_ & static_cast<unsigned>(k)) != 0; }

  // Rewrites the file list of a GET /api/v1/drop/:id answer.
  void corrupt_metadata(wire::DropMetadata& metadata) const;
  // Answers an object GET of `length` bytes at `first` from `reader` with the body lie of this
  // mode; false if no body kind is on (the caller answers honestly).
  bool serve_object(httplib::Response& res, std::shared_ptr<ObjectReader> reader,
                    std::int64_t first, std::int64_t length) const;

 private:
  unsigned bits_ = 0;
};

}  // namespace anonfs::server
