// UploadJournal: the outbox's crash-safe record of every item (docs/formats.md, "Outbox
// journal"). One file per item, <dir>/<id>.rec (0600, directory 0700), replaced atomically
// (temp file, fsync, rename, directory fsync) at every step worth keeping: a file sealed, the
// upload queued, the drop created, a file registered, each part's ETag, done or failed.
//
// A record holds the drop key, part URLs and names, so the whole record is sealed with
// AES-256-GCM under the journal key (derived from the vault key, or from the API key when the
// vault is locked; see docs/design.md "Outbox") with the record id as associated data: nothing
// in the journal directory is readable without that key.
//
// Thread-safety: save/remove of different ids may run concurrently; one id is saved by one
// thread at a time (the outbox serialises per item).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "anonfs/crypto/bytes.hpp"
#include "anonfs/crypto/drop_nonce.hpp"

namespace anonfs::vfs {

enum class ItemState { kCollecting, kQueued, kUploading, kDone, kFailed };
const char* to_string(ItemState state) noexcept;

struct JournalFile {
  std::string path;   // relative path in the item ("" for a single-file item)
  std::string spool;  // spool base name inside the spool directory
  crypto::DropIv iv{};
  std::uint64_t size = 0;
  std::uint64_t chunk_size = 0;
  std::uint32_t mode = 0600;
  std::int64_t mtime = 0;
  bool sealed = false;
  std::optional<std::string> file_id;
  std::string s3_upload_id;
  std::map<std::string, std::string> upload_urls;
  std::map<std::uint32_t, std::string> etags;
};

struct JournalRecord {
  std::string id;
  std::string name;  // top-level name in outbox/
  bool directory = false;
  ItemState state = ItemState::kCollecting;
  crypto::SecretBytes drop_key;  // 32 raw bytes
  crypto::DropIv drop_iv{};
  bool create_attempted = false;
  std::optional<std::string> drop_id;
  bool finished = false;
  std::vector<JournalFile> files;
  std::vector<std::string> directories;  // relative paths of (possibly empty) subdirectories
  std::string error;
  std::int64_t created = 0;  // unix seconds
  std::int64_t done_at = 0;
  // An item removed before its upload finished: only the drop key, IV, create_attempted and
  // drop id matter; the record stays until that unfinished drop is deleted on the server.
  bool abandoned = false;
};

class UploadJournal {
 public:
  // Creates `dir` (0700) if needed. journal_key: 32 bytes.
  UploadJournal(std::filesystem::path dir, crypto::SecretBytes journal_key);

  // HKDF-SHA256 of a long-term secret (vault key or API key) with a fixed label.
  static crypto::SecretBytes derive_key(crypto::ByteView secret);
  // 16 random hex characters.
  static std::string new_id();

  void save(const JournalRecord& record) const;
  void remove(const std::string& id) const noexcept;
  // Every readable record; a record that does not open (other key, corrupt) is logged and
  // left in place.
  std::vector<JournalRecord> load_all() const;

  const std::filesystem::path& dir() const noexcept { return dir_; }

 private:
  std::filesystem::path dir_;
  crypto::SecretBytes key_;
};

}  // namespace anonfs::vfs
