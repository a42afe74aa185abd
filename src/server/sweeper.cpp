#include "sweeper.hpp"

#include <spdlog/spdlog.h>

#include <set>

#include "clock.hpp"
#include "ids.hpp"
#include "store_secrets.hpp"

namespace anonfs::server {

namespace {
constexpr std::int64_t kExpiredGraceMs = 12 * kHourMs;
constexpr std::int64_t kUnfinishedMaxAgeMs = 6 * kHourMs;
constexpr std::int64_t kSoftDeletedGraceMs = 2 * kHourMs;
// Consumed or expired one-time secrets keep their metadata row this long ("already viewed").
constexpr std::int64_t kSecretTombstoneMs = 30 * kDayMs;
}  // namespace

SweepStats sweep_once(App& app) {
  SweepStats stats;
  const std::int64_t now = now_ms();
  std::vector<std::string> doomed_files;
  {
    auto lock = app.db->lock();
    Transaction tx(*app.db);
    auto drops = store::drops_to_reap(*app.db, now - kExpiredGraceMs, now - kUnfinishedMaxAgeMs,
                                      now - kSoftDeletedGraceMs);
    for (const auto& id : drops) {
      auto drop = store::find_drop(*app.db, id);
      if (!drop) continue;
      std::int64_t reserved = 0;
      for (const auto& f : store::files_of(*app.db, id)) {
        reserved += f.size;
        doomed_files.push_back(f.id);
      }
      store::delete_drop_row(*app.db, id);
      if (drop->user_id) store::add_storage(*app.db, *drop->user_id, -reserved);
      ++stats.drops;
    }
    stats.secrets = store::sweep_secrets(*app.db, now, kSecretTombstoneMs);
    tx.commit();
  }
  for (const auto& f : doomed_files)
    app.blobs->remove(f);

  // Object directories without a file row (e.g. a part that arrived after an abort).
  for (const auto& name : app.blobs->list_objects()) {
    if (!ids::is_file_id(name)) continue;
    bool exists = false;
    {
      auto lock = app.db->lock();
      exists = store::file_exists(*app.db, name);
    }
    if (!exists) {
      app.blobs->remove(name);
      ++stats.orphans;
    }
  }
  if (stats.drops || stats.orphans || stats.secrets) {
    spdlog::info("sweeper: removed {} drops and {} orphaned objects; {} secret rows expired",
                 stats.drops, stats.orphans, stats.secrets);
  }
  return stats;
}

Sweeper::Sweeper(App& app, std::chrono::milliseconds interval)
    : app_(app), interval_(interval), thread_([this] { run(); }) {}

Sweeper::~Sweeper() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Sweeper::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (cv_.wait_for(lock, interval_, [this] { return stop_; })) return;
    lock.unlock();
    try {
      sweep_once(app_);
    } catch (const std::exception& e) {
      spdlog::error("sweeper failed: {}", e.what());
    }
    lock.lock();
  }
}

}  // namespace anonfs::server
