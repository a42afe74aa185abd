// FormsTree without mounting, against the real reference server (in-process, free port, fresh
// data directory): the forms/ layout, decrypted submissions with labels and types, exact sizes,
// error files for garbage, no mark-read on listing or reading, attachments read through the chunk
// cache, rm, read-only refusal, key fallback to the local store, and new submissions after the TTL.
#include "anonfs/vfs/forms_tree.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>

#include "anonfs/api/anonli_client.hpp"
#include "anonfs/api/form_respondent.hpp"
#include "anonfs/api/forms_client.hpp"
#include "anonfs/api/http_client.hpp"
#include "anonfs/crypto/base64.hpp"
#include "anonfs/crypto/form_keys.hpp"
#include "anonfs/crypto/form_seal.hpp"
#include "anonfs/crypto/random.hpp"
#include "anonfs/crypto/vault.hpp"
#include "anonfs/server/server.hpp"
#include "anonfs/vfs/chunk_cache.hpp"
#include "anonfs/vfs/chunk_reader.hpp"
#include "support/temp_dir.hpp"

namespace anonfs::vfs {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

json all_types_schema() {
  return json::parse(R"({
    "version": 1, "title": "Everything",
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

json all_answers() {
  return json::parse(R"({
    "name": "Alice", "story": "Long\nstory", "mail": "a@example.com", "tel": "+49 30 1234",
    "age": 42.5, "color": "red", "topics": ["a", "c"], "country": "FR", "stars": 4,
    "day": "2026-11-23", "scale": 3, "rank": ["z", "x", "y"],
    "addr": {"line1": "Main St 1", "city": "Berlin", "country": "DE"},
    "why": "because"})");
}

class FormsTreeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    user_ = server::add_user(dir_.path(), "owner@example.com", server::Plan::kPro);
    server::ServerOptions options;
    options.data_dir = dir_.path();
    options.worker_threads = 8;
    server_ = std::make_unique<server::Server>(std::move(options));
    server_->start();
    api::ClientOptions o;
    o.retry.max_attempts = 2;
    o.retry.base_delay = 1ms;
    http_ = std::make_unique<api::HttpClient>(o);
    drops_ = std::make_unique<api::AnonliClient>(*http_, server_->url(),
                                                 crypto::SecretBytes::from_string(user_.api_key));
    forms_ = std::make_unique<api::FormsClient>(*http_, server_->url(),
                                                crypto::SecretBytes::from_string(user_.api_key));
    public_ = std::make_unique<api::FormsClient>(*http_, server_->url(), crypto::SecretBytes{});
    const auto credentials =
        crypto::make_vault_credentials(crypto::as_bytes(std::string("pw")), vault_key_);
    wire::VaultSetupRequest setup;
    setup.authSalt = credentials.auth_salt;
    setup.auth_secret = std::string(credentials.auth_secret.str());
    setup.vault_salt = credentials.vault_salt;
    setup.password_wrapped_vault_key = credentials.password_wrapped_vault_key;
    setup.kdf_version = crypto::kVaultKdfVersion;
    vault_id_ = drops_->vault_setup(setup).vault_id;
    cache_ = std::make_unique<ChunkCache>(64u << 20);
    prefetcher_ = std::make_unique<Prefetcher>(*cache_);
  }
  void TearDown() override {
    prefetcher_.reset();
    public_.reset();
    forms_.reset();
    drops_.reset();
    http_.reset();
    if (server_) server_->stop();
  }

  // Creates a form; `server_wrap_key` wraps the copy stored on the server (default: the vault key).
  std::string create_form(const json& schema, const crypto::VaultKey* server_wrap_key = nullptr) {
    api::NewForm f;
    f.title = schema.at("title").get<std::string>();
    f.schema = schema;
    f.public_key = form_key_.public_key().to_base64url();
    f.wrapped_private_key = crypto::wrap_form_private_key(
        (server_wrap_key ? *server_wrap_key : vault_key_).bytes(), form_key_);
    f.vault_id = vault_id_;
    return forms_->create_form(f).id;
  }

  std::string respond(const std::string& form_id, json answers,
                      std::vector<api::RespondentFile> files = {}) {
    api::RespondentSubmission s{form_id, form_key_.public_key(), std::move(answers),
                                std::move(files), std::nullopt};
    return api::submit_response(*public_, *drops_, s).submitted.id;
  }

  std::unique_ptr<FormsTree> tree(bool read_only = false, LocalFormKeys local = {},
                                  bool with_vault = true) {
    MountContext context{http_.get(), cache_.get(), prefetcher_.get(), read_only};
    FormsTreeOptions options;
    options.submissions_ttl = 0ms;  // every listing asks the server (new submissions at once)
    std::optional<crypto::VaultKey> vault;
    if (with_vault) vault = vault_key_.clone();
    return std::make_unique<FormsTree>(*forms_, *drops_, context, std::move(vault),
                                       std::move(local), options);
  }

  static std::string read_all(FormsTree& t, NodeId id) {
    const OpenedFile f = t.open(id, OpenMode{});
    std::string out;
    std::vector<std::uint8_t> buf(7);  // small reads cross every boundary
    for (std::uint64_t off = 0;;) {
      const std::size_t n = t.read(f.handle, off, buf);
      if (n == 0) break;
      out.append(reinterpret_cast<const char*>(buf.data()), n);
      off += n;
    }
    t.release(f.handle);
    return out;
  }

  NodeId path(FormsTree& t, std::initializer_list<std::string_view> segments) {
    NodeId id = kSubtreeRoot;
    for (const auto s : segments)
      id = t.lookup(id, s).id;
    return id;
  }

  // The only entry of `dir` whose name ends with `suffix`.
  static SubtreeEntry only(FormsTree& t, NodeId dir, std::string_view suffix) {
    std::vector<SubtreeEntry> hits;
    for (auto& e : t.readdir(dir))
      if (e.name.ends_with(suffix)) hits.push_back(e);
    EXPECT_EQ(hits.size(), 1u);
    return hits.empty() ? SubtreeEntry{} : hits[0];
  }

  test_support::TempDir dir_;
  server::CreatedUser user_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<api::HttpClient> http_;
  std::unique_ptr<api::AnonliClient> drops_;
  std::unique_ptr<api::FormsClient> forms_;
  std::unique_ptr<api::FormsClient> public_;
  std::unique_ptr<ChunkCache> cache_;
  std::unique_ptr<Prefetcher> prefetcher_;
  crypto::VaultKey vault_key_ = crypto::VaultKey::generate();
  crypto::P256PrivateKey form_key_ = crypto::P256PrivateKey::generate();
  std::string vault_id_;
};

TEST_F(FormsTreeTest, LayoutSchemaAndFormInfo) {
  const std::string id = create_form(all_types_schema());
  auto t = tree();
  const auto roots = t->readdir(kSubtreeRoot);
  ASSERT_EQ(roots.size(), 1u);
  EXPECT_EQ(roots[0].name, "Everything [" + id + "]");
  std::set<std::string> names;
  for (const auto& e : t->readdir(roots[0].info.id))
    names.insert(e.name);
  EXPECT_EQ(names, (std::set<std::string>{"form.json", "schema.json", "submissions"}));

  const NodeId schema = path(*t, {roots[0].name, "schema.json"});
  const std::string text = read_all(*t, schema);
  EXPECT_EQ(t->getattr(schema).size, text.size());
  EXPECT_EQ(json::parse(text).at("fields").size(), 15u);

  const json info = json::parse(read_all(*t, path(*t, {roots[0].name, "form.json"})));
  EXPECT_EQ(info.at("id"), id);
  EXPECT_EQ(info.at("public_url"), server_->url() + "/f/" + id);
  EXPECT_EQ(info.at("state"), "open");
  EXPECT_EQ(info.at("password_protected"), false);
  EXPECT_GT(info.at("plan").at("retention_days").get<int>(), 0);
}

TEST_F(FormsTreeTest, EveryFieldTypeRoundTripsWithLabelsAndTwoAttachments) {
  const std::string id = create_form(all_types_schema());
  std::vector<api::RespondentFile> files;
  const auto one = crypto::random_bytes(3000);
  files.push_back({"docs", "report.pdf", "application/pdf", crypto::SecretBytes(one)});
  files.push_back({"docs", "photo.png", "image/png", crypto::SecretBytes::from_string("png!")});
  const std::string sid = respond(id, all_answers(), std::move(files));

  auto t = tree();
  const std::string folder = t->readdir(kSubtreeRoot).at(0).name;
  const NodeId subs = path(*t, {folder, "submissions"});
  const SubtreeEntry file = only(*t, subs, sid + ".json");
  const std::string text = read_all(*t, file.info.id);
  EXPECT_EQ(file.info.size, text.size());  // exact at lookup
  const json doc = json::parse(text);
  EXPECT_EQ(doc.at("id"), sid);
  EXPECT_TRUE(doc.at("read_at").is_null());
  const json& answers = doc.at("answers");
  const json expected = all_answers();
  for (const auto& [field, value] : expected.items()) {
    ASSERT_TRUE(answers.contains(field)) << field;
    EXPECT_EQ(answers.at(field).at("value"), value) << field;
  }
  EXPECT_EQ(answers.at("addr").at("type"), "address");
  EXPECT_EQ(answers.at("rank").at("label"), "Rank");
  EXPECT_EQ(answers.at("docs").at("type"), "file");
  EXPECT_EQ(answers.at("docs").at("value").size(), 2u);
  ASSERT_EQ(doc.at("attachments").size(), 2u);

  // Attachments beside the JSON, read through the chunk cache.
  const std::string stem = file.name.substr(0, file.name.size() - 5);
  const NodeId pdf = path(*t, {folder, "submissions", stem, "docs", "report.pdf"});
  EXPECT_EQ(t->getattr(pdf).size, one.size());
  const std::string pdf_text = read_all(*t, pdf);
  EXPECT_EQ(pdf_text, std::string(one.begin(), one.end()));
  EXPECT_EQ(read_all(*t, path(*t, {folder, "submissions", stem, "docs", "photo.png"})), "png!");
  EXPECT_GE(cache_->stats().misses, 1u);

  // Neither listing nor reading marked it read.
  EXPECT_FALSE(forms_->submission(sid).read_at.has_value());
}

TEST_F(FormsTreeTest, GarbageSubmissionIsAnErrorFileAndOthersReadFine) {
  const std::string id = create_form(all_types_schema());
  const std::string good = respond(id, {{"name", "Bob"}});
  // Random bytes straight to the API, in valid shapes.
  wire::SubmitRequest garbage;
  garbage.ephemeralPubKey = crypto::P256PrivateKey::generate().public_key().to_base64url();
  garbage.iv = crypto::base64url_encode(crypto::random_bytes(12));
  garbage.encryptedPayload = crypto::base64url_encode(crypto::random_bytes(200));
  const std::string bad = public_->submit(id, garbage).id;
  // Decrypts, but violates §10.3 (a number where strings are allowed only in arrays).
  const auto sealed = crypto::form_seal(
      form_key_.public_key(), crypto::as_bytes(std::string(R"({"version":2,"answers":{}})")));
  const std::string invalid =
      public_
          ->submit(
              id,
              {sealed.ephemeral_pub_key, sealed.iv, sealed.encrypted_payload, {}, {}, {}, {}, {}})
          .id;

  auto t = tree();
  const NodeId subs = path(*t, {t->readdir(kSubtreeRoot).at(0).name, "submissions"});
  EXPECT_EQ(t->readdir(subs).size(), 3u);
  const json g = json::parse(read_all(*t, only(*t, subs, good + ".json").info.id));
  EXPECT_EQ(g.at("answers").at("name").at("value"), "Bob");
  const json b = json::parse(read_all(*t, only(*t, subs, bad + ".json").info.id));
  EXPECT_NE(b.at("error").get<std::string>().find("cannot decrypt"), std::string::npos);
  EXPECT_EQ(b.at("id"), bad);
  const json i = json::parse(read_all(*t, only(*t, subs, invalid + ".json").info.id));
  EXPECT_NE(i.at("error").get<std::string>().find("Invalid submission payload"), std::string::npos);
}

TEST_F(FormsTreeTest, RmDeletesOnTheServerAndReadOnlyRefuses) {
  const std::string id = create_form(all_types_schema());
  const std::string sid = respond(id, {{"name", "Carol"}});
  {
    auto ro = tree(/*read_only=*/true);
    const NodeId subs = path(*ro, {ro->readdir(kSubtreeRoot).at(0).name, "submissions"});
    try {
      ro->unlink(subs, only(*ro, subs, ".json").name);
      ADD_FAILURE() << "unlink on a read-only tree";
    } catch (const VfsError& e) {
      EXPECT_EQ(e.code(), VfsErrc::kReadOnly);
    }
  }
  auto t = tree();
  const NodeId subs = path(*t, {t->readdir(kSubtreeRoot).at(0).name, "submissions"});
  const std::string name = only(*t, subs, ".json").name;
  try {
    t->open(only(*t, subs, ".json").info.id, OpenMode{true, true});
    ADD_FAILURE() << "opened for writing";
  } catch (const VfsError& e) {
    EXPECT_EQ(e.code(), VfsErrc::kAccessDenied);
  }
  t->unlink(subs, name);
  EXPECT_TRUE(forms_->list_submissions(id, false).empty());
  EXPECT_TRUE(t->readdir(subs).empty());
  EXPECT_THROW(t->lookup(subs, name), VfsError);
}

TEST_F(FormsTreeTest, NewSubmissionsAppearAfterTheTtl) {
  const std::string id = create_form(all_types_schema());
  respond(id, {{"name", "one"}});
  auto t = tree();
  const NodeId subs = path(*t, {t->readdir(kSubtreeRoot).at(0).name, "submissions"});
  EXPECT_EQ(t->readdir(subs).size(), 1u);
  respond(id, {{"name", "two"}});
  EXPECT_EQ(t->readdir(subs).size(), 2u);  // TTL 0 in this fixture
  const auto decryptions = t->stats().decryptions;
  t->readdir(subs);
  EXPECT_EQ(t->stats().decryptions, decryptions);  // unchanged submissions are not reopened
}

TEST_F(FormsTreeTest, LocalKeyStoreIsTheFallback) {
  // The server's copy is wrapped under another vault key: only the local copy opens.
  const crypto::VaultKey other = crypto::VaultKey::generate();
  const std::string id = create_form(all_types_schema(), &other);
  respond(id, {{"name", "Dave"}});
  const std::string local = crypto::wrap_form_private_key(vault_key_.bytes(), form_key_);
  {
    auto t = tree();  // no local store: an error file saying why
    const NodeId subs = path(*t, {t->readdir(kSubtreeRoot).at(0).name, "submissions"});
    const json doc = json::parse(read_all(*t, only(*t, subs, ".json").info.id));
    EXPECT_TRUE(doc.contains("error"));
  }
  auto t = tree(false, [&](std::string_view form) -> std::optional<StoredFormKey> {
    if (form != id) return std::nullopt;
    return StoredFormKey{local, nullptr};
  });
  const NodeId subs = path(*t, {t->readdir(kSubtreeRoot).at(0).name, "submissions"});
  const json doc = json::parse(read_all(*t, only(*t, subs, ".json").info.id));
  EXPECT_EQ(doc.at("answers").at("name").at("value"), "Dave");
}

TEST_F(FormsTreeTest, WithoutTheVaultEverySubmissionSaysWhy) {
  const std::string id = create_form(all_types_schema());
  respond(id, {{"name", "Eve"}});
  auto t = tree(false, {}, /*with_vault=*/false);
  const NodeId subs = path(*t, {t->readdir(kSubtreeRoot).at(0).name, "submissions"});
  const json doc = json::parse(read_all(*t, only(*t, subs, ".json").info.id));
  EXPECT_NE(doc.at("error").get<std::string>().find("vault"), std::string::npos);
}

}  // namespace
}  // namespace anonfs::vfs
