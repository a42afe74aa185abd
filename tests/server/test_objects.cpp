// Presigned object URLs: signature, expiry, bound Content-Length, ETags, Range.
#include <gtest/gtest.h>

#include "presign.hpp"
#include "secret.hpp"
#include "server_fixture.hpp"

namespace anonfs::server::test {
namespace {

using nlohmann::json;

class ObjectsTest : public ServerTest {
 protected:
  // A presigner holding the running server's key (read from its data directory).
  Presigner presigner() const {
    auto secret = ServerSecret::load_or_create(data_dir());
    return Presigner(secret.derive("presign-v1"), server_->url());
  }
  static std::int64_t now_s() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  static std::string replace_param(std::string url, const std::string& name,
                                   const std::string& value) {
    auto p = url.find(name + "=");
    auto end = url.find('&', p);
    return url.replace(p + name.size() + 1,
                       (end == std::string::npos ? url.size() : end) - (p + name.size() + 1),
                       value);
  }
};

TEST_F(ObjectsTest, PartUploadIsBoundToItsSignature) {
  auto drop = create_drop();
  auto f = add_file(drop, 100, 84, 1);
  const auto url = f.urls.at(1);
  const auto data = pattern_bytes(100, 20);

  // Wrong signature.
  auto sig = url.substr(url.find("X-Anon-Signature=") + 17);
  sig[0] = sig[0] == 'a' ? 'b' : 'a';
  auto bad_sig = put_part(replace_param(url, "X-Anon-Signature", sig), data);
  EXPECT_EQ(bad_sig.status, 403);
  EXPECT_NE(bad_sig.body.find("SignatureDoesNotMatch"), std::string::npos);
  // Tampered signed values.
  EXPECT_EQ(
      put_part(replace_param(url, "X-Anon-Content-Length", "50"), pattern_bytes(50, 1)).status,
      403);
  EXPECT_EQ(put_part(replace_param(url, "partNumber", "2"), data).status, 403);
  EXPECT_EQ(
      put_part(replace_param(url, "X-Anon-Expires", std::to_string(now_s() + 999999)), data).status,
      403);
  EXPECT_EQ(put_part(url + "&extra=1", data).status, 403);
  // Body length differs from the signed Content-Length.
  auto short_body = put_part(url, pattern_bytes(99, 1));
  EXPECT_EQ(short_body.status, 403);
  EXPECT_EQ(put_part(url, pattern_bytes(101, 1)).status, 403);
  // Wrong method.
  EXPECT_EQ(http_get(url).status, 403);
  // An expired but correctly signed URL.
  auto signer = presigner();
  auto expired = signer.part_put_url({f.id, f.upload_id, 1, 100, now_s() - 10});
  auto e = put_part(expired, data);
  EXPECT_EQ(e.status, 403);
  EXPECT_NE(e.body.find("expired"), std::string::npos);
  // A correctly signed URL for a different upload id.
  EXPECT_EQ(put_part(signer.part_put_url({f.id, "other", 1, 100, now_s() + 60}), data).status, 404);

  auto ok = put_part(url, data);
  ASSERT_EQ(ok.status, 200) << ok.body;
  auto etag = ok.header("ETag");
  EXPECT_EQ(etag.size(), 34u);  // "<md5 hex>"
  // Re-uploading a part is allowed (same data, same ETag).
  EXPECT_EQ(put_part(url, data).header("ETag"), etag);
  // With Expect: 100-continue, a bad upload is refused before the body is sent.
  auto expect =
      http({"PUT", replace_param(url, "X-Anon-Signature", sig), data, {"Expect: 100-continue"}});
  EXPECT_EQ(expect.status, 403);
  ASSERT_EQ(finish(drop, json::array({{{"fileId", f.id}, {"chunks", chunk_list({etag})}}})).status,
            200);
  // A finished upload takes no more parts.
  EXPECT_EQ(put_part(url, data).status, 404);
}

TEST_F(ObjectsTest, GetHonoursSingleRanges) {
  // Three parts: 5 MiB + 16 twice and a short last part.
  const std::int64_t chunk = 5 * 1024 * 1024;
  const std::size_t size = 2 * static_cast<std::size_t>(chunk + 16) + 1000;
  auto content = pattern_bytes(size, 21);
  auto drop = create_drop();
  auto f = add_file(drop, size, chunk, 3);
  std::vector<std::string> etags;
  for (int p = 1; p <= 3; ++p) {
    std::size_t off = static_cast<std::size_t>(p - 1) * static_cast<std::size_t>(chunk + 16);
    auto part =
        content.substr(off, p == 3 ? std::string::npos : static_cast<std::size_t>(chunk + 16));
    auto r = put_part(f.urls.at(p), part);
    ASSERT_EQ(r.status, 200) << r.body;
    etags.push_back(r.header("ETag"));
  }
  ASSERT_EQ(finish(drop, json::array({{{"fileId", f.id}, {"chunks", chunk_list(etags)}}})).status,
            200);
  auto url = http({"POST", api("/api/v1/drop/" + drop + "/download"), std::nullopt, {}})
                 .json()["downloadUrls"][f.id]
                 .get<std::string>();

  auto full = http_get(url);
  ASSERT_EQ(full.status, 200);
  EXPECT_TRUE(full.body == content);
  EXPECT_EQ(full.header("Accept-Ranges"), "bytes");

  auto head = http({"HEAD", url, std::nullopt, {}});
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("Content-Length"), std::to_string(size));

  // A range across the first part boundary.
  const std::size_t a = static_cast<std::size_t>(chunk) + 10, b = a + 99;
  auto r = http_get(url, {"Range: bytes=" + std::to_string(a) + "-" + std::to_string(b)});
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.header("Content-Range"),
            "bytes " + std::to_string(a) + "-" + std::to_string(b) + "/" + std::to_string(size));
  EXPECT_TRUE(r.body == content.substr(a, 100));
  auto suffix = http_get(url, {"Range: bytes=-10"});
  EXPECT_EQ(suffix.status, 206);
  EXPECT_TRUE(suffix.body == content.substr(size - 10));
  auto open = http_get(url, {"Range: bytes=" + std::to_string(size - 5) + "-"});
  EXPECT_EQ(open.status, 206);
  EXPECT_TRUE(open.body == content.substr(size - 5));
  auto clamp = http_get(url, {"Range: bytes=" + std::to_string(size - 5) + "-99999999999"});
  EXPECT_EQ(clamp.status, 206);
  EXPECT_EQ(clamp.body.size(), 5u);
  auto unsatisfiable = http_get(url, {"Range: bytes=" + std::to_string(size) + "-"});
  EXPECT_EQ(unsatisfiable.status, 416);
  EXPECT_EQ(unsatisfiable.header("Content-Range"), "bytes */" + std::to_string(size));
  // Multiple ranges are not supported: the whole object.
  auto multi = http_get(url, {"Range: bytes=0-1,5-6"});
  EXPECT_EQ(multi.status, 200);
  EXPECT_EQ(multi.body.size(), size);

  // Expired / tampered GET URLs.
  auto signer = presigner();
  EXPECT_EQ(http_get(signer.object_get_url({f.id, now_s() - 1})).status, 403);
  EXPECT_EQ(http_get(signer.object_get_url({f.id, now_s() + 60})).status, 200);
  EXPECT_EQ(http_get(replace_param(url, "X-Anon-Expires", std::to_string(now_s() + 7200))).status,
            403);
  EXPECT_EQ(http_get(api("/objects/" + f.id)).status, 403);
  EXPECT_EQ(http_get(api("/objects/..%2F..%2Fserver.secret")).status, 404);
}

}  // namespace
}  // namespace anonfs::server::test
