// UploadEngine: uploads one drop (protocol §2.2-§2.5, §8.4) from encrypted part sources, shared
// by the outbox and `anonfs upload`.
//
// A job holds the drop key, the files and the server-side progress (drop id, file ids, part
// URLs, ETags). run() creates what is missing and uploads what is not yet uploaded, so a job
// restored from the journal after a crash resumes where it stopped; `checkpoint` is called after
// every step worth persisting. Parts go up `parts_in_flight` at a time; every failure the service
// calls transient (network, timeouts, 408/425/429/5xx) is retried with exponential backoff,
// honouring Retry-After, up to `max_attempts` per step; a refusal is permanent (UploadFailure
// with permanent() set and a one-line reason). finish carries every ETag verbatim. A drop left
// unfinished by a refusal is deleted (no orphaned multipart upload stays on the server); one
// left by a lasting network failure is kept for the caller's next attempt.
//
// Thread-safety: one run() per job at a time; the engine itself is stateless and shareable.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <vector>

#include "anonfs/api/anonli_client.hpp"
#include "anonfs/crypto/bytes.hpp"
#include "anonfs/crypto/drop_codec.hpp"
#include "anonfs/crypto/drop_password.hpp"
#include "anonfs/crypto/drop_size.hpp"
#include "anonfs/crypto/vault.hpp"

namespace anonfs::vfs {

// Where a file's part bodies (ciphertext || tag) come from. read_part may be called from
// several threads at once.
class PartSource {
 public:
  virtual ~PartSource() = default;
  virtual crypto::ChunkLayout layout() const = 0;
  virtual crypto::DropIv file_iv() const = 0;
  virtual void read_part(std::uint32_t index, crypto::Bytes& out) const = 0;
};

// A file whose plaintext is in memory (tests, small generated files): each part is encrypted
// when asked for. Keeps a reference to the key; the plaintext is copied into wiped storage.
class MemoryPartSource final : public PartSource {
 public:
  MemoryPartSource(const crypto::DropKey& key, crypto::ByteView plaintext,
                   std::uint64_t chunk_size = crypto::kDefaultChunkSize);
  crypto::ChunkLayout layout() const override { return layout_; }
  crypto::DropIv file_iv() const override { return iv_; }
  void read_part(std::uint32_t index, crypto::Bytes& out) const override;

 private:
  const crypto::DropKey& key_;
  crypto::SecretBytes plaintext_;
  crypto::ChunkLayout layout_;
  crypto::DropIv iv_ = crypto::generate_drop_iv();
};

// The vault identity that owner keys are wrapped for (current generation, §8.3).
struct VaultOwner {
  crypto::VaultKey key;
  std::string vault_id;
  std::int64_t generation = 0;
};

struct UploadOptions {
  std::optional<std::int64_t> expiry_days;    // omitted: the plan's maximum
  std::optional<std::int64_t> max_downloads;  // omitted: unlimited
  unsigned parts_in_flight = 3;  // at most 2 when chunks exceed 16 MiB (memory: one body each)
  int max_attempts = 6;          // per step, first try included
  std::chrono::milliseconds base_delay{500};  // backoff before retry n: base * 2^(n-1)
  std::chrono::milliseconds max_delay{30'000};
  std::chrono::seconds retry_after_cap{60};  // a longer Retry-After is a permanent refusal
};

struct UploadJobFile {
  std::string name;  // relative path inside the drop ('/'-separated)
  std::string mime_type = "application/octet-stream";
  const PartSource* source = nullptr;
  // Server-side progress (persisted by the journal).
  std::optional<std::string> file_id;
  std::string s3_upload_id;
  std::map<std::string, std::string> upload_urls;  // "1".."N"
  std::map<std::uint32_t, std::string> etags;      // chunk index -> ETag, verbatim
};

struct UploadJob {
  explicit UploadJob(crypto::DropKey k) : key(std::move(k)) {}
  crypto::DropKey key;
  crypto::DropIv drop_iv = crypto::generate_drop_iv();
  std::optional<std::string> title;
  std::optional<std::string> message;
  std::optional<crypto::DropPasswordFields> password;  // password drop (§7): no key in the link
  std::vector<UploadJobFile> files;
  bool create_attempted = false;  // a create request may have reached the server
  std::optional<std::string> drop_id;
  bool finished = false;
  // Guards the progress fields while parts are in flight (checkpoint runs under it).
  mutable std::mutex mutex;
};

class UploadFailure : public std::runtime_error {
 public:
  UploadFailure(bool permanent, const std::string& reason)
      : std::runtime_error(reason), permanent_(permanent) {}
  bool permanent() const noexcept { return permanent_; }

 private:
  bool permanent_;
};

class UploadEngine {
 public:
  // Called with job.mutex held after every step worth persisting; may be empty.
  using Checkpoint = std::function<void(const UploadJob&)>;
  using Progress = std::function<void(std::uint64_t bytes)>;  // ciphertext bytes just sent

  UploadEngine(api::AnonliClient& client, const VaultOwner* owner, UploadOptions options);

  // Uploads the job and returns its share URL (secret: it carries the key). Throws
  // UploadFailure: permanent (the unfinished drop was deleted) or transient after max_attempts
  // (the drop and progress are kept: run again later to resume, or abandon()); or
  // VfsError(kCancelled) when `cancel` fires (kept for a later resume).
  crypto::SecretBytes run(UploadJob& job, const Checkpoint& checkpoint, const Progress& progress,
                          std::stop_token cancel = {});
  // Deletes the job's unfinished drop on the server, also one whose creation was never
  // confirmed (found by its drop IV). Best effort; returns whether nothing is left behind.
  bool abandon(UploadJob& job, std::stop_token cancel = {});
  // The link of a finished job.
  crypto::SecretBytes link_of(const UploadJob& job) const;

  const UploadOptions& options() const noexcept { return options_; }

 private:
  template <typename Fn>
  auto with_retries(const char* what, std::stop_token cancel, Fn&& fn);
  void create_drop(UploadJob& job, const Checkpoint& checkpoint, std::stop_token cancel);
  void add_files(UploadJob& job, const Checkpoint& checkpoint, std::stop_token cancel);
  void upload_parts(UploadJob& job, const Checkpoint& checkpoint, const Progress& progress,
                    std::stop_token cancel);
  void finish(UploadJob& job, const Checkpoint& checkpoint, std::stop_token cancel);
  std::optional<std::string> find_unconfirmed_drop(const UploadJob& job, std::stop_token cancel);

  api::AnonliClient& client_;
  const VaultOwner* owner_;
  UploadOptions options_;
};

// The mime type sent for a file name (by extension; application/octet-stream otherwise, and for
// types the service refuses such as text/html).
std::string guess_mime_type(std::string_view name);

// One line saying why an upload failed, for NAME.error and the CLI.
std::string describe_upload_error(const std::exception& error);

}  // namespace anonfs::vfs
