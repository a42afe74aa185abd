// Parallel ranged fetch: one byte range of a URL as concurrent sub-range GETs on pooled
// connections, delivered in order to a sink as soon as each prefix is complete, or written
// straight into the caller's buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <stop_token>

#include "anonfs/api/http_client.hpp"
#include "anonfs/api/http_types.hpp"

namespace anonfs::api {

struct RangeFetchOptions {
  std::uint64_t part_size = 8u << 20;  // bytes per sub-range GET
  std::size_t concurrency = 4;         // sub-range GETs in flight; also the buffered-part bound
};

// Fetches [range.offset, range.end()) of `base.url` (method GET, base.headers sent with every
// part, base.range ignored). Bytes reach `sink` strictly in order on the calling thread, while
// later parts download; at most `concurrency` parts are buffered (memory <= concurrency *
// part_size). Each part is verified and retried like HttpClient::stream. On any failure, sink
// exception or cancellation all parts are stopped and the first error is thrown.
void fetch_range(HttpClient& client, const Request& base, ByteRange range, const Sink& sink,
                 const RangeFetchOptions& options = {}, std::stop_token cancel = {});

// The same range into `out` (out.size() must equal range.length, else kInvalidRequest): each
// sub-range GET writes at its own offset in `out`, so nothing is buffered or copied twice; the
// calling thread runs one of the `concurrency` transfers. Returns once every byte arrived (each
// part verified like HttpClient::stream: exact Content-Range and length). On any failure or
// cancellation all parts are stopped and the first error is thrown; `out` then holds partial
// data.
void fetch_range_into(HttpClient& client, const Request& base, ByteRange range,
                      std::span<std::uint8_t> out, const RangeFetchOptions& options = {},
                      std::stop_token cancel = {});

}  // namespace anonfs::api
