// FormKeyStore: the local fallback for form private keys (protocol §10.4: the real service has no
// API-key route returning wrapped form keys). For every form this client creates it keeps, in one
// 0600 file per form under a 0700 directory, the vault-wrapped private key (the same §10.4 blob
// the server stores: no key in the clear ever reaches the disk) and the form's schema (the owner
// cannot fetch the schema of a password-protected form with an API key, §9.4). Thread-safe: every
// call works on its own file, written atomically (temporary file + rename).
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "account.hpp"
#include "anonfs/vfs/forms_tree.hpp"

namespace anonfs::cli {

class FormKeyStore {
 public:
  // `dir` is created (0700) on first put; one store per server (form ids are per service).
  explicit FormKeyStore(std::filesystem::path dir);

  // Throws std::runtime_error when the file cannot be written. `form_id` must be a safe id.
  void put(std::string_view form_id, const vfs::StoredFormKey& key) const;
  // nullopt when absent or unreadable (a malformed file is ignored, not fatal).
  std::optional<vfs::StoredFormKey> get(std::string_view form_id) const;
  void remove(std::string_view form_id) const;

  const std::filesystem::path& dir() const noexcept { return dir_; }

 private:
  std::filesystem::path path_of(std::string_view form_id) const;
  std::filesystem::path dir_;
};

// The store of `account`'s server: $XDG_DATA_HOME/anonfs/form-keys/<tag>, where <tag> is
// "embedded" for the embedded server (its URL changes with every start) and otherwise the first 8
// bytes of SHA-256(server URL) in hex (form ids are only unique within one service).
FormKeyStore form_key_store_for(const Account& account);

}  // namespace anonfs::cli
