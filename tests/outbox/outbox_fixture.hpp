// Fixture of the outbox tests: anonfs-server on a free port with a fresh data directory, a Pro
// account with a vault (owner keys), the typed client, and a helper that downloads a share link
// with the read path (fetch_drop) into name -> content.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "anonfs/api/anonli_client.hpp"
#include "anonfs/api/http_client.hpp"
#include "anonfs/vfs/upload_engine.hpp"
#include "test_support.hpp"

namespace anonfs::outbox_test {

class OutboxServerTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Files of the drop behind `url` (decrypted, verified), by decrypted name.
  std::map<std::string, std::string> download(const std::string& url);
  // Own drops on the server (complete and incomplete).
  std::vector<wire::DropListItem> own_drops();
  vfs::VaultOwner vault_owner() const;

  std::unique_ptr<server::test::TempDir> dir_;
  std::unique_ptr<server::test::ServerProcess> server_;
  std::string api_key_;
  std::unique_ptr<api::HttpClient> http_;
  std::unique_ptr<api::AnonliClient> client_;
  std::optional<crypto::VaultKey> vault_key_;
  std::string vault_id_;
  std::int64_t vault_generation_ = 0;
};

std::string random_content(std::size_t n, unsigned seed);

}  // namespace anonfs::outbox_test
