#include "server_fixture.hpp"

#include <stdexcept>

namespace anonfs::server::test {

void ServerTest::SetUp() {
  dir_ = std::make_unique<TempDir>();
  user_ = add_user(dir_->path(), "alice@example.com", plan());
  server_ = std::make_unique<ServerProcess>(dir_->path(), server_args());
}

void ServerTest::TearDown() {
  server_.reset();
  dir_.reset();
}

void ServerTest::restart(bool hard) {
  if (hard) {
    server_->kill9();
  } else {
    EXPECT_EQ(server_->terminate(), 0);
  }
  server_.reset();
  server_ = std::make_unique<ServerProcess>(dir_->path(), server_args());
}

std::string ServerTest::create_drop(nlohmann::json body, const std::string& key) {
  if (!body.contains("iv")) body["iv"] = "AAECAwQFBgcICQoL";
  if (!body.contains("fileCount")) body["fileCount"] = 5;
  auto r = http_json("POST", api("/api/v1/drop"), body, key.empty() ? user_.api_key : key);
  if (r.status != 200) throw std::runtime_error("create drop failed: " + r.body);
  return r.json()["data"]["drop_id"].get<std::string>();
}

Response ServerTest::add_file_raw(const std::string& drop_id, const nlohmann::json& body,
                                  const std::string& key) {
  return http_json("POST", api("/api/v1/drop/" + drop_id + "/file"), body,
                   key.empty() ? user_.api_key : key);
}

AddedFile ServerTest::add_file(const std::string& drop_id, std::size_t size,
                               std::int64_t chunk_size, std::int64_t chunk_count) {
  nlohmann::json body = {{"size", size},
                         {"encryptedName", "bmFtZQ"},
                         {"iv", "wMHCw8TFxsfIycrL"},
                         {"mimeType", "application/octet-stream"},
                         {"chunkCount", chunk_count},
                         {"chunkSize", chunk_size}};
  auto r = add_file_raw(drop_id, body);
  if (r.status != 200) throw std::runtime_error("add file failed: " + r.body);
  auto j = r.json();
  AddedFile f;
  f.id = j["fileId"];
  f.upload_id = j["s3UploadId"];
  for (auto& [k, v] : j["uploadUrls"].items())
    f.urls[std::stoi(k)] = v.get<std::string>();
  return f;
}

Response ServerTest::put_part(const std::string& url, const std::string& data) {
  return http({"PUT", url, data, {}});
}

Response ServerTest::finish(const std::string& drop_id, const nlohmann::json& files,
                            const std::string& key) {
  return http_json("PATCH", api("/api/v1/drop/" + drop_id + "?action=finish"), {{"files", files}},
                   key.empty() ? user_.api_key : key);
}

std::pair<std::string, std::string> ServerTest::upload_single(const std::string& content,
                                                              nlohmann::json drop_body) {
  auto drop = create_drop(std::move(drop_body));
  auto file = add_file(drop, content.size(), static_cast<std::int64_t>(content.size()) - 16, 1);
  auto put = put_part(file.urls.at(1), content);
  if (put.status != 200) throw std::runtime_error("part upload failed: " + put.body);
  auto fin = finish(drop, {{{"fileId", file.id}, {"chunks", chunk_list({put.header("ETag")})}}});
  if (fin.status != 200) throw std::runtime_error("finish failed: " + fin.body);
  return {drop, file.id};
}

void ServerTest::sql(const std::string& statement) {
  sqlite3* db = nullptr;
  auto path = (dir_->path() / "anonfs.db").string();
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    sqlite3_close(db);
    throw std::runtime_error("cannot open test database");
  }
  sqlite3_busy_timeout(db, 5000);
  char* err = nullptr;
  int rc = sqlite3_exec(db, statement.c_str(), nullptr, nullptr, &err);
  std::string msg = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  if (rc != SQLITE_OK) throw std::runtime_error("sql failed: " + msg);
}

nlohmann::json chunk_list(const std::vector<std::string>& etags) {
  auto out = nlohmann::json::array();
  for (std::size_t i = 0; i < etags.size(); ++i) {
    out.push_back({{"chunkIndex", i}, {"etag", etags[i]}});
  }
  return out;
}

}  // namespace anonfs::server::test
