// Hostile-server test mode: the lies of each kind (see hostile.hpp).
#include "hostile.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <thread>

namespace anonfs::server {

namespace {

struct KindName {
  const char* name;
  HostileKind kind;
};
constexpr KindName kKinds[] = {
    {"sizes", HostileKind::kSizes},
    {"many-files", HostileKind::kManyFiles},
    {"duplicates", HostileKind::kDuplicates},
    {"short-body", HostileKind::kShortBody},
    {"long-body", HostileKind::kLongBody},
    {"endless-body", HostileKind::kEndlessBody},
    {"drip", HostileKind::kDrip},
};

constexpr std::size_t kManyFiles = 100'000;
constexpr std::size_t kJunkBlock = 64 * 1024;
constexpr std::size_t kLongBodyExtra = 4096;
constexpr auto kDripInterval = std::chrono::milliseconds(100);

}  // namespace

Hostility Hostility::parse(const std::vector<std::string>& kinds) {
  Hostility h;
  for (const auto& k : kinds) {
    const auto* it = std::find_if(std::begin(kKinds), std::end(kKinds),
                                  [&](const KindName& n) { return k == n.name; });
    if (it == std::end(kKinds)) {
      throw std::invalid_argument("unknown hostile kind '" + k + "' (one of " + kind_names() + ")");
    }
    h.bits_ |= static_cast<unsigned>(it->kind);
  }
  return h;
}

const char* Hostility::kind_names() {
  return "sizes, many-files, duplicates, short-body, long-body, endless-body, drip";
}

void Hostility::corrupt_metadata(wire::DropMetadata& metadata) const {
  auto& files = metadata.files;
  if (has(HostileKind::kSizes)) {
    for (std::size_t i = 0; i < files.size(); ++i) {
      switch (i % 3) {
        case 0:  // 2^62 bytes, with a geometry that would "fit" it
          files[i].size = "4611686018427387904";
          files[i].chunkSize = 5LL << 30;
          files[i].chunkCount = (1LL << 62) / (5LL << 30) + 1;
          break;
        case 1:
          files[i].size = "-1";
          break;
        default:  // far more chunks than any size or limit allows
          files[i].chunkCount = 1LL << 40;
          break;
      }
    }
  }
  if (has(HostileKind::kDuplicates)) {
    const auto n = files.size();
    for (std::size_t i = 0; i < n; ++i)
      files.push_back(files[i]);
  }
  if (has(HostileKind::kManyFiles) && !files.empty()) {
    const auto first = files.front();
    files.reserve(kManyFiles);
    for (std::size_t i = files.size(); i < kManyFiles; ++i) {
      files.push_back(first);
      files.back().id = first.id + "-" + std::to_string(i);
    }
  }
}

bool Hostility::serve_object(httplib::Response& res, std::shared_ptr<ObjectReader> reader,
                             std::int64_t first, std::int64_t length) const {
  const char* type = "application/octet-stream";
  if (has(HostileKind::kEndlessBody)) {
    res.set_chunked_content_provider(type, [](std::size_t, httplib::DataSink& sink) {
      static const std::string junk(kJunkBlock, '\x5a');
      return sink.write(junk.data(), junk.size());  // until the client hangs up
    });
    return true;
  }
  if (has(HostileKind::kShortBody) || has(HostileKind::kLongBody)) {
    std::string body;
    const auto want = static_cast<std::size_t>(has(HostileKind::kShortBody) ? length / 2 : length);
    reader->read(first, want, body);
    if (has(HostileKind::kLongBody)) body.append(kLongBodyExtra, '\x5a');
    res.set_content(body, type);
    return true;
  }
  if (has(HostileKind::kDrip)) {
    res.set_content_provider(
        static_cast<std::size_t>(length), type,
        [reader, first](std::size_t offset, std::size_t, httplib::DataSink& sink) {
          std::this_thread::sleep_for(kDripInterval);
          if (!sink.is_writable()) return false;
          char byte = 0;
          if (reader->read(first + static_cast<std::int64_t>(offset), 1, &byte) != 1) return false;
          return sink.write(&byte, 1);
        });
    return true;
  }
  return false;
}

}  // namespace anonfs::server
