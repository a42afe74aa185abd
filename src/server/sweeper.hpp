// Background reaper (protocol §2.13): expired drops (12 h after expiry), unfinished drops older
// than 6 h, drops soft-deleted by their final download (2 h later), and object directories that no
// file row references; the content of expired one-time secrets (at once) and their rows 30 days
// after expiry or last view. Runs every `interval` on its own thread until destroyed.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "app.hpp"

namespace anonfs::server {

struct SweepStats {
  std::size_t drops = 0;
  std::size_t orphans = 0;
  std::size_t secrets = 0;  // one-time secrets wiped at expiry or removed after their tombstone
};

// One pass, callable directly (tests, startup).
SweepStats sweep_once(App& app);

class Sweeper {
 public:
  Sweeper(App& app, std::chrono::milliseconds interval);
  ~Sweeper();  // stops and joins
  Sweeper(const Sweeper&) = delete;
  Sweeper& operator=(const Sweeper&) = delete;

 private:
  void run();
  App& app_;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace anonfs::server
