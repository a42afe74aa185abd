#include "anonfs/vfs/upload_journal.hpp"

#include <spdlog/spdlog.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "anonfs/crypto/aes_gcm.hpp"
#include "anonfs/crypto/base64.hpp"
#include "anonfs/crypto/drop_codec.hpp"
#include "anonfs/crypto/hash.hpp"
#include "anonfs/crypto/random.hpp"
#include "anonfs/vfs/vfs_error.hpp"
#include "file_io.hpp"

namespace anonfs::vfs {
namespace {

constexpr std::string_view kMagic = "anonfs-outbox-journal 1\n";
constexpr std::string_view kSuffix = ".rec";

ItemState parse_state(const std::string& s) {
  for (ItemState st : {ItemState::kCollecting, ItemState::kQueued, ItemState::kUploading,
                       ItemState::kDone, ItemState::kFailed}) {
    if (s == to_string(st)) return st;
  }
  throw std::runtime_error("unknown state " + s);
}

std::string aad_of(const std::string& id) {
  return std::string(kMagic) + id;
}

}  // namespace

const char* to_string(ItemState state) noexcept {
  switch (state) {
    case ItemState::kCollecting:
      return "collecting";
    case ItemState::kQueued:
      return "queued";
    case ItemState::kUploading:
      return "uploading";
    case ItemState::kDone:
      return "done";
    case ItemState::kFailed:
      return "failed";
  }
  return "unknown";
}

UploadJournal::UploadJournal(std::filesystem::path dir, crypto::SecretBytes journal_key)
    : dir_(std::move(dir)), key_(std::move(journal_key)) {
  if (key_.size() != crypto::kAesKeySize) {
    throw VfsError(VfsErrc::kInvalidArgument, "outbox journal: the key must be 32 bytes");
  }
  outbox::make_private_dir(dir_);
}

crypto::SecretBytes UploadJournal::derive_key(crypto::ByteView secret) {
  return crypto::hkdf_sha256(secret, crypto::as_bytes("anonfs"),
                             crypto::as_bytes("anonfs outbox journal v1"), crypto::kAesKeySize);
}

std::string UploadJournal::new_id() {
  return crypto::hex_encode(crypto::random_bytes(8));
}

void UploadJournal::save(const JournalRecord& r) const {
  nlohmann::json files = nlohmann::json::array();
  for (const auto& f : r.files) {
    nlohmann::json etags = nlohmann::json::object();
    for (const auto& [i, e] : f.etags)
      etags[std::to_string(i)] = e;
    files.push_back({{"path", f.path},
                     {"spool", f.spool},
                     {"iv", crypto::format_drop_iv(f.iv)},
                     {"size", f.size},
                     {"chunk_size", f.chunk_size},
                     {"mode", f.mode},
                     {"mtime", f.mtime},
                     {"sealed", f.sealed},
                     {"file_id", f.file_id ? nlohmann::json(*f.file_id) : nlohmann::json()},
                     {"s3_upload_id", f.s3_upload_id},
                     {"upload_urls", f.upload_urls},
                     {"etags", etags}});
  }
  const nlohmann::json j = {
      {"id", r.id},
      {"name", r.name},
      {"directory", r.directory},
      {"state", to_string(r.state)},
      {"drop_key", crypto::base64url_encode(r.drop_key.view())},
      {"drop_iv", crypto::format_drop_iv(r.drop_iv)},
      {"create_attempted", r.create_attempted},
      {"drop_id", r.drop_id ? nlohmann::json(*r.drop_id) : nlohmann::json()},
      {"finished", r.finished},
      {"files", files},
      {"directories", r.directories},
      {"error", r.error},
      {"created", r.created},
      {"done_at", r.done_at},
      {"abandoned", r.abandoned},
  };
  crypto::SecretBytes plain = crypto::SecretBytes::from_string(j.dump());
  crypto::Bytes sealed(crypto::kGcmIvSize + plain.size() + crypto::kGcmTagSize);
  const crypto::MutableByteView out(sealed);
  crypto::random_fill(out.first(crypto::kGcmIvSize));
  crypto::gcm_encrypt(key_.view(), out.first(crypto::kGcmIvSize), crypto::as_bytes(aad_of(r.id)),
                      plain.view(), out.subspan(crypto::kGcmIvSize));
  outbox::write_file_atomic(dir_ / (r.id + std::string(kSuffix)),
                            std::string(kMagic) + crypto::base64url_encode(sealed) + "\n");
}

void UploadJournal::remove(const std::string& id) const noexcept {
  std::error_code ec;
  std::filesystem::remove(dir_ / (id + std::string(kSuffix)), ec);
}

std::vector<JournalRecord> UploadJournal::load_all() const {
  std::vector<JournalRecord> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    const auto path = entry.path();
    if (path.extension() != kSuffix) continue;
    const std::string id = path.stem().string();
    try {
      std::ifstream in(path, std::ios::binary);
      std::stringstream text;
      text << in.rdbuf();
      std::string s = text.str();
      if (!s.starts_with(kMagic)) throw std::runtime_error("not a journal record");
      s = s.substr(kMagic.size());
      while (!s.empty() && (s.back() == '\n' || s.back() == '\r'))
        s.pop_back();
      const crypto::Bytes sealed = crypto::base64url_decode(s);
      if (sealed.size() < crypto::kGcmIvSize + crypto::kGcmTagSize) {
        throw std::runtime_error("truncated");
      }
      const crypto::ByteView v(sealed);
      const crypto::SecretBytes plain =
          crypto::gcm_open(key_.view(), v.first(crypto::kGcmIvSize), crypto::as_bytes(aad_of(id)),
                           v.subspan(crypto::kGcmIvSize));
      const auto j = nlohmann::json::parse(plain.str());
      JournalRecord r;
      r.id = j.at("id").get<std::string>();
      if (r.id != id) throw std::runtime_error("id mismatch");
      r.name = j.at("name").get<std::string>();
      r.directory = j.at("directory").get<bool>();
      r.state = parse_state(j.at("state").get<std::string>());
      r.drop_key = crypto::base64url_decode_secret(j.at("drop_key").get<std::string>());
      r.drop_iv = crypto::parse_drop_iv(j.at("drop_iv").get<std::string>());
      r.create_attempted = j.at("create_attempted").get<bool>();
      if (!j.at("drop_id").is_null()) r.drop_id = j.at("drop_id").get<std::string>();
      r.finished = j.at("finished").get<bool>();
      for (const auto& jf : j.at("files")) {
        JournalFile f;
        f.path = jf.at("path").get<std::string>();
        f.spool = jf.at("spool").get<std::string>();
        f.iv = crypto::parse_drop_iv(jf.at("iv").get<std::string>());
        f.size = jf.at("size").get<std::uint64_t>();
        f.chunk_size = jf.at("chunk_size").get<std::uint64_t>();
        f.mode = jf.at("mode").get<std::uint32_t>();
        f.mtime = jf.at("mtime").get<std::int64_t>();
        f.sealed = jf.at("sealed").get<bool>();
        if (!jf.at("file_id").is_null()) f.file_id = jf.at("file_id").get<std::string>();
        f.s3_upload_id = jf.at("s3_upload_id").get<std::string>();
        f.upload_urls = jf.at("upload_urls").get<std::map<std::string, std::string>>();
        for (const auto& [k, e] : jf.at("etags").items())
          f.etags[static_cast<std::uint32_t>(std::stoul(k))] = e.get<std::string>();
        if (f.spool.find('/') != std::string::npos) throw std::runtime_error("bad spool name");
        r.files.push_back(std::move(f));
      }
      r.directories = j.at("directories").get<std::vector<std::string>>();
      r.error = j.at("error").get<std::string>();
      r.created = j.at("created").get<std::int64_t>();
      r.done_at = j.at("done_at").get<std::int64_t>();
      r.abandoned = j.value("abandoned", false);  // absent in records of earlier versions
      out.push_back(std::move(r));
    } catch (const std::exception& e) {
      spdlog::warn("outbox journal: cannot read {} ({}); left in place", path.string(), e.what());
    }
  }
  return out;
}

}  // namespace anonfs::vfs
