#include "outbox_mount_fixture.hpp"

#include <fstream>
#include <iterator>
#include <thread>

#include "anonfs/crypto/hash.hpp"

namespace anonfs::mount_test {

using server::test::run_process;
namespace fs = std::filesystem;

std::string sha256_hex(const std::string& data) {
  const auto d = crypto::sha256(crypto::as_bytes(data));
  return crypto::hex_encode(crypto::ByteView(d.data(), d.size()));
}

void write_local(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

void OutboxMountTest::mount_outbox(const std::string& extra_options) {
  std::string opts = "settle=1,outbox_chunk_size=5242880";
  if (!extra_options.empty()) opts += "," + extra_options;
  mount({"-o", opts});
}

int OutboxMountTest::sh(const std::string& command) {
  const auto r = run_process({"/bin/sh", "-c", command + " 2>&1"}, std::chrono::seconds(120));
  if (r.exit_code != 0) ADD_FAILURE() << command << ":\n" << r.out;
  return r.exit_code;
}

std::string OutboxMountTest::wait_link(const std::string& name) {
  const auto path = mnt() / "sent" / (name + ".link");
  const auto deadline = std::chrono::steady_clock::now() + kUploadWait;
  while (std::chrono::steady_clock::now() < deadline) {
    std::error_code ec;
    if (fs::exists(path, ec)) {
      std::string link = read_all(path);
      while (!link.empty() && link.back() == '\n')
        link.pop_back();
      return link;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ADD_FAILURE() << "no " << path << "\nstatus: " << status() << "\nlog:\n" << anonfs_log();
  return {};
}

std::string OutboxMountTest::status() {
  try {
    return read_all(mnt() / ".anonfs" / "status");
  } catch (const std::exception& e) {
    return e.what();
  }
}

std::string OutboxMountTest::wait_status(const std::string& needle, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  std::string text = status();
  while (text.find(needle) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    text = status();
  }
  return text;
}

fs::path OutboxMountTest::anonfs_get(const std::string& link) {
  static int n = 0;
  const fs::path out = dir_->path() / ("get-" + std::to_string(++n));
  const auto r = run_process({std::getenv("ANONFS_BIN"), "get", link, "-o", out.string()},
                             std::chrono::seconds(120));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  return out;
}

std::string OutboxMountTest::node_get(const std::string& link, std::string* output) {
  const fs::path out = dir_->path() / "node-out";
  const auto r =
      run_process({std::getenv("NODE"),
                   std::string(std::getenv("ANONFS_SERVER_NODE_DIR")) + "/seed_download.mjs", link,
                   out.string()},
                  std::chrono::seconds(120), {{"ANONLI_BASE", server_->url()}});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  if (output) *output = r.out;
  return read_all(out);
}

nlohmann::json OutboxMountTest::server_drops() const {
  const auto r = server::test::http_get(server_->url() + "/api/v1/drop?limit=100",
                                        {server::test::bearer(api_key_)});
  return r.json().at("data");
}

void OutboxMountTest::expect_no_incomplete_drops() {
  for (const auto& d : server_drops()) {
    EXPECT_TRUE(d["uploadComplete"].get<bool>()) << "orphaned upload " << d["id"];
  }
}

std::string OutboxMountTest::grep(const fs::path& dir, const std::string& needle) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return {};
  for (const auto& e : fs::recursive_directory_iterator(dir, ec)) {
    if (!e.is_regular_file(ec)) continue;
    // A spool file may be discarded between listing and reading (an upload just finished).
    std::ifstream in(e.path(), std::ios::binary);
    if (!in) continue;
    const std::string content((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
    if (content.find(needle) != std::string::npos) return e.path().string();
  }
  return {};
}

std::vector<fs::path> OutboxMountTest::spool_and_journal_files() const {
  std::vector<fs::path> out;
  std::error_code ec;
  const fs::path root = dir_->path() / "xdg-data" / "anonfs" / "outbox";
  for (const auto& server_dir : fs::directory_iterator(root, ec)) {
    for (const char* sub : {"spool", "journal"}) {
      for (const auto& e : fs::directory_iterator(server_dir.path() / sub, ec)) {
        if (e.is_regular_file(ec)) out.push_back(e.path());
      }
    }
  }
  return out;
}

}  // namespace anonfs::mount_test
