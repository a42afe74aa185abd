// SecretsSubtree (the mount's secrets/ folder) driven directly, without mounting, against the real
// reference server started in-process: outbox → one-time secret → sent/NAME.link that opens with
// the recipient flow, NAME.error for bad input, list/ and requests/ from the list routes without
// burning views, rm deleting on the server.
#include "anonfs/vfs/secrets_subtree.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "anonfs/api/http_client.hpp"
#include "anonfs/crypto/enigmacrypt.hpp"
#include "anonfs/crypto/passwordlink.hpp"
#include "anonfs/crypto/share_url.hpp"
#include "anonfs/server/server.hpp"
#include "support/temp_dir.hpp"

namespace anonfs::vfs {
namespace {

constexpr NodeId kRoot = kSubtreeRoot;

class SecretsSubtreeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    user_ = server::add_user(dir_.path(), "alice@example.com", server::Plan::kPro);
    server::ServerOptions options;
    options.data_dir = dir_.path();
    options.worker_threads = 4;
    server_ = std::make_unique<server::Server>(std::move(options));
    server_->start();
    http_ = std::make_unique<api::HttpClient>();
    enigma_ = std::make_shared<api::EnigmaCryptClient>(
        *http_, server_->url(), crypto::SecretBytes::from_string(user_.enigma_token));
    pl_ = std::make_shared<api::PasswordLinkClient>(
        *http_, server_->url(), crypto::SecretBytes::from_string(user_.passwordlink_public_key),
        crypto::SecretBytes::from_string(user_.passwordlink_private_key));
    SecretsSubtreeOptions o;
    o.enigmacrypt = enigma_;
    o.passwordlink = pl_;
    o.list_ttl = std::chrono::milliseconds(0);
    tree_ = std::make_unique<SecretsSubtree>(std::move(o));
  }

  NodeId dir(const std::string& service, const std::string& name) {
    const auto s = tree_->lookup(kRoot, service);
    return tree_->lookup(s.id, name).id;
  }

  // cp FILE secrets/<service>/outbox/NAME
  void copy_in(const std::string& service, const std::string& name, const std::string& content) {
    const NodeId outbox = dir(service, "outbox");
    OpenMode mode;
    mode.write = true;
    mode.truncate = true;
    auto [info, file] = tree_->create(outbox, name, 0600, mode);
    // Two writes, as cp does with large buffers.
    const auto half = content.size() / 2;
    tree_->write(file.handle, 0, crypto::as_bytes(std::string_view(content).substr(0, half)));
    tree_->write(file.handle, half, crypto::as_bytes(std::string_view(content).substr(half)));
    tree_->flush(file.handle);
    tree_->release(file.handle);
  }

  std::string read_file(NodeId parent, const std::string& name) {
    const auto info = tree_->lookup(parent, name);
    const auto f = tree_->open(info.id, OpenMode{});
    std::string out(info.size, '\0');
    const auto n = tree_->read(
        f.handle, 0,
        std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(out.data()), out.size()));
    out.resize(n);
    tree_->release(f.handle);
    return out;
  }

  std::vector<std::string> names(NodeId d) {
    std::vector<std::string> out;
    for (const auto& e : tree_->readdir(d))
      out.push_back(e.name);
    return out;
  }

  test_support::TempDir dir_;
  server::CreatedUser user_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<api::HttpClient> http_;
  std::shared_ptr<api::EnigmaCryptClient> enigma_;
  std::shared_ptr<api::PasswordLinkClient> pl_;
  std::unique_ptr<SecretsSubtree> tree_;
};

TEST_F(SecretsSubtreeTest, Layout) {
  EXPECT_EQ(names(kRoot), (std::vector<std::string>{"enigmacrypt", "passwordlink"}));
  EXPECT_EQ(names(tree_->lookup(kRoot, "passwordlink").id),
            (std::vector<std::string>{"list", "outbox", "requests", "sent"}));
  EXPECT_EQ(names(tree_->lookup(kRoot, "enigmacrypt").id),
            (std::vector<std::string>{"outbox", "sent"}));
  try {
    tree_->lookup(kRoot, "nope");
    ADD_FAILURE();
  } catch (const VfsError& e) {
    EXPECT_EQ(e.code(), VfsErrc::kNotFound);
  }
}

TEST_F(SecretsSubtreeTest, PasswordLinkOutboxToSentLink) {
  copy_in("passwordlink", "note.txt", "the wifi password is hunter2\n");
  EXPECT_TRUE(names(dir("passwordlink", "outbox")).empty());
  const auto link_text = read_file(dir("passwordlink", "sent"), "note.txt.link");
  ASSERT_FALSE(link_text.empty());
  ASSERT_EQ(link_text.back(), '\n');
  const auto link = crypto::parse_passwordlink_url(link_text.substr(0, link_text.size() - 1));
  const auto view = pl_->view_secret(link.secret_id);
  EXPECT_EQ(crypto::passwordlink_open(view.ciphertext, view.password_part_private,
                                      link.public_part_b64.str())
                .str(),
            "the wifi password is hunter2\n");
  // A second copy with the same name gets its own link.
  copy_in("passwordlink", "note.txt", "again");
  EXPECT_EQ(names(dir("passwordlink", "sent")),
            (std::vector<std::string>{"note.txt (2).link", "note.txt.link"}));
}

TEST_F(SecretsSubtreeTest, EnigmaLinkHasCommentUrlAndPassword) {
  copy_in("enigmacrypt", "pin", "1234");
  const auto text = read_file(dir("enigmacrypt", "sent"), "pin.link");
  std::vector<std::string> lines;
  for (std::size_t pos = 0; pos < text.size();) {
    const auto end = text.find('\n', pos);
    lines.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  ASSERT_EQ(lines.size(), 3u) << text;
  EXPECT_NE(lines[0].find("two different channels"), std::string::npos);
  const auto link = crypto::parse_enigmacrypt_url(lines[1]);
  const auto fetched = enigma_->fetch(link.message_id);
  EXPECT_EQ(
      crypto::enigma_decrypt(fetched.encryptedContent, crypto::as_bytes(lines[2])).content.str(),
      "1234");
}

TEST_F(SecretsSubtreeTest, BadInputBecomesErrorFile) {
  copy_in("passwordlink", "photo.jpg", std::string("\xff\xd8\xff\xe0\0\x10JFIF", 10));
  copy_in("enigmacrypt", "huge.txt", std::string(kMaxSecretTextSize + 10, 'a'));
  copy_in("enigmacrypt", "empty", "");
  const auto pl_outbox = dir("passwordlink", "outbox");
  EXPECT_EQ(names(pl_outbox), (std::vector<std::string>{"photo.jpg.error"}));
  EXPECT_NE(read_file(pl_outbox, "photo.jpg.error").find("not UTF-8 text"), std::string::npos);
  const auto e_outbox = dir("enigmacrypt", "outbox");
  EXPECT_NE(read_file(e_outbox, "huge.txt.error").find("too large"), std::string::npos);
  EXPECT_NE(read_file(e_outbox, "empty.error").find("empty"), std::string::npos);
  EXPECT_TRUE(names(dir("enigmacrypt", "sent")).empty());
  EXPECT_TRUE(enigma_->list().empty());
  tree_->unlink(e_outbox, "huge.txt.error");
  EXPECT_EQ(names(e_outbox), (std::vector<std::string>{"empty.error"}));
}

TEST_F(SecretsSubtreeTest, TemporaryNamesAreSentWhenRenamed) {
  copy_in("passwordlink", ".note.txt.XYZ12", "rsync");
  const auto outbox = dir("passwordlink", "outbox");
  EXPECT_EQ(names(outbox), (std::vector<std::string>{".note.txt.XYZ12"}));
  EXPECT_TRUE(pl_->list_secrets().items.empty());
  tree_->rename(outbox, ".note.txt.XYZ12", outbox, "note.txt", false);
  EXPECT_TRUE(names(outbox).empty());
  EXPECT_EQ(names(dir("passwordlink", "sent")), (std::vector<std::string>{"note.txt.link"}));
}

TEST_F(SecretsSubtreeTest, ListingFiftySecretsBurnsNoView) {
  std::vector<std::string> ids;
  for (int i = 0; i < 50; ++i)
    ids.push_back(send_passwordlink(*pl_, crypto::as_bytes("s" + std::to_string(i)), {}).id);
  const NodeId list = dir("passwordlink", "list");
  const auto entries = tree_->readdir(list);
  ASSERT_EQ(entries.size(), 50u);
  for (const auto& e : entries) {
    EXPECT_GT(tree_->getattr(e.info.id).size, 0u);
    const auto json = read_file(list, e.name);
    EXPECT_EQ(json.find("ciphertext"), std::string::npos);
    EXPECT_NE(json.find("\"view_times\": 0"), std::string::npos);
  }
  // Server counters: no view was consumed by ls, stat or reading the metadata files.
  for (const auto& item : pl_->list_secrets().items)
    EXPECT_EQ(item.view_times, 0) << item.id;
  // rm deletes the secret on the server.
  tree_->unlink(list, ids[0] + ".json");
  EXPECT_EQ(pl_->list_secrets().items.size(), 49u);
  EXPECT_EQ(tree_->readdir(list).size(), 49u);
}

TEST_F(SecretsSubtreeTest, RequestsFolder) {
  wire::PlCreateRequest r;
  r.description = "send me the key";
  const auto created = pl_->create_request(r);
  const NodeId requests = dir("passwordlink", "requests");
  EXPECT_EQ(names(requests), (std::vector<std::string>{created.id + ".json"}));
  EXPECT_NE(read_file(requests, created.id + ".json").find("send me the key"), std::string::npos);
  tree_->unlink(requests, created.id + ".json");
  EXPECT_TRUE(pl_->list_requests().items.empty());
  EXPECT_TRUE(names(requests).empty());
}

TEST_F(SecretsSubtreeTest, ReadOnlyAndRefusals) {
  SecretsSubtreeOptions o;
  o.passwordlink = pl_;
  o.read_only = true;
  SecretsSubtree ro(std::move(o));
  const auto pl = ro.lookup(kRoot, "passwordlink");
  const auto outbox = ro.lookup(pl.id, "outbox");
  OpenMode w;
  w.write = true;
  try {
    ro.create(outbox.id, "x", 0600, w);
    ADD_FAILURE();
  } catch (const VfsError& e) {
    EXPECT_EQ(e.code(), VfsErrc::kReadOnly);
  }
  EXPECT_THROW(tree_->create(dir("passwordlink", "sent"), "x", 0600, w), VfsError);
  EXPECT_THROW(tree_->mkdir(dir("passwordlink", "outbox"), "d", 0700), VfsError);
}

}  // namespace
}  // namespace anonfs::vfs
