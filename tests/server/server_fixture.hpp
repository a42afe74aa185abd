// GoogleTest fixture: a fresh data directory, one account, and anonfs-server running on a free
// port; plus helpers for the Drop upload flow.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <map>
#include <memory>
#include <string>

#include "test_support.hpp"

namespace anonfs::server::test {

struct AddedFile {
  std::string id;
  std::string upload_id;
  std::map<int, std::string> urls;  // part number -> URL
};

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  virtual std::string plan() const { return "pro"; }
  virtual std::vector<std::string> server_args() const { return {}; }

  std::string api(const std::string& path) const { return server_->url() + path; }
  const std::filesystem::path& data_dir() const { return dir_->path(); }
  void restart(bool hard);

  // POST /api/v1/drop; returns drop_id.
  std::string create_drop(nlohmann::json body = {}, const std::string& key = "");
  Response add_file_raw(const std::string& drop_id, const nlohmann::json& body,
                        const std::string& key = "");
  // Registers a file whose content is `content` split into `chunk_size + 16` parts (the content
  // stands for ciphertext; the server never decrypts).
  AddedFile add_file(const std::string& drop_id, std::size_t size, std::int64_t chunk_size,
                     std::int64_t chunk_count);
  // PUT to a presigned URL; returns the response.
  Response put_part(const std::string& url, const std::string& data);
  Response finish(const std::string& drop_id, const nlohmann::json& files,
                  const std::string& key = "");
  // Uploads `content` as one single-part file in a new finished drop; returns {drop_id, file_id}.
  std::pair<std::string, std::string> upload_single(const std::string& content,
                                                    nlohmann::json drop_body = {});
  // Executes SQL against the server's database (WAL allows it while the server runs).
  void sql(const std::string& statement);

  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<ServerProcess> server_;
  User user_;
};

nlohmann::json chunk_list(const std::vector<std::string>& etags);

}  // namespace anonfs::server::test
