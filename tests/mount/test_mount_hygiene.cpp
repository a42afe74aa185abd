// Key hygiene of a running daemon and on the wire (issue #8): the daemon's key memory is locked
// (VmLck), and no share-link fragment (the key part after `#`), no drop password and no
// EnigmaCrypt password ever reaches the server: every path that handles such a link runs against
// the reference server with `--request-log`, whose log (full targets, all headers, JSON bodies)
// is then searched for every encoding of each secret.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "anonfs/crypto/base64.hpp"
#include "anonfs/crypto/bytes.hpp"
#include "anonfs/crypto/random.hpp"
#include "anonfs/crypto/share_url.hpp"
#include "mount_fixture.hpp"

namespace anonfs::mount_test {
namespace {

namespace fs = std::filesystem;
using server::test::ProcessResult;
using server::test::run_process;

std::string env_or_fail(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr) throw std::runtime_error(std::string(name) + " is not set (run via meson)");
  return v;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' '))
    s.pop_back();
  return s;
}

std::string percent_encode(const std::string& s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string upper(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Every encoding of a secret string we can derive: the text itself and percent-encoded; if it is
// base64 or base64url, the decoded bytes re-encoded as base64, base64url (padded or not) and hex
// (both cases), and the decoded bytes themselves when they are text. Only strings of 8 or more
// characters (shorter ones could match by chance).
std::set<std::string> encodings_of(const std::string& secret) {
  std::set<std::string> out = {secret, percent_encode(secret)};
  std::optional<crypto::Bytes> raw;
  try {
    raw = crypto::base64url_decode(secret, crypto::Padding::kOptional);
  } catch (const std::exception&) {
  }
  if (!raw) {
    try {
      raw = crypto::base64_decode(secret, crypto::Padding::kRequired);
    } catch (const std::exception&) {
    }
  }
  if (raw) {
    const std::string b64 = crypto::base64_encode(*raw);
    std::string b64_nopad = b64;
    while (!b64_nopad.empty() && b64_nopad.back() == '=')
      b64_nopad.pop_back();
    const std::string hex = crypto::hex_encode(*raw);
    out.insert(
        {b64, b64_nopad, percent_encode(b64), crypto::base64url_encode(*raw), hex, upper(hex)});
    const std::string text(raw->begin(), raw->end());
    if (std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7f; })) {
      out.insert({text, percent_encode(text)});
    }
  }
  std::erase_if(out, [](const std::string& s) { return s.size() < 8; });
  return out;
}

// The fragment of a link (after '#'), and its `&`-separated values (`k=<key>&r=<token>` form).
std::vector<std::string> fragment_values(const std::string& link) {
  const auto hash = link.find('#');
  if (hash == std::string::npos) return {};
  const std::string fragment = link.substr(hash + 1);
  std::vector<std::string> out = {fragment};
  std::stringstream parts(fragment);
  for (std::string part; std::getline(parts, part, '&');) {
    const auto eq = part.find('=');
    out.push_back(eq == std::string::npos ? part : part.substr(eq + 1));
  }
  return out;
}

class HygieneMountTest : public MountTest {
 protected:
  std::vector<std::string> server_args() const override {
    return {"--request-log", request_log().string()};
  }
  fs::path request_log() const { return dir_->path() / "requests.log"; }

  void SetUp() override {
    MountTest::SetUp();
    keys_ = server::test::add_user(dir_->path() / "server", "mount@example.com", "pro");
    const auto config_dir = dir_->path() / "xdg-config" / "anonfs";
    fs::create_directories(config_dir);
    const nlohmann::json config = {
        {"enigmacrypt", {{"server", server_->url()}, {"token", keys_.enigma_token}}},
        {"passwordlink",
         {{"server", server_->url()},
          {"public_key", keys_.passwordlink_public_key},
          {"private_key", keys_.passwordlink_private_key}}}};
    std::ofstream(config_dir / "config.json") << config.dump(2);
    fs::permissions(config_dir / "config.json", fs::perms::owner_read | fs::perms::owner_write);
  }

  fs::path local(const std::string& name) const { return dir_->path() / name; }
  void write(const std::string& name, const std::string& content) const {
    std::ofstream(local(name), std::ios::binary) << content;
  }

  // `anonfs ARGS` with the test's XDG directories; stderr merged into the output unless
  // `stdout_only` (for commands whose output is parsed).
  ProcessResult anonfs(const std::vector<std::string>& args, bool stdout_only = false) const {
    std::vector<std::string> argv = {"/bin/sh",
                                     "-c",
                                     stdout_only ? "exec \"$@\"" : "exec \"$@\" 2>&1",
                                     "sh",
                                     "/usr/bin/env",
                                     "XDG_CONFIG_HOME=" + local("xdg-config").string(),
                                     "XDG_DATA_HOME=" + local("xdg-data").string(),
                                     "XDG_STATE_HOME=" + local("xdg-state").string(),
                                     "XDG_CACHE_HOME=" + local("xdg-cache").string(),
                                     env_or_fail("ANONFS_BIN")};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, std::chrono::seconds(120));
  }

  // A secret that must never reach the server (a fragment value or a password), with the place it
  // came from for the failure message.
  void must_not_leak(const std::string& what, const std::string& secret) {
    for (const auto& e : encodings_of(secret))
      secrets_.emplace_back(what, e);
  }
  void must_not_leak_fragment_of(const std::string& what, const std::string& link) {
    const auto values = fragment_values(link);
    ASSERT_FALSE(values.empty()) << what << ": no fragment in " << link;
    for (const auto& v : values)
      must_not_leak(what, v);
  }

  server::test::User keys_;
  std::vector<std::pair<std::string, std::string>> secrets_;
};

TEST_F(HygieneMountTest, DaemonLocksKeyMemory) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "sanitizer runtimes make mlock() a no-op";
#endif
  mount();
  // The vault is unlocked before the mount appears: the vault key and the drop keys are held.
  EXPECT_NE(anonfs_log().find("vault unlocked"), std::string::npos) << anonfs_log();
  const std::string status = read_all("/proc/" + std::to_string(mount_pid_) + "/status");
  const auto at = status.find("VmLck:");
  ASSERT_NE(at, std::string::npos) << status;
  const long locked_kb = std::stol(status.substr(at + 6));
  EXPECT_GT(locked_kb, 0) << "the daemon has no locked memory: keys may be swapped";
  EXPECT_EQ(anonfs_log().find("could not be locked"), std::string::npos) << anonfs_log();
}

TEST_F(HygieneMountTest, NoFragmentOrPasswordReachesTheServer) {
  const std::string server = server_->url();
  const std::string api_key_file = local("api-key").string();
  const std::string vault_password_file = local("vault-password").string();

  // 1. `anonfs get URL#KEY` of someone else's drop (Node reference upload).
  UploadSpec spec;
  spec.store_owner_key = false;
  spec.files = {{"got.txt", "fetched with anonfs get"}};
  const auto got = upload(spec);
  const std::string got_link = server + "/d/" + got.id + "#" + got.key;
  must_not_leak("anonfs get", got_link.substr(got_link.find('#') + 1));
  {
    const auto r = anonfs({"get", got_link, "-o", local("get-1").string()});
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_EQ(read_all(local("get-1") / "got.txt"), "fetched with anonfs get");
  }

  // 2. `anonfs upload` prints a link; `anonfs get` opens it.
  write("up.txt", "uploaded by anonfs upload");
  std::string up_link;
  {
    const auto r = anonfs({"upload", local("up.txt").string(), "--server", server, "--api-key-file",
                           api_key_file, "--vault-password-file", vault_password_file},
                          true);
    ASSERT_EQ(r.exit_code, 0) << r.out;
    const auto arrow = r.out.find("up.txt → ");
    ASSERT_NE(arrow, std::string::npos) << r.out;
    up_link = trim(r.out.substr(arrow + std::string("up.txt → ").size()));
    up_link = up_link.substr(0, up_link.find('\n'));
    must_not_leak_fragment_of("anonfs upload", up_link);
    const auto g = anonfs({"get", up_link, "-o", local("get-2").string()});
    ASSERT_EQ(g.exit_code, 0) << g.out;
    EXPECT_EQ(read_all(local("get-2") / "up.txt"), "uploaded by anonfs upload");
  }

  // 3. The mount: `anonfs open URL#KEY` into links/, a password drop, an outbox upload.
  spec.files = {{"linked.txt", "opened under links/"}};
  const auto linked = upload(spec);
  const std::string linked_link = server + "/d/" + linked.id + "#" + linked.key;
  must_not_leak_fragment_of("links/", linked_link);
  const std::string drop_password = "pw-" + crypto::base64url_encode(crypto::random_bytes(12));
  must_not_leak("password drop", drop_password);
  const std::string pw_id = upload_password_drop("memo.txt", "password protected", drop_password);
  write("drop-password", drop_password + "\n");

  mount({"-o", "settle=1"});
  {
    const auto r = anonfs({"open", linked_link, "--mount", mnt().string()});
    ASSERT_EQ(r.exit_code, 0) << r.out << anonfs_log();
    EXPECT_EQ(read_all(mnt() / "links" / linked.id / "linked.txt"), "opened under links/");
    const auto p = anonfs({"open", server + "/d/" + pw_id, "--password-file",
                           local("drop-password").string(), "--mount", mnt().string()});
    ASSERT_EQ(p.exit_code, 0) << p.out << anonfs_log();
    EXPECT_EQ(read_all(mnt() / "links" / pw_id / "memo.txt"), "password protected");
  }
  { std::ofstream(mnt() / "outbox" / "boxed.txt") << "sent through the outbox"; }
  const fs::path sent = mnt() / "sent" / "boxed.txt.link";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!fs::exists(sent) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(fs::exists(sent)) << anonfs_log();
  const std::string boxed_link = trim(read_all(sent));
  must_not_leak_fragment_of("outbox", boxed_link);

  // 4. One-time secrets: password.link (key half in the fragment), EnigmaCrypt (password apart).
  write("secret.txt", "a one-time secret");
  const auto output_lines = [](const std::string& out) {
    std::vector<std::string> lines;
    std::stringstream in(out);
    for (std::string line; std::getline(in, line);)
      if (!line.empty() && line[0] != '#') lines.push_back(line);
    return lines;
  };
  {
    const auto c = anonfs(
        {"secret", "create", "--service", "passwordlink", local("secret.txt").string()}, true);
    ASSERT_EQ(c.exit_code, 0) << c.out;
    const auto lines = output_lines(c.out);
    ASSERT_EQ(lines.size(), 1u) << c.out;
    const std::string link = lines[0];
    must_not_leak_fragment_of("password.link", link);
    const auto v = anonfs({"secret", "view", link});
    EXPECT_EQ(v.exit_code, 0) << v.out;
    EXPECT_NE(v.out.find("a one-time secret"), std::string::npos) << v.out;
  }
  {
    const auto c = anonfs(
        {"secret", "create", "--service", "enigmacrypt", local("secret.txt").string()}, true);
    ASSERT_EQ(c.exit_code, 0) << c.out;
    const auto lines = output_lines(c.out);
    ASSERT_EQ(lines.size(), 2u) << c.out;  // the link, then the password
    must_not_leak("EnigmaCrypt password", lines[1]);
    write("enigma-password", lines[1] + "\n");
    const auto v =
        anonfs({"secret", "view", lines[0], "--password-file", local("enigma-password").string()});
    EXPECT_EQ(v.exit_code, 0) << v.out;
    EXPECT_NE(v.out.find("a one-time secret"), std::string::npos) << v.out;
  }
  unmount();  // the daemon's last requests are in the log

  // The log recorded the requests of every path (so this test can fail) ...
  const std::string log = read_all(request_log());
  EXPECT_EQ(fs::status(request_log()).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  for (const std::string& id :
       {got.id, linked.id, pw_id, crypto::parse_anonli_drop_url(up_link).drop_id,
        crypto::parse_anonli_drop_url(boxed_link).drop_id}) {
    EXPECT_NE(log.find("/" + id), std::string::npos) << "no request for drop " << id;
  }
  EXPECT_NE(log.find("\"target\":\"/api/secrets"), std::string::npos) << "no password.link call";
  EXPECT_NE(log.find("\"target\":\"/api/messages"), std::string::npos) << "no EnigmaCrypt call";
  EXPECT_NE(log.find("[\"Authorization\",\"Bearer " + api_key_), std::string::npos)
      << "request headers are not logged";
  // ... and none of the secrets in any encoding.
  ASSERT_GT(secrets_.size(), 10u);
  for (const auto& [what, secret] : secrets_) {
    EXPECT_EQ(log.find(secret), std::string::npos) << what << ": '" << secret << "' was sent";
  }
}

}  // namespace
}  // namespace anonfs::mount_test
