// The object store behind the presigned URLs (stand-in for R2, protocol §2.4, §2.9):
//   PUT /objects/:fileId?partNumber&uploadId&X-Anon-Content-Length&X-Anon-Expires&X-Anon-Signature
//   GET|HEAD /objects/:fileId?X-Anon-Expires&X-Anon-Signature   (single Range supported)
#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>

#include "blob_store.hpp"
#include "clock.hpp"
#include "ids.hpp"
#include "router.hpp"

namespace anonfs::server {

namespace {

constexpr std::size_t kReadBlock = 256 * 1024;

void check_presign_status(PresignStatus status) {
  switch (status) {
    case PresignStatus::kOk:
      return;
    case PresignStatus::kExpired:
      throw text_error(403, "Request has expired").closing();
    case PresignStatus::kBadSignature:
      throw text_error(403, "SignatureDoesNotMatch").closing();
    case PresignStatus::kMalformed:
      break;
  }
  throw text_error(403, "AccessDenied: malformed presigned URL").closing();
}

// Everything about a part PUT that can be decided from the request line and headers. Used both
// by the Expect: 100-continue hook and the handler, so a bad upload is refused before its body.
struct PutCheck {
  PartGrant grant;
  store::File file;
};

PutCheck check_part_put(App& app, const httplib::Request& req, const std::string& file_id) {
  if (!ids::is_file_id(file_id)) throw text_error(404, "NoSuchUpload").closing();
  PutCheck out;
  check_presign_status(app.presigner->verify_put(file_id, req.params, now_ms() / 1000, out.grant));
  if (!req.has_header("Content-Length") || req.has_header("Transfer-Encoding")) {
    throw text_error(411, "MissingContentLength").closing();
  }
  auto length = parse_decimal(req.get_header_value("Content-Length"));
  if (!length || *length != out.grant.content_length) {
    throw text_error(403, "SignatureDoesNotMatch: Content-Length does not match the signed length")
        .closing();
  }
  std::optional<store::File> file;
  {
    auto lock = app.db->lock();
    file = store::find_file(*app.db, file_id);
  }
  if (!file || file->upload_id != out.grant.upload_id || file->complete) {
    throw text_error(404, "NoSuchUpload").closing();
  }
  if (out.grant.part_number < 1 || out.grant.part_number > file->chunk_count ||
      file->expected_part_size(out.grant.part_number) != out.grant.content_length) {
    throw text_error(400, "InvalidPart").closing();
  }
  out.file = *file;
  return out;
}

void put_part(App& app, Context& ctx) {
  const auto file_id = ctx.param(1);
  auto check = check_part_put(app, ctx.req, file_id);
  const auto expected = check.grant.content_length;
  std::string etag;
  {
    PartWriter writer(*app.blobs, file_id, check.grant.part_number);
    bool overflow = false;
    ctx.body_read = true;
    (*ctx.reader)([&](const char* data, std::size_t len) {
      if (writer.bytes_written() + static_cast<std::int64_t>(len) > expected) {
        overflow = true;
        return false;
      }
      writer.write(data, len);
      return true;
    });
    if (overflow || writer.bytes_written() != expected) {
      throw text_error(400, "IncompleteBody").closing();
    }
    etag = writer.commit();
  }
  bool still_there = false;
  {
    auto lock = app.db->lock();
    auto file = store::find_file(*app.db, file_id);
    still_there = file && file->upload_id == check.grant.upload_id && !file->complete;
    if (still_there) {
      store::upsert_part(*app.db, file_id, check.grant.part_number, etag, expected);
    }
  }
  if (!still_there) {
    app.blobs->remove(file_id);  // aborted while we were receiving
    throw text_error(404, "NoSuchUpload");
  }
  ctx.res.set_header("ETag", etag);
  send_text(ctx, 200, "");
}

struct ByteRange {
  std::int64_t first = 0;
  std::int64_t last = 0;  // inclusive
};

// Parses a single "bytes=a-b" / "bytes=a-" / "bytes=-n" range against `size`.
// nullopt + satisfiable=false: 416; nullopt + satisfiable=true: ignore (serve whole object).
std::optional<ByteRange> parse_range(const std::string& header, std::int64_t size,
                                     bool& satisfiable) {
  satisfiable = true;
  const std::string prefix = "bytes=";
  if (header.rfind(prefix, 0) != 0) return std::nullopt;
  auto spec = header.substr(prefix.size());
  if (spec.find(',') != std::string::npos) return std::nullopt;  // multiple ranges: ignore
  auto dash = spec.find('-');
  if (dash == std::string::npos) return std::nullopt;
  auto a = spec.substr(0, dash);
  auto b = spec.substr(dash + 1);
  ByteRange r;
  if (a.empty()) {
    auto n = parse_decimal(b);
    if (!n) return std::nullopt;
    if (*n == 0 || size == 0) {
      satisfiable = false;
      return std::nullopt;
    }
    r.first = std::max<std::int64_t>(0, size - *n);
    r.last = size - 1;
    return r;
  }
  auto first = parse_decimal(a);
  if (!first) return std::nullopt;
  std::optional<std::int64_t> last;
  if (!b.empty()) {
    last = parse_decimal(b);
    if (!last || *last < *first) return std::nullopt;
  }
  if (*first >= size) {
    satisfiable = false;
    return std::nullopt;
  }
  r.first = *first;
  r.last = std::min(last.value_or(size - 1), size - 1);
  return r;
}

void get_object(App& app, Context& ctx) {
  const auto file_id = ctx.param(1);
  if (!ids::is_file_id(file_id)) throw text_error(404, "NoSuchKey");
  GetGrant grant;
  check_presign_status(app.presigner->verify_get(file_id, ctx.req.params, now_ms() / 1000, grant));
  std::optional<store::File> file;
  {
    auto lock = app.db->lock();
    file = store::find_file(*app.db, file_id);
  }
  if (!file || !file->complete) throw text_error(404, "NoSuchKey");
  auto reader = app.blobs->open(file_id, file->chunk_count, file->part_size(), file->size);
  if (!reader) throw text_error(404, "NoSuchKey");

  const std::int64_t size = file->size;
  std::int64_t first = 0, length = size;
  int status = 200;
  if (ctx.req.has_header("Range")) {
    bool satisfiable = true;
    auto range = parse_range(ctx.req.get_header_value("Range"), size, satisfiable);
    if (!satisfiable) {
      ctx.res.set_header("Content-Range", "bytes */" + std::to_string(size));
      // Keep httplib from applying the range to the error body.
      const_cast<httplib::Request&>(ctx.req).ranges.clear();
      throw text_error(416, "InvalidRange");
    }
    if (range) {
      status = 206;
      first = range->first;
      length = range->last - range->first + 1;
      ctx.res.set_header("Content-Range", "bytes " + std::to_string(range->first) + "-" +
                                              std::to_string(range->last) + "/" +
                                              std::to_string(size));
    }
  }
  // This handler applies the Range itself; httplib must not apply it a second time. The request
  // object is not const (httplib owns it mutably and passes it by const reference).
  const_cast<httplib::Request&>(ctx.req).ranges.clear();
  ctx.res.status = status;
  ctx.res.set_header("Accept-Ranges", "bytes");
  ctx.res.set_header("ETag", "\"" + file_id + "-" + std::to_string(file->chunk_count) + "\"");
  ctx.res.set_header("X-Request-Id", ctx.request_id);
  if (app.hostility.serve_object(ctx.res, reader, first, length)) return;  // test mode only
  if (length == 0) {
    ctx.res.set_content("", "application/octet-stream");
    return;
  }
  // One read buffer per response, reused for every block (no per-block allocation or zero-fill);
  // no larger than the response needs.
  const auto block = std::min(kReadBlock, static_cast<std::size_t>(length));
  std::shared_ptr<char[]> buf = std::make_shared_for_overwrite<char[]>(block);
  ctx.res.set_content_provider(
      static_cast<std::size_t>(length), "application/octet-stream",
      [reader, first, buf, block](std::size_t offset, std::size_t want, httplib::DataSink& sink) {
        auto n = reader->read(first + static_cast<std::int64_t>(offset), std::min(want, block),
                              buf.get());
        if (n == 0) return false;
        return sink.write(buf.get(), n);
      });
}

}  // namespace

// Lets the Expect: 100-continue hook refuse a bad part upload before the client sends its body.
int precheck_object_put(App& app, const httplib::Request& req, httplib::Response& res) {
  const std::string prefix(kObjectsPrefix);
  if (req.method != "PUT" || req.path.rfind(prefix, 0) != 0) return 100;
  Context ctx(req, res, nullptr);
  try {
    check_part_put(app, req, req.path.substr(prefix.size()));
    return 100;
  } catch (const HttpError& e) {
    render_error(ctx, e);
    return e.status();
  } catch (const std::exception& e) {
    spdlog::error("part upload precheck failed: {}", e.what());
    render_error(ctx, internal_error());
    return 500;
  }
}

void register_object_routes(Router& router) {
  App& app = router.app();
  const std::string pattern = std::string(kObjectsPrefix) + "([^/]+)";
  router.put(pattern, [&app](Context& ctx) { put_part(app, ctx); });
  router.get(pattern, [&app](Context& ctx) { get_object(app, ctx); });
}

}  // namespace anonfs::server
