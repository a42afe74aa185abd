#include "limits.hpp"

#include "plans.hpp"

namespace anonfs::server {

namespace {
const char* bucket_name(QuotaBucket b) {
  switch (b) {
    case QuotaBucket::kForm:
      return "form";
    case QuotaBucket::kAlias:
      return "alias";
    case QuotaBucket::kDrop:
      break;
  }
  return "drop";
}

// Upstash-style estimate of the hits inside the sliding window ending at `now`.
std::int64_t estimate(std::int64_t previous, std::int64_t current, std::int64_t now,
                      std::int64_t window_ms) {
  double into = static_cast<double>(now % window_ms) / static_cast<double>(window_ms);
  return static_cast<std::int64_t>(static_cast<double>(previous) * (1.0 - into)) + current;
}

std::int64_t seconds_until(std::int64_t reset_ms, std::int64_t now) {
  return std::max<std::int64_t>(1, (reset_ms - now + 999) / 1000);
}
}  // namespace

void Limits::consume_quota(Context& ctx, QuotaBucket bucket) {
  if (!enabled() || !ctx.auth) return;
  const auto& user = ctx.user();
  const std::int64_t limit = plan_limits(user.plan).monthly_api_requests;
  const std::int64_t now = now_ms();
  const std::int64_t index = now / kQuotaWindowMs;
  const std::string subject = "user:" + user.id;
  const char* name = bucket_name(bucket);

  std::int64_t previous = 0, current = 0;
  bool allowed = false;
  {
    auto lock = db_.lock();
    Transaction tx(db_);
    Stmt sel(db_,
             "SELECT window_start, count FROM quota_windows WHERE subject = ? AND bucket = ? "
             "AND window_start IN (?, ?)");
    sel.bind(1, subject).bind(2, name).bind(3, index).bind(4, index - 1);
    while (sel.step()) {
      (sel.int64(0) == index ? current : previous) = sel.int64(1);
    }
    allowed = estimate(previous, current, now, kQuotaWindowMs) < limit;
    if (allowed) {
      Stmt up(db_,
              "INSERT INTO quota_windows(subject, bucket, window_start, count) VALUES(?,?,?,1) "
              "ON CONFLICT(subject, bucket, window_start) DO UPDATE SET count = count + 1");
      up.bind(1, subject).bind(2, name).bind(3, index);
      up.run();
      ++current;
      Stmt prune(db_, "DELETE FROM quota_windows WHERE subject = ? AND window_start < ?");
      prune.bind(1, subject).bind(2, index - 1);
      prune.run();
    }
    tx.commit();
  }
  const std::int64_t used = estimate(previous, current, now, kQuotaWindowMs);
  const std::int64_t reset = (index + 1) * kQuotaWindowMs;
  ctx.res.set_header("X-RateLimit-Limit", std::to_string(limit));
  ctx.res.set_header("X-RateLimit-Remaining",
                     std::to_string(std::max<std::int64_t>(0, limit - used)));
  ctx.res.set_header("X-RateLimit-Reset", std::to_string(reset));
  if (!allowed) {
    auto retry = seconds_until(reset, now);
    throw too_many("Monthly API request limit exceeded for your plan. Upgrade for more requests.")
        .with_header("Retry-After", std::to_string(retry));
  }
}

void Limits::check(Context& /*ctx*/, const LimiterSpec& spec, const std::string& key) {
  if (!enabled()) return;
  const std::int64_t now = now_ms();
  const std::int64_t index = now / spec.window_ms;
  const std::string full_key = std::string(spec.name) + ":" + key;
  bool allowed = false;
  {
    std::lock_guard lock(mutex_);
    if (windows_.size() > 100000) {
      std::erase_if(windows_, [&](const auto& kv) { return kv.second.index < index - 1; });
    }
    auto& w = windows_[full_key];
    if (w.index != index) {
      w.previous = (w.index == index - 1) ? w.current : 0;
      w.current = 0;
      w.index = index;
    }
    allowed = estimate(w.previous, w.current, now, spec.window_ms) < spec.limit;
    if (allowed) ++w.current;
  }
  if (allowed) return;
  const std::int64_t reset = (index + 1) * spec.window_ms;
  const auto retry = seconds_until(reset, now);
  throw HttpError(429, ErrorShape::kRateLimit, "RATE_LIMITED",
                  "Rate limit exceeded. Please try again later.")
      .with_retry_after(retry)
      .with_header("X-RateLimit-Limit", std::to_string(spec.limit))
      .with_header("X-RateLimit-Remaining", "0")
      .with_header("X-RateLimit-Reset", std::to_string(reset))
      .with_header("Retry-After", std::to_string(retry));
}

}  // namespace anonfs::server
