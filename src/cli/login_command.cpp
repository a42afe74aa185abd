// `anonfs login --server URL [--api-key-file F]`: checks the API key against the server and
// stores server and key in $XDG_CONFIG_HOME/anonfs/config.json (0600).
// `anonfs login --service enigmacrypt --server URL [--token-file F]` and
// `anonfs login --service passwordlink --server URL [--public-key-file F] [--private-key-file F]`
// do the same for the one-time-secret services (each in its own section of config.json).
#include <cstdio>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

#include "account.hpp"
#include "anonfs/api/anonli_client.hpp"
#include "anonfs/api/enigmacrypt_client.hpp"
#include "anonfs/api/http_client.hpp"
#include "anonfs/api/passwordlink_client.hpp"
#include "commands.hpp"
#include "secret_input.hpp"

namespace anonfs::cli {

namespace {

crypto::SecretBytes key_from(const std::optional<std::string>& file, const char* prompt) {
  return file ? read_secret_file(*file) : prompt_secret(prompt);
}

}  // namespace

int run_login(const std::vector<std::string>& args) {
  std::map<std::string, std::string> opt;
  static const char* const kOptions[] = {"--server",     "--api-key-file",    "--service",
                                         "--token-file", "--public-key-file", "--private-key-file"};
  for (std::size_t i = 0; i < args.size(); ++i) {
    bool known = false;
    for (const char* name : kOptions) {
      if (args[i] == name && i + 1 < args.size()) {
        opt[name] = args[++i];
        known = true;
        break;
      }
    }
    if (!known) {
      std::fprintf(stderr, "anonfs login: unexpected argument %s\n", args[i].c_str());
      return 2;
    }
  }
  auto get = [&opt](const char* name) -> std::optional<std::string> {
    auto it = opt.find(name);
    return it == opt.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  const auto server = get("--server");
  if (!server) {
    std::fprintf(stderr, "anonfs login: --server URL is required\n");
    return 2;
  }
  const std::string service = get("--service").value_or("anonli");
  if (service != "anonli" && service != "enigmacrypt" && service != "passwordlink") {
    std::fprintf(stderr, "anonfs login: --service must be anonli, enigmacrypt or passwordlink\n");
    return 2;
  }
  try {
    api::HttpClient http;
    if (service == "enigmacrypt") {
      crypto::SecretBytes token = key_from(get("--token-file"), "EnigmaCrypt API token: ");
      api::EnigmaCryptClient client(http, *server, token.clone());
      const auto messages = client.list();  // checks the token
      save_enigmacrypt_login(*server, token);
      std::printf(
          "logged in to EnigmaCrypt at %s (%zu messages); saved in "
          "$XDG_CONFIG_HOME/anonfs/config.json\n",
          server->c_str(), messages.size());
      return 0;
    }
    if (service == "passwordlink") {
      crypto::SecretBytes pub = key_from(get("--public-key-file"), "password.link public key: ");
      crypto::SecretBytes priv = key_from(get("--private-key-file"), "password.link private key: ");
      api::PasswordLinkClient client(http, *server, pub.clone(), priv.clone());
      const auto page = client.list_secrets(50);  // checks the private key
      save_passwordlink_login(*server, pub, priv);
      std::printf(
          "logged in to password.link at %s (%lld secrets stored); saved in "
          "$XDG_CONFIG_HOME/anonfs/config.json\n",
          server->c_str(), static_cast<long long>(page.metadata.secrets_total));
      return 0;
    }
    crypto::SecretBytes key = key_from(get("--api-key-file"), "API key: ");
    api::AnonliClient client(http, *server, key.clone());
    const wire::Me me = client.me();
    save_login(*server, key);
    std::printf("logged in to %s as %s; saved in $XDG_CONFIG_HOME/anonfs/config.json\n",
                server->c_str(), me.email.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "anonfs login: %s\n", e.what());
    return 1;
  }
}

}  // namespace anonfs::cli
