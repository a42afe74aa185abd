// Parallel ranged fetch. fetch_range: workers download sub-ranges into part buffers; the calling
// thread hands each part's bytes to the sink in order as soon as they arrive. fetch_range_into:
// transfers (the calling thread and helpers) write each sub-range at its offset in the caller's
// buffer.
//
// Synchronisation of fetch_range: everything in FetchState except part payload bytes is guarded by
// `mutex`. A part's payload is written only by the worker that claimed it, and only beyond
// `filled`; the consumer reads only below a `filled` value it read under the mutex, so reads and
// writes never overlap. A part is freed only by the consumer, after its worker marked it done.
#include "anonfs/api/range_fetch.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <span>
#include <stop_token>
#include <thread>
#include <vector>

#include "anonfs/api/url.hpp"
#include "transfer.hpp"

namespace anonfs::api {

namespace {

struct Part {
  explicit Part(std::uint64_t size)
      : data(std::make_unique_for_overwrite<std::uint8_t[]>(static_cast<std::size_t>(size))),
        length(size) {}
  std::unique_ptr<std::uint8_t[]> data;
  std::uint64_t length;
  std::uint64_t filled = 0;  // guarded by FetchState::mutex
  bool done = false;         // guarded by FetchState::mutex
};

struct FetchState {
  FetchState(HttpClient& c, Request r, ByteRange whole, const RangeFetchOptions& o)
      : client(c),
        request(std::move(r)),
        range(whole),
        part_size(o.part_size),
        window(o.concurrency),
        part_count((whole.length + o.part_size - 1) / o.part_size),
        parts(part_count) {}

  HttpClient& client;
  const Request request;  // GET template without range
  const ByteRange range;
  const std::uint64_t part_size;
  const std::size_t window;
  const std::size_t part_count;

  std::mutex mutex;
  std::condition_variable cv;
  std::vector<std::unique_ptr<Part>> parts;  // slots guarded by mutex
  std::size_t next_claim = 0;                // next part a worker takes
  std::size_t head = 0;                      // part the consumer is delivering
  bool failed = false;
  std::exception_ptr error;  // the first failure
  std::stop_source abort;    // stops every worker's transfer

  ByteRange part_range(std::size_t index) const {
    const std::uint64_t offset = static_cast<std::uint64_t>(index) * part_size;
    return {range.offset + offset, std::min(part_size, range.length - offset)};
  }

  void wake_all() {
    { std::lock_guard lock(mutex); }  // orders the wake-up after the waiters' predicate checks
    cv.notify_all();
  }

  void fail(std::exception_ptr e) {
    {
      std::lock_guard lock(mutex);
      if (!failed) {
        failed = true;
        error = std::move(e);
      }
    }
    abort.request_stop();
    cv.notify_all();
  }

  void worker() {
    const std::stop_token stop = abort.get_token();
    while (true) {
      std::size_t index = 0;
      Part* part = nullptr;
      {
        std::unique_lock lock(mutex);
        cv.wait(lock, [&] {
          return failed || stop.stop_requested() || next_claim >= part_count ||
                 next_claim < head + window;
        });
        if (failed || stop.stop_requested() || next_claim >= part_count) return;
        index = next_claim++;
        try {
          parts[index] = std::make_unique<Part>(part_range(index).length);
        } catch (...) {
          lock.unlock();
          fail(std::current_exception());
          return;
        }
        part = parts[index].get();
      }
      try {
        Request part_request = request;
        part_request.range = part_range(index);
        std::uint64_t written = 0;
        client.stream(
            part_request,
            [&](std::span<const std::uint8_t> bytes) {
              if (bytes.size() > part->length - written) {
                throw ApiError(detail::error_info(request, ErrorKind::kProtocol, "part overflow"));
              }
              std::memcpy(part->data.get() + written, bytes.data(), bytes.size());
              written += bytes.size();
              {
                std::lock_guard lock(mutex);
                part->filled = written;
              }
              cv.notify_all();
            },
            stop);
        {
          std::lock_guard lock(mutex);
          part->done = true;
        }
        cv.notify_all();
      } catch (...) {
        fail(std::current_exception());
        return;
      }
    }
  }

  // Delivers part `index` to the sink as its bytes arrive; frees it afterwards.
  void deliver(std::size_t index, const Sink& sink) {
    std::uint64_t given = 0;
    while (true) {
      std::unique_lock lock(mutex);
      cv.wait(lock, [&] {
        const Part* p = parts[index].get();
        return failed || abort.stop_requested() || (p != nullptr && (p->filled > given || p->done));
      });
      if (failed) std::rethrow_exception(error);
      if (abort.stop_requested()) {
        throw ApiError(detail::error_info(request, ErrorKind::kCancelled, "range fetch cancelled"));
      }
      Part& part = *parts[index];
      const std::uint64_t filled = part.filled;
      const bool done = part.done;
      lock.unlock();
      if (filled > given) {
        sink(std::span<const std::uint8_t>(part.data.get() + given,
                                           static_cast<std::size_t>(filled - given)));
        given = filled;
      }
      if (done) {
        if (given != part.length) {  // stream() guarantees this; never spin on a short part
          throw ApiError(detail::error_info(request, ErrorKind::kProtocol, "short part"));
        }
        break;
      }
    }
    {
      std::lock_guard lock(mutex);
      parts[index].reset();
      head = index + 1;
    }
    cv.notify_all();
  }
};

// Stops and joins the workers on every exit path, before FetchState goes away.
class WorkerGuard {
 public:
  WorkerGuard(FetchState& state, std::vector<std::thread>& workers)
      : state_(state), workers_(workers) {}
  ~WorkerGuard() {
    state_.abort.request_stop();
    state_.wake_all();
    for (auto& t : workers_) {
      if (t.joinable()) t.join();
    }
  }
  WorkerGuard(const WorkerGuard&) = delete;
  WorkerGuard& operator=(const WorkerGuard&) = delete;

 private:
  FetchState& state_;
  std::vector<std::thread>& workers_;
};

// The GET template of both fetches (no range, no body), with checked URL and options.
Request part_template(const Request& base, const RangeFetchOptions& options) {
  Request request = base;
  request.method = Method::kGet;
  request.range.reset();
  request.body.clear();
  request.borrowed_body.reset();
  check_url(request.url);
  if (options.part_size == 0 || options.concurrency == 0) {
    throw ApiError(detail::error_info(request, ErrorKind::kInvalidRequest,
                                      "part_size and concurrency must be positive"));
  }
  return request;
}

// fetch_range_into: transfers claim parts in order and write them at their offset in `out`.
// `mutex` guards next_part and error; each part's bytes are written by one transfer only.
class DirectFetch {
 public:
  DirectFetch(HttpClient& client, Request request, ByteRange range, std::span<std::uint8_t> out,
              std::uint64_t part_size)
      : client_(client),
        request_(std::move(request)),
        range_(range),
        out_(out),
        part_size_(part_size),
        part_count_((range.length + part_size - 1) / part_size) {}

  std::uint64_t part_count() const noexcept { return part_count_; }
  std::stop_source& abort() noexcept { return abort_; }

  // One transfer: takes the next part until none is left or the fetch failed.
  void transfer() noexcept {
    const std::stop_token stop = abort_.get_token();
    while (!stop.stop_requested()) {
      std::uint64_t index = 0;
      {
        std::lock_guard lock(mutex_);
        if (next_part_ >= part_count_) return;
        index = next_part_++;
      }
      try {
        fetch_part(index, stop);
      } catch (...) {
        {
          std::lock_guard lock(mutex_);
          if (!error_) error_ = std::current_exception();
        }
        abort_.request_stop();
        return;
      }
    }
  }

  // After every transfer ended: the first error, or kCancelled if the fetch was stopped before
  // every part was fetched (a claimed part either arrived whole or recorded an error).
  void finish() {
    std::lock_guard lock(mutex_);
    if (error_) std::rethrow_exception(error_);
    if (next_part_ < part_count_) {  // stopped before every part was claimed
      throw ApiError(detail::error_info(request_, ErrorKind::kCancelled, "range fetch cancelled"));
    }
  }

 private:
  void fetch_part(std::uint64_t index, const std::stop_token& stop) {
    const std::uint64_t offset = index * part_size_;
    const std::uint64_t length = std::min(part_size_, range_.length - offset);
    Request part = request_;
    part.range = ByteRange{range_.offset + offset, length};
    std::uint8_t* const at = out_.data() + offset;
    std::uint64_t written = 0;
    client_.stream(
        part,
        [&](std::span<const std::uint8_t> bytes) {
          if (bytes.size() > length - written) {
            throw ApiError(detail::error_info(request_, ErrorKind::kProtocol, "part overflow"));
          }
          std::memcpy(at + written, bytes.data(), bytes.size());
          written += bytes.size();
        },
        stop);
    if (written != length) {  // stream() guarantees this; never hand out a short part
      throw ApiError(detail::error_info(request_, ErrorKind::kProtocol, "short part"));
    }
  }

  HttpClient& client_;
  const Request request_;
  const ByteRange range_;
  const std::span<std::uint8_t> out_;
  const std::uint64_t part_size_;
  const std::uint64_t part_count_;
  std::stop_source abort_;  // stops every transfer
  std::mutex mutex_;
  std::uint64_t next_part_ = 0;
  std::exception_ptr error_;  // the first failure
};

}  // namespace

void fetch_range(HttpClient& client, const Request& base, ByteRange range, const Sink& sink,
                 const RangeFetchOptions& options, std::stop_token cancel) {
  Request request = part_template(base, options);
  if (range.length == 0) return;
  if (!sink) {
    throw ApiError(detail::error_info(request, ErrorKind::kInvalidRequest, "no sink"));
  }

  const std::uint64_t part_count = (range.length + options.part_size - 1) / options.part_size;
  if (part_count == 1 || options.concurrency == 1) {
    // Nothing to parallelise: one verified, resumable ranged stream straight into the sink.
    request.range = range;
    client.stream(request, sink, std::move(cancel));
    return;
  }

  FetchState state(client, std::move(request), range, options);
  std::stop_callback link(cancel, [&state] {
    state.abort.request_stop();
    state.wake_all();
  });
  std::vector<std::thread> workers;
  WorkerGuard guard(state, workers);
  const std::size_t count = std::min<std::uint64_t>(options.concurrency, part_count);
  workers.reserve(count);
  for (std::size_t i = 0; i < count; ++i)
    workers.emplace_back([&state] { state.worker(); });
  for (std::size_t i = 0; i < state.part_count; ++i)
    state.deliver(i, sink);
}

void fetch_range_into(HttpClient& client, const Request& base, ByteRange range,
                      std::span<std::uint8_t> out, const RangeFetchOptions& options,
                      std::stop_token cancel) {
  Request request = part_template(base, options);
  if (out.size() != range.length) {
    throw ApiError(detail::error_info(request, ErrorKind::kInvalidRequest,
                                      "output buffer size differs from the range length"));
  }
  if (range.length == 0) return;

  DirectFetch fetch(client, std::move(request), range, out, options.part_size);
  std::stop_callback link(cancel, [&fetch] { fetch.abort().request_stop(); });
  const std::size_t helpers =
      static_cast<std::size_t>(std::min<std::uint64_t>(options.concurrency, fetch.part_count())) -
      1;
  std::vector<std::jthread> workers;  // joined before `fetch` goes away, on every path
  workers.reserve(helpers);
  try {
    for (std::size_t i = 0; i < helpers; ++i)
      workers.emplace_back([&fetch] { fetch.transfer(); });
  } catch (...) {
    fetch.abort().request_stop();  // no thread: stop the started ones, report the failure
    throw;
  }
  fetch.transfer();
  for (std::jthread& w : workers)
    w.join();
  fetch.finish();
}

}  // namespace anonfs::api
