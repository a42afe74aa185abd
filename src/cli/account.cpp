#include "account.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "paths.hpp"

namespace anonfs::cli {
namespace {

std::optional<nlohmann::json> read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  try {
    return nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::exception&) {
    throw std::runtime_error(path.string() + " is not valid JSON");
  }
}

std::string string_field(const nlohmann::json& j, const char* key,
                         const std::filesystem::path& path) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_string() || it->get<std::string>().empty()) {
    throw std::runtime_error(path.string() + " has no \"" + key + "\"");
  }
  return it->get<std::string>();
}

std::string optional_string(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Wipes every string of a JSON document that held keys, once it is no longer needed.
void wipe_strings(nlohmann::json& j) noexcept {
  if (j.is_string()) {
    auto& s = j.get_ref<std::string&>();
    crypto::secure_wipe(s.data(), s.size());
  } else if (j.is_structured()) {
    for (auto& v : j)
      wipe_strings(v);
  }
}

SecretServices secret_services_of(const nlohmann::json& j) {
  SecretServices out;
  const std::string fallback = optional_string(j, "server");
  if (auto it = j.find("enigmacrypt"); it != j.end() && it->is_object()) {
    out.enigmacrypt_server = optional_string(*it, "server");
    if (out.enigmacrypt_server.empty()) out.enigmacrypt_server = fallback;
    out.enigmacrypt_token = crypto::SecretBytes::from_string(optional_string(*it, "token"));
  }
  if (auto it = j.find("passwordlink"); it != j.end() && it->is_object()) {
    out.passwordlink_server = optional_string(*it, "server");
    if (out.passwordlink_server.empty()) out.passwordlink_server = fallback;
    out.passwordlink_public_key =
        crypto::SecretBytes::from_string(optional_string(*it, "public_key"));
    out.passwordlink_private_key =
        crypto::SecretBytes::from_string(optional_string(*it, "private_key"));
  }
  return out;
}

// Reads config.json (or {}), lets `change` edit it, writes it back 0600.
template <typename F>
void update_config(F&& change) {
  make_private_dir(config_dir());
  const auto path = config_dir() / "config.json";
  auto j = read_json(path).value_or(nlohmann::json::object());
  if (!j.is_object()) j = nlohmann::json::object();
  change(j);
  const std::string text = j.dump(2) + "\n";
  write_private_file(path, text);
  wipe_strings(j);
}

}  // namespace

std::optional<Account> load_login() {
  const auto path = config_dir() / "config.json";
  auto j = read_json(path);
  if (!j || !j->contains("server")) {
    if (j) wipe_strings(*j);
    return std::nullopt;
  }
  Account account;
  account.server_url = string_field(*j, "server", path);
  account.api_key = crypto::SecretBytes::from_string(string_field(*j, "api_key", path));
  account.secrets = secret_services_of(*j);
  wipe_strings(*j);
  return account;
}

std::optional<SecretServices> load_secret_login() {
  auto j = read_json(config_dir() / "config.json");
  if (!j) return std::nullopt;
  auto out = secret_services_of(*j);
  wipe_strings(*j);
  return out;
}

void save_login(const std::string& server_url, const crypto::SecretBytes& api_key) {
  update_config([&](nlohmann::json& j) {
    j["server"] = server_url;
    j["api_key"] = std::string(api_key.str());
  });
}

void save_enigmacrypt_login(const std::string& server_url, const crypto::SecretBytes& token) {
  update_config([&](nlohmann::json& j) {
    j["enigmacrypt"] = {{"server", server_url}, {"token", std::string(token.str())}};
  });
}

void save_passwordlink_login(const std::string& server_url, const crypto::SecretBytes& public_key,
                             const crypto::SecretBytes& private_key) {
  update_config([&](nlohmann::json& j) {
    j["passwordlink"] = {{"server", server_url},
                         {"public_key", std::string(public_key.str())},
                         {"private_key", std::string(private_key.str())}};
  });
}

EmbeddedServer start_embedded_server() {
  const auto base = data_dir();
  make_private_dir(base);
  const auto account_path = base / "local-account.json";
  EmbeddedServer embedded;
  auto j = read_json(account_path);
  if (!j) {
    const server::CreatedUser user =
        server::add_user(base / "server", "local@anonfs.invalid", server::Plan::kPro);
    j = nlohmann::json{{"email", user.email},
                       {"api_key", user.api_key},
                       {"enigma_token", user.enigma_token},
                       {"passwordlink_public_key", user.passwordlink_public_key},
                       {"passwordlink_private_key", user.passwordlink_private_key}};
    write_private_file(account_path, j->dump(2) + "\n");
    embedded.created = true;
  } else if (!j->contains("enigma_token")) {
    // An account made before the secret services: issue their keys now (add_user adds keys to
    // the existing account; its new anon.li key is not needed).
    const server::CreatedUser user = server::add_user(
        base / "server", string_field(*j, "email", account_path), server::Plan::kPro);
    (*j)["enigma_token"] = user.enigma_token;
    (*j)["passwordlink_public_key"] = user.passwordlink_public_key;
    (*j)["passwordlink_private_key"] = user.passwordlink_private_key;
    write_private_file(account_path, j->dump(2) + "\n");
  }
  server::ServerOptions options;
  options.data_dir = base / "server";
  options.host = "127.0.0.1";
  options.port = 0;
  embedded.server = std::make_unique<server::Server>(options);
  embedded.server->start();
  embedded.account.server_url = embedded.server->url();
  embedded.account.api_key =
      crypto::SecretBytes::from_string(string_field(*j, "api_key", account_path));
  embedded.account.embedded = true;
  auto& secrets = embedded.account.secrets;
  secrets.enigmacrypt_server = embedded.account.server_url;
  secrets.passwordlink_server = embedded.account.server_url;
  secrets.enigmacrypt_token =
      crypto::SecretBytes::from_string(string_field(*j, "enigma_token", account_path));
  secrets.passwordlink_public_key =
      crypto::SecretBytes::from_string(string_field(*j, "passwordlink_public_key", account_path));
  secrets.passwordlink_private_key =
      crypto::SecretBytes::from_string(string_field(*j, "passwordlink_private_key", account_path));
  wipe_strings(*j);
  return embedded;
}

}  // namespace anonfs::cli
