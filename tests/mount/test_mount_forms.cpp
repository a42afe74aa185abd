// forms/ through a real FUSE mount against the reference server: a Node WebCrypto respondent's
// answers shown exactly, every field type and two attachments submitted with `anonfs form submit`,
// password forms, a garbage submission as an error file, rm and -o ro, and the CLI's sealed
// submission opened by a Node WebCrypto owner.
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "anonfs/api/forms_client.hpp"
#include "anonfs/api/http_client.hpp"
#include "anonfs/crypto/base64.hpp"
#include "anonfs/crypto/form_keys.hpp"
#include "anonfs/crypto/p256.hpp"
#include "anonfs/crypto/random.hpp"
#include "mount_fixture.hpp"

namespace anonfs::mount_test {
namespace {

using nlohmann::json;
using server::test::run_process;

std::string required_env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') throw std::runtime_error(std::string("set ") + name);
  return v;
}

json all_types_schema() {
  return json::parse(R"({
    "version": 1, "title": "Intake",
    "fields": [
      {"id": "name", "type": "short_text", "label": "Name", "required": true},
      {"id": "story", "type": "long_text", "label": "Story"},
      {"id": "mail", "type": "email", "label": "E-mail"},
      {"id": "tel", "type": "phone", "label": "Phone"},
      {"id": "age", "type": "number", "label": "Age", "min": 0, "max": 150},
      {"id": "color", "type": "single_select", "label": "Colour", "options": ["red", "blue"]},
      {"id": "topics", "type": "multi_select", "label": "Topics", "options": ["a", "b", "c"]},
      {"id": "country", "type": "dropdown", "label": "Country", "options": ["DE", "FR"]},
      {"id": "stars", "type": "rating", "label": "Stars", "max": 5},
      {"id": "day", "type": "date", "label": "Day"},
      {"id": "scale", "type": "linear_scale", "label": "Scale", "min": 1, "max": 5},
      {"id": "rank", "type": "ranking", "label": "Rank", "options": ["x", "y", "z"]},
      {"id": "addr", "type": "address", "label": "Address"},
      {"id": "why", "type": "short_text", "label": "Why red",
       "visibleWhen": {"fieldId": "color", "op": "equals", "value": "red"}},
      {"id": "docs", "type": "file", "label": "Documents", "maxFiles": 2}
    ]})");
}

// What a respondent sends; "why" is hidden (colour is blue) and must not reach the owner.
json all_answers() {
  return json::parse(R"({
    "name": "  Alice  ", "story": "Long\nstory", "mail": "a@example.com", "tel": "+49 30 1234",
    "age": 42.5, "color": "blue", "topics": ["a", "c"], "country": "FR", "stars": 4,
    "day": "2026-11-23", "scale": 3, "rank": ["z", "x", "y"],
    "addr": {"line1": "Main St 1", "city": "Berlin", "country": "DE", "line2": "  "},
    "why": "hidden"})");
}

class FormsMountTest : public MountTest {
 protected:
  void SetUp() override {
    MountTest::SetUp();
    http_ = std::make_unique<api::HttpClient>();
    forms_ = std::make_unique<api::FormsClient>(*http_, server_->url(),
                                                crypto::SecretBytes::from_string(api_key_));
  }
  void TearDown() override {
    forms_.reset();
    http_.reset();
    MountTest::TearDown();
  }

  // Creates a form whose private key is `key` (wrapped by the vault key); returns its id.
  std::string create_form(const json& schema, const crypto::P256PrivateKey& key,
                          const std::string& password = "") {
    api::NewForm f;
    f.title = schema.at("title").get<std::string>();
    f.schema = schema;
    f.public_key = key.public_key().to_base64url();
    f.wrapped_private_key = crypto::wrap_form_private_key(vault_key_->bytes(), key);
    f.vault_id = vault_id_;
    f.vault_generation = vault_generation_;
    if (!password.empty()) {
      const auto p = crypto::create_form_password(crypto::as_bytes(password));
      f.password =
          api::NewForm::Password{p.salt, p.custom_key_data, p.custom_key_iv, p.custom_key_verifier};
    }
    return forms_->create_form(f).id;
  }

  std::filesystem::path write(const std::string& name, const std::string& content) {
    const auto path = dir_->path() / name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  // `anonfs form ARGS… --server URL --api-key-file F` with an isolated XDG environment.
  server::test::ProcessResult anonfs_form(std::vector<std::string> args) {
    std::vector<std::string> argv = {required_env("ANONFS_BIN"), "form"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--server", server_->url(), "--api-key-file",
                             (dir_->path() / "api-key").string()});
    const auto xdg = dir_->path() / "xdg";
    return run_process(argv, std::chrono::seconds(60),
                       {{"XDG_CONFIG_HOME", (xdg / "config").string()},
                        {"XDG_DATA_HOME", (xdg / "data").string()},
                        {"XDG_CACHE_HOME", (xdg / "cache").string()},
                        {"XDG_STATE_HOME", (xdg / "state").string()}});
  }

  std::string node_peer(std::vector<std::string> args) {
    std::vector<std::string> argv = {required_env("NODE"), required_env("ANONFS_FORM_PEER")};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto r = run_process(argv, std::chrono::seconds(60));
    EXPECT_EQ(r.exit_code, 0) << r.out;
    return r.out;
  }

  std::filesystem::path submissions_dir(const std::string& form_id, const std::string& title) {
    return mnt() / "forms" / (title + " [" + form_id + "]") / "submissions";
  }

  static std::filesystem::path only_json(const std::filesystem::path& dir, const std::string& sid) {
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      const std::string name = e.path().filename().string();
      if (name.ends_with("_" + sid + ".json")) return e.path();
    }
    ADD_FAILURE() << "no file for submission " << sid << " in " << dir;
    return dir / "missing";
  }

  static std::string trim_line(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r'))
      s.pop_back();
    return s;
  }

  std::unique_ptr<api::HttpClient> http_;
  std::unique_ptr<api::FormsClient> forms_;
  crypto::P256PrivateKey form_key_ = crypto::P256PrivateKey::generate();
};

TEST_F(FormsMountTest, NodeRespondentAnswersShowExactly) {
  const std::string id = create_form(all_types_schema(), form_key_);
  const json answers = json::parse(R"({"name": "Zoë", "topics": ["b"], "stars": 5,
      "addr": {"line1": "Rue 2", "city": "Paris", "country": "FR"}})");
  const std::string sid = trim_line(
      node_peer({"respond", server_->url(), id, write("a.json", answers.dump()).string()}));
  mount({"--vault-password-file", (dir_->path() / "vault-password").string()});
  const auto file = only_json(submissions_dir(id, "Intake"), sid);
  const std::string text = read_all(file);
  EXPECT_EQ(std::filesystem::file_size(file), text.size());
  const json doc = json::parse(text);
  json shown = json::object();
  for (const auto& [field, entry] : doc.at("answers").items())
    shown[field] = entry.at("value");
  EXPECT_EQ(shown, answers);
  EXPECT_EQ(doc.at("answers").at("stars").at("label"), "Stars");
  EXPECT_EQ(doc.at("answers").at("addr").at("type"), "address");
  EXPECT_FALSE(forms_->submission(sid).read_at.has_value());  // reading did not mark it read
  const json schema =
      json::parse(read_all(mnt() / "forms" / ("Intake [" + id + "]") / "schema.json"));
  EXPECT_EQ(schema.at("fields").size(), 15u);
  const json info = json::parse(read_all(mnt() / "forms" / ("Intake [" + id + "]") / "form.json"));
  EXPECT_EQ(info.at("submissions_count"), 1);
}

TEST_F(FormsMountTest, EveryFieldTypeAndTwoAttachmentsRoundTrip) {
  const std::string id = create_form(all_types_schema(), form_key_);
  const std::string pdf = pattern(70'000, 7);
  const auto r = anonfs_form({"submit", id, write("answers.json", all_answers().dump()).string(),
                              "--attach", "docs=" + write("report.pdf", pdf).string(), "--attach",
                              "docs=" + write("notes.txt", "hello\n").string()});
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::string sid = trim_line(r.out.substr(r.out.find_last_of('\n', r.out.size() - 2) + 1));
  mount({"--vault-password-file", (dir_->path() / "vault-password").string()});
  const auto file = only_json(submissions_dir(id, "Intake"), sid);
  const json doc = json::parse(read_all(file));
  const json& a = doc.at("answers");
  json expected = all_answers();
  expected.erase("why");            // hidden by visibleWhen
  expected["name"] = "Alice";       // trimmed
  expected["addr"].erase("line2");  // blank parts are omitted
  for (const auto& [field, value] : expected.items()) {
    ASSERT_TRUE(a.contains(field)) << field;
    EXPECT_EQ(a.at(field).at("value"), value) << field;
  }
  EXPECT_FALSE(a.contains("why"));
  EXPECT_EQ(a.at("docs").at("value").size(), 2u);
  const std::string stem = file.stem().string();
  const auto docs = file.parent_path() / stem / "docs";
  EXPECT_EQ(read_all(docs / "report.pdf"), pdf);
  EXPECT_EQ(read_all(docs / "notes.txt"), "hello\n");
  EXPECT_EQ(std::filesystem::file_size(docs / "report.pdf"), pdf.size());
}

TEST_F(FormsMountTest, PasswordFormRefusesTheWrongPassword) {
  const std::string id = create_form(all_types_schema(), form_key_, "letmein!");
  const auto answers = write("answers.json", R"({"name": "Bob"})");
  const auto wrong = anonfs_form(
      {"submit", id, answers.string(), "--password-file", write("wrong", "nope-nope\n").string()});
  EXPECT_EQ(wrong.exit_code, 1) << wrong.out;  // "wrong form password" on stderr
  EXPECT_TRUE(forms_->list_submissions(id, false).empty());
  const auto right = anonfs_form(
      {"submit", id, answers.string(), "--password-file", write("right", "letmein!\n").string()});
  ASSERT_EQ(right.exit_code, 0) << right.out;
  EXPECT_EQ(forms_->list_submissions(id, false).size(), 1u);
  mount({"--vault-password-file", (dir_->path() / "vault-password").string()});
  std::size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(submissions_dir(id, "Intake"))) {
    const json doc = json::parse(read_all(e.path()));
    EXPECT_EQ(doc.at("answers").at("name").at("value"), "Bob");
    ++files;
  }
  EXPECT_EQ(files, 1u);
}

TEST_F(FormsMountTest, GarbageSubmissionIsAnErrorFile) {
  const std::string id = create_form(all_types_schema(), form_key_);
  const std::string good = trim_line(
      node_peer({"respond", server_->url(), id, write("a.json", R"({"name":"Carol"})").string()}));
  wire::SubmitRequest garbage;
  garbage.ephemeralPubKey = crypto::P256PrivateKey::generate().public_key().to_base64url();
  garbage.iv = crypto::base64url_encode(crypto::random_bytes(12));
  garbage.encryptedPayload = crypto::base64url_encode(crypto::random_bytes(300));
  api::FormsClient anonymous(*http_, server_->url(), crypto::SecretBytes{});
  const std::string bad = anonymous.submit(id, garbage).id;
  mount({"--vault-password-file", (dir_->path() / "vault-password").string()});
  const auto dir = submissions_dir(id, "Intake");
  const json b = json::parse(read_all(only_json(dir, bad)));
  EXPECT_TRUE(b.contains("error"));
  EXPECT_EQ(b.at("id"), bad);
  const json g = json::parse(read_all(only_json(dir, good)));
  EXPECT_EQ(g.at("answers").at("name").at("value"), "Carol");
}

TEST_F(FormsMountTest, RmDeletesAndReadOnlyRefuses) {
  const std::string id = create_form(all_types_schema(), form_key_);
  const std::string sid = trim_line(
      node_peer({"respond", server_->url(), id, write("a.json", R"({"name":"Dan"})").string()}));
  mount({"--vault-password-file", (dir_->path() / "vault-password").string(), "-o", "ro"});
  auto file = only_json(submissions_dir(id, "Intake"), sid);
  EXPECT_NE(::unlink(file.c_str()), 0);
  EXPECT_EQ(errno, EROFS);
  unmount();
  mount({"--vault-password-file", (dir_->path() / "vault-password").string()});
  file = only_json(submissions_dir(id, "Intake"), sid);
  ASSERT_EQ(::unlink(file.c_str()), 0) << std::strerror(errno);
  EXPECT_FALSE(std::filesystem::exists(file));
  EXPECT_TRUE(forms_->list_submissions(id, false).empty());
}

TEST_F(FormsMountTest, CliSubmissionOpensInTheNodeOwner) {
  const json pair = json::parse(node_peer({"keypair"}));
  const auto der = crypto::base64url_decode(pair.at("pkcs8").get<std::string>());
  const auto node_key = crypto::P256PrivateKey::from_pkcs8(der);
  const std::string id = create_form(all_types_schema(), node_key);
  const json answers = json::parse(R"({"name": "Eve", "color": "red", "why": "shown"})");
  const auto r = anonfs_form({"submit", id, write("answers.json", answers.dump()).string()});
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::string sid = trim_line(r.out.substr(r.out.find_last_of('\n', r.out.size() - 2) + 1));
  const json plaintext = json::parse(node_peer(
      {"owner-open", server_->url(), api_key_, sid, pair.at("pkcs8").get<std::string>()}));
  EXPECT_EQ(plaintext.at("version"), 1);
  EXPECT_EQ(plaintext.at("answers"), answers);
  EXPECT_TRUE(plaintext.at("attachments").is_null());
}

TEST_F(FormsMountTest, OwnerCommandsCreateListShowToggleReadDelete) {
  const auto schema = write("schema.json", all_types_schema().dump());
  const std::string vault_pw = (dir_->path() / "vault-password").string();
  const auto created =
      anonfs_form({"create", "--title", "Hotline", "--description", "Tell us", schema.string(),
                   "--max-submissions", "10", "--vault-password-file", vault_pw});
  ASSERT_EQ(created.exit_code, 0) << created.out;
  const std::string url = trim_line(created.out.substr(created.out.find("http")));
  const std::string id = url.substr(url.rfind('/') + 1);
  EXPECT_EQ(url, server_->url() + "/f/" + id);
  // The local key store (0600 in 0700) holds the wrapped key, never the key itself.
  const auto store = dir_->path() / "xdg" / "data" / "anonfs" / "form-keys";
  bool found = false;
  for (const auto& e : std::filesystem::recursive_directory_iterator(store)) {
    if (e.path().filename() != id + ".json") continue;
    found = true;
    EXPECT_EQ(std::filesystem::status(e.path()).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    const json stored = json::parse(read_all(e.path()));
    EXPECT_EQ(stored.at("wrapped"), forms_->form_key(id)->wrapped);
  }
  EXPECT_TRUE(found);

  const auto listed = anonfs_form({"list"});
  ASSERT_EQ(listed.exit_code, 0);
  EXPECT_NE(listed.out.find(id + "  open"), std::string::npos) << listed.out;
  const auto shown = anonfs_form({"show", id});
  ASSERT_EQ(shown.exit_code, 0);
  const json info = json::parse(shown.out.substr(shown.out.find('{')));
  EXPECT_EQ(info.at("title"), "Hotline");
  EXPECT_EQ(info.at("max_submissions"), 10);
  EXPECT_EQ(info.at("schema").at("fields").size(), 15u);

  const auto answered =
      anonfs_form({"submit", url, write("answers.json", R"({"name":"Fay"})").string()});
  ASSERT_EQ(answered.exit_code, 0) << answered.out;
  const std::string sid =
      trim_line(answered.out.substr(answered.out.find_last_of('\n', answered.out.size() - 2) + 1));
  EXPECT_FALSE(forms_->submission(sid).read_at.has_value());
  ASSERT_EQ(anonfs_form({"read", sid}).exit_code, 0);
  EXPECT_TRUE(forms_->submission(sid).read_at.has_value());

  const auto toggled = anonfs_form({"toggle", id});
  ASSERT_EQ(toggled.exit_code, 0);
  EXPECT_NE(toggled.out.find("disabled"), std::string::npos);
  ASSERT_EQ(anonfs_form({"delete", id}).exit_code, 0);
  EXPECT_TRUE(forms_->list_forms().forms.empty());
  // A bad answer is refused before anything is sent.
  const std::string other = create_form(all_types_schema(), form_key_);
  const auto bad = anonfs_form({"submit", other, write("bad.json", R"({"stars": 9})").string()});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_TRUE(forms_->list_submissions(other, false).empty());
}

}  // namespace
}  // namespace anonfs::mount_test
