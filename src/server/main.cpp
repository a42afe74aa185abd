// anonfs-server command line: `serve` and `user add`.
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "anonfs/server/server.hpp"

namespace {

using anonfs::server::LimitsMode;
using anonfs::server::Plan;

constexpr const char* kMainHelp =
    "usage: anonfs-server <command> [options]\n"
    "\n"
    "The reference server of the anon.li Drop, Vault and Form APIs and of the EnigmaCrypt and\n"
    "password.link secret APIs.\n"
    "\n"
    "commands:\n"
    "  serve      run the server\n"
    "  user add   create an account and print its API keys\n"
    "\n"
    "Run `anonfs-server <command> --help` for the options of a command.\n";

constexpr const char* kServeHelp =
    "usage: anonfs-server serve --data DIR --listen HOST:PORT [options]\n"
    "\n"
    "options:\n"
    "  --data DIR             data directory (created 0700 if missing)\n"
    "  --listen HOST:PORT     address to listen on; port 0 picks a free port\n"
    "                         (default 127.0.0.1:0)\n"
    "  --public-url URL       base URL handed out in presigned URLs (default: the listen URL)\n"
    "  --tls-cert FILE        PEM certificate (serve HTTPS; needs --tls-key)\n"
    "  --tls-key FILE         PEM private key\n"
    "  --limits anonli|none   plan quotas and per-route rate limits like anon.li, or none\n"
    "                         (default none)\n"
    "  --sweep-interval SECS  how often expired and abandoned drops are reaped (default 300)\n"
    "  --threads N            HTTP worker threads (default 32)\n"
    "  --turnstile-secret-file FILE\n"
    "                         turn Cloudflare Turnstile on with the secret key in FILE (first\n"
    "                         line); or set ANONFS_SERVER_TURNSTILE_SECRET. Off by default: no\n"
    "                         token is asked for. On: anonymous form submits and upload tokens\n"
    "                         and guest drop creation need a token the verify URL accepts\n"
    "  --turnstile-secret SECRET\n"
    "                         the same with the secret on the command line (visible in ps)\n"
    "  --turnstile-verify-url URL\n"
    "                         siteverify endpoint (default\n"
    "                         https://challenges.cloudflare.com/turnstile/v0/siteverify)\n"
    "  --hostile KIND[,KIND...]\n"
    "                         TEST MODE: drop metadata and object downloads lie (sizes,\n"
    "                         many-files, duplicates, short-body, long-body, endless-body,\n"
    "                         drip); see docs/server-api.md\n"
    "  --verbose              log every request (method, path, status)\n"
    "  --request-log FILE     append one JSON line per request to FILE (0600): method, full\n"
    "                         target with query, all request headers, status, JSON bodies\n"
    "                         up to 64 KiB; for tests (it records API keys)\n"
    "  -h, --help             show this help\n"
    "\n"
    "Prints `anonfs-server listening on URL` once the socket is bound. SIGINT/SIGTERM stop it.\n";

constexpr const char* kUserAddHelp =
    "usage: anonfs-server user add EMAIL --data DIR [--plan free|plus|pro] [--json]\n"
    "\n"
    "Creates the account EMAIL (or adds new keys to it, updating its plan) and prints, one per\n"
    "line: a new anon.li API key (ak_ + 32 hex), an EnigmaCrypt token (enigma_ + 32 hex), a\n"
    "password.link public key (public_key_ + 32 hex) and private key (private_key_ + 32 hex).\n"
    "Only the keys' SHA-256 digests are stored.\n"
    "\n"
    "options:\n"
    "  --data DIR    data directory\n"
    "  --plan PLAN   free (default), plus or pro\n"
    "  --json        print {\"user_id\",\"email\",\"plan\",\"api_key\",\"enigma_token\",\n"
    "                \"passwordlink_public_key\",\"passwordlink_private_key\"} as JSON\n"
    "  -h, --help    show this help\n";

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Args {
  std::vector<std::string> items;
  std::size_t pos = 0;
  bool done() const { return pos >= items.size(); }
  const std::string& next() { return items[pos++]; }
  std::string value(const std::string& flag) {
    if (done()) throw UsageError(flag + " needs a value");
    return next();
  }
};

// First line of FILE, without trailing whitespace.
std::string read_secret_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw UsageError("cannot read " + path);
  std::string line;
  std::getline(in, line);
  while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back())))
    line.pop_back();
  return line;
}

bool is_help(const std::string& a) {
  return a == "-h" || a == "--help";
}

int serve(Args& args) {
  anonfs::server::ServerOptions opt;
  std::string listen = "127.0.0.1:0";
  bool verbose = false;
  while (!args.done()) {
    auto a = args.next();
    if (is_help(a)) {
      std::fputs(kServeHelp, stdout);
      return 0;
    } else if (a == "--data") {
      opt.data_dir = args.value(a);
    } else if (a == "--listen") {
      listen = args.value(a);
    } else if (a == "--public-url") {
      opt.public_url = args.value(a);
    } else if (a == "--tls-cert") {
      opt.tls_cert = args.value(a);
    } else if (a == "--tls-key") {
      opt.tls_key = args.value(a);
    } else if (a == "--limits") {
      auto v = args.value(a);
      if (v == "anonli") {
        opt.limits = LimitsMode::kAnonli;
      } else if (v == "none") {
        opt.limits = LimitsMode::kNone;
      } else {
        throw UsageError("--limits must be anonli or none");
      }
    } else if (a == "--sweep-interval") {
      auto v = args.value(a);
      double secs = 0;
      try {
        secs = std::stod(v);
      } catch (const std::exception&) {
        throw UsageError("--sweep-interval needs a number of seconds");
      }
      if (!(secs > 0 && secs < 1e7)) throw UsageError("--sweep-interval out of range");
      opt.sweep_interval = std::chrono::milliseconds(static_cast<std::int64_t>(secs * 1000));
    } else if (a == "--threads") {
      auto v = args.value(a);
      int n = 0;
      try {
        n = std::stoi(v);
      } catch (const std::exception&) {
        n = 0;
      }
      if (n < 1 || n > 1024) throw UsageError("--threads must be 1..1024");
      opt.worker_threads = static_cast<std::size_t>(n);
    } else if (a == "--turnstile-secret") {
      opt.turnstile_secret = args.value(a);
    } else if (a == "--turnstile-secret-file") {
      opt.turnstile_secret = read_secret_file(args.value(a));
    } else if (a == "--turnstile-verify-url") {
      opt.turnstile_verify_url = args.value(a);
    } else if (a == "--hostile") {
      auto v = args.value(a);
      std::size_t start = 0;
      while (start <= v.size()) {
        auto comma = v.find(',', start);
        if (comma == std::string::npos) comma = v.size();
        if (comma > start) opt.hostile.push_back(v.substr(start, comma - start));
        start = comma + 1;
      }
    } else if (a == "--verbose") {
      verbose = true;
    } else if (a == "--request-log") {
      opt.request_log = args.value(a);
    } else {
      throw UsageError("unknown option for serve: " + a);
    }
  }
  if (opt.data_dir.empty()) throw UsageError("serve needs --data DIR");
  if (!opt.turnstile_secret) {
    if (const char* env = std::getenv("ANONFS_SERVER_TURNSTILE_SECRET"); env && *env) {
      opt.turnstile_secret = env;
    }
  }
  if (opt.turnstile_secret && opt.turnstile_secret->empty()) {
    throw UsageError("the Turnstile secret is empty");
  }
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) throw UsageError("--listen needs HOST:PORT");
  opt.host = listen.substr(0, colon);
  if (opt.host.size() >= 2 && opt.host.front() == '[' && opt.host.back() == ']') {
    opt.host = opt.host.substr(1, opt.host.size() - 2);
  }
  int port = -1;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (const std::exception&) {
    port = -1;
  }
  if (port < 0 || port > 65535 || opt.host.empty()) throw UsageError("invalid --listen " + listen);
  opt.port = static_cast<std::uint16_t>(port);
  if (verbose) spdlog::set_level(spdlog::level::debug);

  // Handle SIGINT/SIGTERM synchronously in this thread: block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  anonfs::server::Server server(opt);
  server.start();
  std::cout << "anonfs-server listening on " << server.listen_url() << std::endl;
  if (server.url() != server.listen_url()) {
    std::cout << "anonfs-server public URL " << server.url() << std::endl;
  }
  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("received signal {}, stopping", sig);
  server.stop();
  return 0;
}

int user_add(Args& args) {
  std::optional<std::string> email;
  std::filesystem::path data;
  Plan plan = Plan::kFree;
  bool json = false;
  while (!args.done()) {
    auto a = args.next();
    if (is_help(a)) {
      std::fputs(kUserAddHelp, stdout);
      return 0;
    } else if (a == "--data") {
      data = args.value(a);
    } else if (a == "--plan") {
      auto v = args.value(a);
      auto p = anonfs::server::parse_plan(v);
      if (!p) throw UsageError("--plan must be free, plus or pro");
      plan = *p;
    } else if (a == "--json") {
      json = true;
    } else if (!a.empty() && a[0] == '-') {
      throw UsageError("unknown option for user add: " + a);
    } else if (!email) {
      email = a;
    } else {
      throw UsageError("unexpected argument: " + a);
    }
  }
  if (!email) throw UsageError("user add needs EMAIL");
  if (data.empty()) throw UsageError("user add needs --data DIR");
  auto user = anonfs::server::add_user(data, *email, plan);
  if (json) {
    nlohmann::json j = {{"user_id", user.user_id},
                        {"email", user.email},
                        {"plan", anonfs::server::to_string(user.plan)},
                        {"api_key", user.api_key},
                        {"enigma_token", user.enigma_token},
                        {"passwordlink_public_key", user.passwordlink_public_key},
                        {"passwordlink_private_key", user.passwordlink_private_key}};
    std::cout << j.dump() << std::endl;
  } else {
    std::cout << user.api_key << "\n"
              << user.enigma_token << "\n"
              << user.passwordlink_public_key << "\n"
              << user.passwordlink_private_key << std::endl;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  ::umask(077);
  spdlog::set_default_logger(spdlog::stderr_color_mt("anonfs-server"));
  Args args;
  for (int i = 1; i < argc; ++i)
    args.items.emplace_back(argv[i]);
  try {
    if (args.done() || is_help(args.items[0])) {
      std::fputs(kMainHelp, args.done() ? stderr : stdout);
      return args.done() ? 2 : 0;
    }
    auto cmd = args.next();
    if (cmd == "serve") return serve(args);
    if (cmd == "user") {
      if (args.done()) throw UsageError("user needs a subcommand (add)");
      auto sub = args.next();
      if (is_help(sub)) {
        std::fputs(kUserAddHelp, stdout);
        return 0;
      }
      if (sub == "add") return user_add(args);
      throw UsageError("unknown user subcommand: " + sub);
    }
    throw UsageError("unknown command: " + cmd);
  } catch (const UsageError& e) {
    std::cerr << "anonfs-server: " << e.what() << "\n(see anonfs-server --help)\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "anonfs-server: " << e.what() << "\n";
    return 1;
  }
}
