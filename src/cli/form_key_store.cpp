// FormKeyStore: one JSON file per form, {"wrapped": "...", "schema": {...}}, 0600 under 0700.
#include "form_key_store.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "anonfs/crypto/hash.hpp"
#include "anonfs/vfs/names.hpp"
#include "paths.hpp"

namespace anonfs::cli {

FormKeyStore::FormKeyStore(std::filesystem::path dir) : dir_(std::move(dir)) {}

std::filesystem::path FormKeyStore::path_of(std::string_view form_id) const {
  if (!vfs::is_safe_id(form_id)) throw std::invalid_argument("invalid form id");
  return dir_ / (std::string(form_id) + ".json");
}

void FormKeyStore::put(std::string_view form_id, const vfs::StoredFormKey& key) const {
  make_private_dir(dir_);
  const nlohmann::json doc = {{"wrapped", key.wrapped}, {"schema", key.schema}};
  write_private_file(path_of(form_id), doc.dump());
}

std::optional<vfs::StoredFormKey> FormKeyStore::get(std::string_view form_id) const {
  if (!vfs::is_safe_id(form_id)) return std::nullopt;
  std::ifstream in(path_of(form_id), std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  const auto doc = nlohmann::json::parse(text.str(), nullptr, false);
  if (!doc.is_object()) return std::nullopt;
  const auto wrapped = doc.find("wrapped");
  if (wrapped == doc.end() || !wrapped->is_string()) return std::nullopt;
  vfs::StoredFormKey out;
  out.wrapped = wrapped->get<std::string>();
  if (const auto schema = doc.find("schema"); schema != doc.end() && schema->is_object()) {
    out.schema = *schema;
  }
  return out;
}

FormKeyStore form_key_store_for(const Account& account) {
  if (account.embedded) return FormKeyStore(data_dir() / "form-keys" / "embedded");
  const auto digest = crypto::sha256(crypto::as_bytes(account.server_url));
  return FormKeyStore(data_dir() / "form-keys" /
                      crypto::hex_encode(crypto::ByteView(digest.data(), 8)));
}

void FormKeyStore::remove(std::string_view form_id) const {
  if (!vfs::is_safe_id(form_id)) return;
  std::error_code ec;
  std::filesystem::remove(path_of(form_id), ec);
}

}  // namespace anonfs::cli
