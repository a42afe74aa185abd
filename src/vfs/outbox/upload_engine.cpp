#include "anonfs/vfs/upload_engine.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <exception>
#include <thread>

#include "anonfs/api/api_error.hpp"
#include "anonfs/api/retry.hpp"
#include "anonfs/crypto/share_url.hpp"
#include "anonfs/vfs/upload_spool.hpp"
#include "anonfs/vfs/vfs_error.hpp"

namespace anonfs::vfs {
namespace {

// The server-side state of the job cannot be trusted any more (an ambiguous non-idempotent
// request, expired part URLs): delete the drop and upload again from the spool.
struct RestartJob {
  std::string why;
};

bool is_transient(const api::ApiError& e) {
  switch (e.kind()) {
    case api::ErrorKind::kNetwork:
    case api::ErrorKind::kTimeout:
      return true;
    case api::ErrorKind::kHttpStatus:
      return api::is_retryable_status(e.status());
    default:
      return false;
  }
}

// A failed POST whose request may have been processed by the server.
bool is_ambiguous(const api::ApiError& e) {
  return (e.kind() == api::ErrorKind::kNetwork || e.kind() == api::ErrorKind::kTimeout) &&
         !e.request_not_sent();
}

std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r' || static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  if (text.size() > 400) text = text.substr(0, 400) + "...";
  return text;
}

std::string describe_api(const char* what, const api::ApiError& e) {
  std::string out = what;
  if (e.kind() == api::ErrorKind::kHttpStatus) {
    out += ": the service answered HTTP " + std::to_string(e.status());
    if (!e.code().empty()) out += " " + e.code();
    if (e.status() == 402) out += " (plan limit or quota exhausted)";
    if (e.status() == 429) out += " (rate limit or quota exhausted)";
    if (e.status() == 413) out += " (too large)";
    if (!e.message().empty()) out += ": " + e.message();
  } else {
    out += std::string(": ") + api::to_string(e.kind()) + ": " + e.message();
  }
  return one_line(out);
}

void check_cancel(std::stop_token cancel) {
  if (cancel.stop_requested()) throw VfsError(VfsErrc::kCancelled, "upload cancelled");
}

// Cuts `text` to at most `max` bytes at a UTF-8 character boundary.
std::string utf8_prefix(std::string text, std::size_t max) {
  if (text.size() <= max) return text;
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80)
    --n;
  text.resize(n);
  return text;
}

}  // namespace

MemoryPartSource::MemoryPartSource(const crypto::DropKey& key, crypto::ByteView plaintext,
                                   std::uint64_t chunk_size)
    : key_(key), plaintext_(plaintext), layout_(plan_upload_layout(plaintext.size(), chunk_size)) {}

void MemoryPartSource::read_part(std::uint32_t index, crypto::Bytes& out) const {
  const crypto::ByteRange plain = crypto::chunk_plaintext_range(layout_, index);
  out.resize(static_cast<std::size_t>(plain.length + crypto::kChunkTagSize));
  std::copy_n(plaintext_.data() + plain.offset, plain.length, out.data());
  crypto::encrypt_chunk_in_place(key_, iv_, index, out, static_cast<std::size_t>(plain.length));
}

UploadEngine::UploadEngine(api::AnonliClient& client, const VaultOwner* owner,
                           UploadOptions options)
    : client_(client), owner_(owner), options_(options) {
  options_.parts_in_flight = std::clamp(options_.parts_in_flight, 1u, 16u);
  options_.max_attempts = std::max(options_.max_attempts, 1);
}

template <typename Fn>
auto UploadEngine::with_retries(const char* what, std::stop_token cancel, Fn&& fn) {
  api::RetryPolicy backoff;
  backoff.base_delay = options_.base_delay;
  backoff.max_delay = options_.max_delay;
  for (int attempt = 1;; ++attempt) {
    check_cancel(cancel);
    try {
      return fn();
    } catch (const api::ApiError& e) {
      if (e.kind() == api::ErrorKind::kCancelled || cancel.stop_requested()) {
        throw VfsError(VfsErrc::kCancelled, std::string(what) + ": cancelled");
      }
      if (!is_transient(e)) throw UploadFailure(true, describe_api(what, e));
      const auto retry_after = e.retry_after();
      if (retry_after && *retry_after > options_.retry_after_cap) {
        throw UploadFailure(true, describe_api(what, e));  // e.g. a monthly quota, not a hiccup
      }
      if (attempt >= options_.max_attempts) throw UploadFailure(false, describe_api(what, e));
      const std::chrono::milliseconds delay =
          retry_after ? std::chrono::duration_cast<std::chrono::milliseconds>(*retry_after)
                      : api::backoff_delay(backoff, attempt);
      spdlog::debug("outbox: {} failed ({}); retry {} in {} ms", what, e.what(), attempt,
                    delay.count());
      if (!api::cancellable_sleep(delay, cancel)) {
        throw VfsError(VfsErrc::kCancelled, std::string(what) + ": cancelled");
      }
    }
  }
}

crypto::SecretBytes UploadEngine::link_of(const UploadJob& job) const {
  crypto::AnonLiDropLink link;
  link.base = client_.base_url();
  link.drop_id = job.drop_id.value_or("");
  if (!job.password) link.key = crypto::SecretBytes(job.key.bytes());
  return crypto::build_anonli_drop_url(link);
}

std::optional<std::string> UploadEngine::find_unconfirmed_drop(const UploadJob& job,
                                                               std::stop_token cancel) {
  const std::string iv = crypto::format_drop_iv(job.drop_iv);
  const auto drops =
      with_retries("listing drops", cancel, [&] { return client_.list_drops(100000, cancel); });
  for (const auto& d : drops) {
    if (d.iv == iv && !d.uploadComplete) return d.id;
  }
  return std::nullopt;
}

bool UploadEngine::abandon(UploadJob& job, std::stop_token cancel) {
  try {
    std::optional<std::string> id = job.drop_id;
    if (!id && job.create_attempted) id = find_unconfirmed_drop(job, cancel);
    if (id && !job.finished) {
      with_retries("deleting the unfinished drop", cancel, [&] {
        try {
          client_.delete_drop(*id, cancel);
        } catch (const api::ApiError& e) {
          if (e.status() != 404) throw;  // already gone
        }
        return 0;
      });
      spdlog::info("outbox: deleted unfinished drop {}", *id);
    }
  } catch (const std::exception& e) {
    spdlog::warn("outbox: cannot delete an unfinished drop: {}", e.what());
    return false;
  }
  std::lock_guard lock(job.mutex);
  job.create_attempted = false;
  job.drop_id.reset();
  for (auto& f : job.files) {
    f.file_id.reset();
    f.s3_upload_id.clear();
    f.upload_urls.clear();
    f.etags.clear();
  }
  return true;
}

void UploadEngine::create_drop(UploadJob& job, const Checkpoint& checkpoint,
                               std::stop_token cancel) {
  if (job.drop_id) return;
  if (job.create_attempted) {
    if (auto stale = find_unconfirmed_drop(job, cancel)) {
      job.drop_id = stale;
      abandon(job, cancel);
    }
  }
  wire::CreateDropRequest request;
  request.iv = crypto::format_drop_iv(job.drop_iv);
  if (job.title && !job.title->empty()) {
    request.encryptedTitle = crypto::encrypt_title(job.key, job.drop_iv,
                                                   utf8_prefix(*job.title, crypto::kMaxTitleBytes));
  }
  if (job.message && !job.message->empty()) {
    request.encryptedMessage = crypto::encrypt_message(
        job.key, job.drop_iv, utf8_prefix(*job.message, crypto::kMaxMessageBytes));
  }
  request.expiry = options_.expiry_days;
  request.maxDownloads = options_.max_downloads;
  request.fileCount = static_cast<std::int64_t>(job.files.size());
  if (job.password) {
    request.customKey = true;
    request.salt = job.password->salt;
    request.customKeyData = job.password->custom_key_data;
    request.customKeyIv = job.password->custom_key_iv;
  }
  if (owner_ != nullptr) {
    request.ownerKey = wire::OwnerKey{crypto::wrap_drop_owner_key(owner_->key, job.key),
                                      owner_->vault_id, owner_->generation};
  }
  {
    std::lock_guard lock(job.mutex);
    job.create_attempted = true;
    if (checkpoint) checkpoint(job);
  }
  const std::string id = with_retries("creating the drop", cancel, [&]() -> std::string {
    try {
      return client_.create_drop(request, cancel).drop_id;
    } catch (const api::ApiError& e) {
      if (is_ambiguous(e)) {
        if (auto created = find_unconfirmed_drop(job, cancel)) return *created;
      }
      throw;
    }
  });
  std::lock_guard lock(job.mutex);
  job.drop_id = id;
  if (checkpoint) checkpoint(job);
}

void UploadEngine::add_files(UploadJob& job, const Checkpoint& checkpoint, std::stop_token cancel) {
  for (auto& file : job.files) {
    if (file.file_id) continue;
    const crypto::ChunkLayout layout = file.source->layout();
    const crypto::DropIv iv = file.source->file_iv();
    wire::AddFileRequest request;
    request.size = static_cast<std::int64_t>(layout.ciphertext_size);
    request.encryptedName = crypto::encrypt_name(job.key, iv, file.name);
    request.iv = crypto::format_drop_iv(iv);
    request.mimeType = file.mime_type;
    request.chunkCount = layout.chunk_count;
    request.chunkSize = static_cast<std::int64_t>(layout.chunk_size);
    const wire::AddFileResponse response =
        with_retries("registering a file", cancel, [&]() -> wire::AddFileResponse {
          try {
            return client_.add_file(*job.drop_id, request, cancel);
          } catch (const api::ApiError& e) {
            if (is_ambiguous(e)) throw RestartJob{"registering a file: " + std::string(e.what())};
            throw;
          }
        });
    if (response.uploadUrls.size() != layout.chunk_count) {
      throw UploadFailure(true, "the service sent " + std::to_string(response.uploadUrls.size()) +
                                    " part URLs for " + std::to_string(layout.chunk_count) +
                                    " chunks");
    }
    for (std::uint32_t n = 1; n <= layout.chunk_count; ++n) {
      if (!response.uploadUrls.contains(std::to_string(n))) {
        throw UploadFailure(true, "the service sent no URL for part " + std::to_string(n));
      }
    }
    std::lock_guard lock(job.mutex);
    file.file_id = response.fileId;
    file.s3_upload_id = response.s3UploadId;
    file.upload_urls = response.uploadUrls;
    if (checkpoint) checkpoint(job);
  }
}

void UploadEngine::upload_parts(UploadJob& job, const Checkpoint& checkpoint,
                                const Progress& progress, std::stop_token cancel) {
  struct Task {
    UploadJobFile* file;
    std::uint32_t index;
  };
  std::vector<Task> tasks;
  for (auto& file : job.files) {
    const std::uint32_t count = file.source->layout().chunk_count;
    for (std::uint32_t i = 0; i < count; ++i) {
      if (!file.etags.contains(i)) tasks.push_back({&file, i});
    }
  }
  if (tasks.empty()) return;

  std::stop_source stop;
  std::stop_callback forward(cancel, [&] { stop.request_stop(); });
  std::size_t next = 0;
  std::exception_ptr first_error;
  std::optional<RestartJob> restart;
  const auto worker = [&] {
    crypto::Bytes body;
    for (;;) {
      Task task;
      {
        std::lock_guard lock(job.mutex);
        if (next >= tasks.size() || first_error || restart) return;
        task = tasks[next++];
      }
      try {
        task.file->source->read_part(task.index, body);
        const std::string url = task.file->upload_urls.at(std::to_string(task.index + 1));
        const std::string etag =
            with_retries("uploading a part", stop.get_token(), [&]() -> std::string {
              try {
                return client_.upload_part(url, body, stop.get_token());
              } catch (const api::ApiError& e) {
                if (e.status() == 403 || e.status() == 404) {
                  throw RestartJob{"a part URL was refused (expired?)"};
                }
                throw;
              }
            });
        {
          std::lock_guard lock(job.mutex);
          task.file->etags[task.index] = etag;
          if (checkpoint) checkpoint(job);
        }
        if (progress) progress(body.size());
      } catch (const RestartJob& r) {
        std::lock_guard lock(job.mutex);
        if (!restart && !first_error) restart = r;
        stop.request_stop();
        return;
      } catch (...) {
        std::lock_guard lock(job.mutex);
        if (!first_error && !restart) first_error = std::current_exception();
        stop.request_stop();
        return;
      }
    }
  };
  {
    std::vector<std::jthread> workers;
    // Each part in flight holds its body in memory: with 50 MiB chunks two in flight keep the
    // daemon's memory flat (the web client does the same for files above 1 GiB).
    std::uint64_t largest = 0;
    for (const auto& task : tasks)
      largest = std::max(largest, task.file->source->layout().chunk_size);
    const std::size_t limit =
        largest > (16u << 20) ? std::min(options_.parts_in_flight, 2u) : options_.parts_in_flight;
    const std::size_t n = std::min<std::size_t>(limit, tasks.size());
    for (std::size_t i = 1; i < n; ++i)
      workers.emplace_back(worker);
    worker();
  }
  check_cancel(cancel);
  if (restart) throw *restart;
  if (first_error) std::rethrow_exception(first_error);
}

void UploadEngine::finish(UploadJob& job, const Checkpoint& checkpoint, std::stop_token cancel) {
  wire::FinishRequest request;
  for (const auto& file : job.files) {
    wire::FinishFile f;
    f.fileId = *file.file_id;
    for (const auto& [index, etag] : file.etags)
      f.chunks.push_back({index, etag});
    request.files.push_back(std::move(f));
  }
  with_retries("finishing the drop", cancel, [&] {
    client_.finish_drop(*job.drop_id, request, cancel);
    return 0;
  });
  std::lock_guard lock(job.mutex);
  job.finished = true;
  if (checkpoint) checkpoint(job);
}

crypto::SecretBytes UploadEngine::run(UploadJob& job, const Checkpoint& checkpoint,
                                      const Progress& progress, std::stop_token cancel) {
  if (job.files.empty()) throw UploadFailure(true, "nothing to upload");
  if (job.files.size() > 50) throw UploadFailure(true, "more than 50 files in one drop");
  for (int restarts = 0;; ++restarts) {
    try {
      if (!job.finished) {
        const bool known = job.drop_id && std::all_of(job.files.begin(), job.files.end(),
                                                      [](const auto& f) { return f.file_id; });
        if (job.drop_id && !known) throw RestartJob{"resuming a drop with unregistered files"};
        create_drop(job, checkpoint, cancel);
        add_files(job, checkpoint, cancel);
        upload_parts(job, checkpoint, progress, cancel);
        finish(job, checkpoint, cancel);
      }
      return link_of(job);
    } catch (const RestartJob& r) {
      spdlog::info("outbox: restarting an upload: {}", r.why);
      if (!abandon(job, cancel) || restarts >= 2) {
        throw UploadFailure(false, "cannot restart the upload: " + r.why);
      }
      std::lock_guard lock(job.mutex);
      if (checkpoint) checkpoint(job);
    } catch (const UploadFailure& f) {
      // A transient failure keeps the drop for a later resume; a refusal deletes it.
      if (f.permanent()) abandon(job, cancel);
      std::lock_guard lock(job.mutex);
      if (checkpoint) checkpoint(job);
      throw;
    } catch (const VfsError& e) {
      if (e.code() == VfsErrc::kCancelled) throw;  // kept for a resume
      abandon(job, cancel);
      std::lock_guard lock(job.mutex);
      if (checkpoint) checkpoint(job);
      throw UploadFailure(true, describe_upload_error(e));
    } catch (const api::ApiError& e) {
      if (!is_transient(e)) abandon(job, cancel);
      std::lock_guard lock(job.mutex);
      if (checkpoint) checkpoint(job);
      throw UploadFailure(!is_transient(e), describe_api("upload", e));
    } catch (const std::exception& e) {  // crypto or protocol errors: not worth retrying
      abandon(job, cancel);
      std::lock_guard lock(job.mutex);
      if (checkpoint) checkpoint(job);
      throw UploadFailure(true, describe_upload_error(e));
    }
  }
}

std::string guess_mime_type(std::string_view name) {
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos) return "application/octet-stream";
  std::string ext(name.substr(dot + 1));
  for (char& c : ext)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static const std::map<std::string, std::string, std::less<>> kTypes = {
      {"txt", "text/plain"},      {"md", "text/markdown"},      {"csv", "text/csv"},
      {"pdf", "application/pdf"}, {"json", "application/json"}, {"zip", "application/zip"},
      {"gz", "application/gzip"}, {"tar", "application/x-tar"}, {"png", "image/png"},
      {"jpg", "image/jpeg"},      {"jpeg", "image/jpeg"},       {"gif", "image/gif"},
      {"webp", "image/webp"},     {"svg", "image/svg+xml"},     {"mp3", "audio/mpeg"},
      {"mp4", "video/mp4"},       {"webm", "video/webm"},       {"ogg", "audio/ogg"},
      {"wav", "audio/wav"},       {"xml", "application/xml"},
  };
  const auto it = kTypes.find(ext);
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

std::string describe_upload_error(const std::exception& error) {
  return one_line(error.what());
}

}  // namespace anonfs::vfs
