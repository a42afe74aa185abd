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

}  // namespace

std::optional<Account> load_login() {
  const auto path = config_dir() / "config.json";
  const auto j = read_json(path);
  if (!j) return std::nullopt;
  Account account;
  account.server_url = string_field(*j, "server", path);
  account.api_key = crypto::SecretBytes::from_string(string_field(*j, "api_key", path));
  return account;
}

void save_login(const std::string& server_url, const crypto::SecretBytes& api_key) {
  make_private_dir(config_dir());
  const nlohmann::json j = {{"server", server_url}, {"api_key", std::string(api_key.str())}};
  write_private_file(config_dir() / "config.json", j.dump(2) + "\n");
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
    j = nlohmann::json{{"email", user.email}, {"api_key", user.api_key}};
    write_private_file(account_path, j->dump(2) + "\n");
    embedded.created = true;
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
  return embedded;
}

}  // namespace anonfs::cli
