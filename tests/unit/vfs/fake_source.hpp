// Test helpers for the vfs read path: a deterministic, instrumented ChunkSource and a bounded
// wait for conditions that other threads establish (never used for timing assertions).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "anonfs/crypto/bytes.hpp"
#include "anonfs/crypto/drop_size.hpp"
#include "anonfs/vfs/chunk_reader.hpp"

namespace anonfs::vfs::testing {

inline constexpr std::uint64_t kMiB = 1 << 20;
// The smallest chunk size a multi-chunk layout may have.
inline constexpr std::uint64_t kChunk = crypto::kMinMultipartChunkSize;

// The layout of a file of `plaintext` bytes split into `chunk_size` chunks.
inline crypto::ChunkLayout make_layout(std::uint64_t plaintext, std::uint64_t chunk_size = kChunk) {
  const std::uint64_t count = (plaintext + chunk_size - 1) / chunk_size;
  return crypto::validate_chunk_layout(plaintext + count * crypto::kChunkTagSize, chunk_size,
                                       count);
}

// Plaintext byte at file offset `pos` of the file with `seed`.
inline std::uint8_t byte_at(std::uint64_t seed, std::uint64_t pos) {
  std::uint64_t x = pos + seed * 0x100000001B3ull;
  x ^= x >> 29;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 32;
  return static_cast<std::uint8_t>(x);
}

// Index of the first byte of buf that differs from the file's plaintext at `offset`, or -1.
inline long long first_mismatch(std::uint64_t seed, std::uint64_t offset, const std::uint8_t* buf,
                                std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    if (buf[i] != byte_at(seed, offset + i)) return static_cast<long long>(i);
  }
  return -1;
}

// Waits until `pred` holds, for at most 60 s (a hang guard, not a timing assumption).
template <class Pred>
bool eventually(Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

// Generates each chunk's plaintext from byte_at(), counts calls per index and can hold loads of
// chosen chunks until they are released (or the load's stop token is triggered), fail them, or
// return a chunk of the wrong length.
class FakeSource : public ChunkSource {
 public:
  explicit FakeSource(crypto::ChunkLayout layout, std::uint64_t seed = 7)
      : layout_(layout), seed_(seed) {}

  crypto::SecretBytes load_chunk(std::uint32_t index, std::stop_token cancel) override {
    {
      std::unique_lock lock(mu_);
      ++calls_[index];
      ++entered_[index];
      log_.push_back(static_cast<int>(index) * (cancel.stop_possible() ? -1 : 1) -
                     (cancel.stop_possible() ? 1000 : 0));
      cv_.notify_all();
      if (!cv_.wait(lock, cancel, [&] { return !held(index); })) {
        ++cancelled_;
        throw std::runtime_error("fake source: load cancelled");
      }
      if (auto it = failures_.find(index); it != failures_.end() && it->second > 0) {
        --it->second;
        throw std::runtime_error("fake source: injected failure");
      }
    }
    if (index >= layout_.chunk_count) {
      std::lock_guard lock(mu_);
      ++out_of_range_;
      throw std::out_of_range("fake source: chunk index out of range");
    }
    const crypto::ByteRange range = crypto::chunk_plaintext_range(layout_, index);
    std::uint64_t length = range.length;
    {
      std::lock_guard lock(mu_);
      if (short_.contains(index)) --length;
    }
    crypto::SecretBytes out(static_cast<std::size_t>(length));
    for (std::uint64_t i = 0; i < length; ++i)
      out.data()[i] = byte_at(seed_, range.offset + i);
    return out;
  }

  void hold(std::uint32_t index) {
    std::lock_guard lock(mu_);
    held_.insert(index);
  }
  void hold_all() {
    std::lock_guard lock(mu_);
    hold_all_ = true;
  }
  void release(std::uint32_t index) {
    std::lock_guard lock(mu_);
    held_.erase(index);
    cv_.notify_all();
  }
  void release_all() {
    std::lock_guard lock(mu_);
    held_.clear();
    hold_all_ = false;
    cv_.notify_all();
  }
  void fail(std::uint32_t index, int times) {
    std::lock_guard lock(mu_);
    failures_[index] = times;
  }
  void return_short(std::uint32_t index) {
    std::lock_guard lock(mu_);
    short_.insert(index);
  }

  // Waits until load_chunk(index) has been entered at least `n` times in total.
  bool wait_entered(std::uint32_t index, int n = 1) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(60), [&] { return entered_[index] >= n; });
  }

  int calls(std::uint32_t index) const {
    std::lock_guard lock(mu_);
    auto it = calls_.find(index);
    return it == calls_.end() ? 0 : it->second;
  }
  int total_calls() const {
    std::lock_guard lock(mu_);
    int total = 0;
    for (const auto& [index, n] : calls_)
      total += n;
    return total;
  }
  std::uint32_t max_index_called() const {
    std::lock_guard lock(mu_);
    return calls_.empty() ? 0 : calls_.rbegin()->first;
  }
  int out_of_range() const {
    std::lock_guard lock(mu_);
    return out_of_range_;
  }
  int cancelled() const {
    std::lock_guard lock(mu_);
    return cancelled_;
  }
  std::uint64_t seed() const { return seed_; }
  // Loads in call order: index for foreground loads, -1000 - index for read-ahead (the loads
  // whose stop token can be triggered). For failure messages.
  std::string log() const {
    std::lock_guard lock(mu_);
    std::string out;
    for (const int v : log_)
      out += (v < 0 ? "p" + std::to_string(-v - 1000) : std::to_string(v)) + " ";
    return out;
  }

 private:
  bool held(std::uint32_t index) const { return hold_all_ || held_.contains(index); }

  const crypto::ChunkLayout layout_;
  const std::uint64_t seed_;
  mutable std::mutex mu_;  // guards everything below
  std::condition_variable_any cv_;
  std::map<std::uint32_t, int> calls_;
  std::map<std::uint32_t, int> entered_;
  std::map<std::uint32_t, int> failures_;
  std::set<std::uint32_t> held_;
  std::set<std::uint32_t> short_;
  std::vector<int> log_;
  bool hold_all_ = false;
  int out_of_range_ = 0;
  int cancelled_ = 0;
};

}  // namespace anonfs::vfs::testing
