// `anonfs login --server URL [--api-key-file F]`: checks the API key against the server and
// stores server and key in $XDG_CONFIG_HOME/anonfs/config.json (0600).
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>

#include "account.hpp"
#include "anonfs/api/anonli_client.hpp"
#include "anonfs/api/http_client.hpp"
#include "commands.hpp"
#include "secret_input.hpp"

namespace anonfs::cli {

int run_login(const std::vector<std::string>& args) {
  std::optional<std::string> server;
  std::optional<std::string> key_file;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if ((args[i] == "--server" || args[i] == "--api-key-file") && i + 1 < args.size()) {
      (args[i] == "--server" ? server : key_file) = args[i + 1];
      ++i;
    } else {
      std::fprintf(stderr, "anonfs login: unexpected argument %s\n", args[i].c_str());
      return 2;
    }
  }
  if (!server) {
    std::fprintf(stderr, "anonfs login: --server URL is required\n");
    return 2;
  }
  try {
    crypto::SecretBytes key = key_file ? read_secret_file(*key_file) : prompt_secret("API key: ");
    api::HttpClient http;
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
