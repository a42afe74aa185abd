// upload_drop: creates benchmark drops on an anon.li-compatible server (issue #4 mount benchmark).
//
//   upload_drop --server URL --api-key-file F --vault-password-file F
//               [--title T] [--count N] [--jobs J] [--seed S] [--sha256] NAME=SIZE...
//
// Creates COUNT drops (default 1), each holding the files NAME=SIZE (SIZE in bytes, or with a
// K/M/G suffix = KiB/MiB/GiB), with unlimited downloads. Plaintext is deterministic pseudo-random
// data (splitmix64 of seed, drop, file, offset) generated and encrypted part by part when the
// outbox's upload engine (vfs::UploadEngine: 50 MiB chunks, nonce scheme L, retries) asks for it,
// with up to J parts in flight (default 2), so memory stays at about J x 50 MiB whatever the file
// size. The drop key is stored in the vault (owner key at creation); if the account has no vault
// yet it is set up with the given password first. With COUNT > 1 the titles are "T-0001"...
//
// Prints, per drop and per file (one line each, space separated, for shell scripts):
//   drop DROP_ID TITLE
//   file DROP_ID FILE_ID NAME PLAINTEXT_BYTES CIPHERTEXT_BYTES CHUNK_SIZE [SHA256]
// (SHA256 of the plaintext only with --sha256).
#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "anonfs/api/anonli_client.hpp"
#include "anonfs/api/api_error.hpp"
#include "anonfs/api/http_client.hpp"
#include "anonfs/crypto/drop_codec.hpp"
#include "anonfs/crypto/drop_size.hpp"
#include "anonfs/crypto/vault.hpp"
#include "anonfs/vfs/upload_engine.hpp"
#include "anonfs/vfs/upload_spool.hpp"
#include "size_arg.hpp"

namespace {

using namespace anonfs;

struct FileSpec {
  std::string name;
  std::uint64_t size = 0;
};

struct Args {
  std::string server;
  std::string api_key_file;
  std::string vault_password_file;
  std::string title = "bench";
  std::uint64_t count = 1;
  unsigned jobs = 2;
  std::uint64_t seed = 1;
  bool sha256 = false;
  std::vector<FileSpec> files;
};

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr,
               "upload_drop: %s\n"
               "usage: upload_drop --server URL --api-key-file F --vault-password-file F\n"
               "                   [--title T] [--count N] [--jobs J] [--seed S] [--sha256] "
               "NAME=SIZE...\n",
               message.c_str());
  std::exit(2);
}

std::uint64_t parse_u64(std::string_view text, const std::string& what) {
  const auto v = anonfs::bench::parse_size_arg(text);
  if (!v) usage_error(what + ": not a number: " + std::string(text));
  return *v;
}

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage_error(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--server") {
      a.server = value();
    } else if (arg == "--api-key-file") {
      a.api_key_file = value();
    } else if (arg == "--vault-password-file") {
      a.vault_password_file = value();
    } else if (arg == "--title") {
      a.title = value();
    } else if (arg == "--count") {
      a.count = parse_u64(value(), arg);
    } else if (arg == "--jobs") {
      a.jobs = static_cast<unsigned>(std::clamp<std::uint64_t>(parse_u64(value(), arg), 1, 16));
    } else if (arg == "--seed") {
      a.seed = parse_u64(value(), arg);
    } else if (arg == "--sha256") {
      a.sha256 = true;
    } else if (arg == "-h" || arg == "--help") {
      usage_error("help");
    } else if (arg.starts_with("-")) {
      usage_error("unknown option " + arg);
    } else {
      const auto eq = arg.rfind('=');
      if (eq == std::string::npos || eq == 0) usage_error("expected NAME=SIZE, got " + arg);
      a.files.push_back({arg.substr(0, eq), parse_u64(std::string_view(arg).substr(eq + 1), arg)});
    }
  }
  if (a.server.empty() || a.api_key_file.empty() || a.vault_password_file.empty()) {
    usage_error("--server, --api-key-file and --vault-password-file are required");
  }
  if (a.files.empty()) usage_error("no files (NAME=SIZE)");
  if (a.count == 0) usage_error("--count must be positive");
  return a;
}

crypto::SecretBytes read_secret_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
    text.pop_back();
  auto secret = crypto::SecretBytes::from_string(text);
  std::fill(text.begin(), text.end(), '\0');
  return secret;
}

struct Vault {
  crypto::VaultKey key;
  std::string id;
  std::int64_t generation = 0;
};

// The account's vault key: unlocked with the password, or a new vault set up with it.
Vault obtain_vault(api::AnonliClient& client, const crypto::SecretBytes& password) {
  const wire::Me me = client.me();
  if (!me.vault_configured) {
    crypto::VaultKey key = crypto::VaultKey::generate();
    const crypto::VaultCredentials creds = crypto::make_vault_credentials(password.view(), key);
    wire::VaultSetupRequest request;
    request.authSalt = creds.auth_salt;
    request.auth_secret = std::string(creds.auth_secret.str());
    request.vault_salt = creds.vault_salt;
    request.password_wrapped_vault_key = creds.password_wrapped_vault_key;
    request.kdf_version = crypto::kVaultKdfVersion;
    const wire::VaultSetupResponse setup = client.vault_setup(request);
    return Vault{std::move(key), setup.vault_id, setup.vault_generation};
  }
  const wire::VaultBootstrapResponse boot = client.vault_bootstrap(me.email);
  const crypto::SecretBytes auth_secret =
      crypto::derive_vault_auth_secret(password.view(), boot.authSalt, boot.kdfVersion);
  const wire::VaultUnlockResponse unlocked = client.vault_unlock(auth_secret.str());
  return Vault{crypto::unlock_vault_key(password.view(), unlocked.vault_salt,
                                        unlocked.password_wrapped_vault_key, unlocked.kdf_version),
               unlocked.vault_id, unlocked.vault_generation};
}

// Deterministic pseudo-random bytes: word w of the stream is splitmix64(stream_seed + w).
std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

void fill_pattern(std::uint64_t stream_seed, std::uint64_t offset, std::uint8_t* out,
                  std::size_t n) {
  // offset is always a multiple of 8 here (chunk sizes are), so whole words line up.
  std::uint64_t word = offset / 8;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8, ++word) {
    const std::uint64_t v = splitmix64(stream_seed + word);
    std::memcpy(out + i, &v, 8);
  }
  if (i < n) {
    const std::uint64_t v = splitmix64(stream_seed + word);
    std::memcpy(out + i, &v, n - i);
  }
}

struct Sha256 {
  Sha256() : ctx(EVP_MD_CTX_new()) {
    if (ctx == nullptr || EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) != 1) {
      throw std::runtime_error("EVP sha256 init failed");
    }
  }
  ~Sha256() { EVP_MD_CTX_free(ctx); }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const std::uint8_t* p, std::size_t n) { EVP_DigestUpdate(ctx, p, n); }
  std::string hex() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx, md, &len);
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < len; ++i) {
      out += digits[md[i] >> 4];
      out += digits[md[i] & 15];
    }
    return out;
  }
  EVP_MD_CTX* ctx;
};

// The pattern stream of one file, encrypted part by part as the engine asks for it.
class PatternPartSource final : public vfs::PartSource {
 public:
  PatternPartSource(const crypto::DropKey& key, std::uint64_t stream_seed, std::uint64_t size)
      : key_(key),
        seed_(stream_seed),
        layout_(vfs::plan_upload_layout(size, crypto::kDefaultChunkSize)) {}
  crypto::ChunkLayout layout() const override { return layout_; }
  crypto::DropIv file_iv() const override { return iv_; }
  void read_part(std::uint32_t index, crypto::Bytes& out) const override {
    const crypto::ByteRange plain = crypto::chunk_plaintext_range(layout_, index);
    const std::size_t n = static_cast<std::size_t>(plain.length);
    out.resize(n + crypto::kChunkTagSize);
    fill_pattern(seed_, plain.offset, out.data(), n);
    crypto::encrypt_chunk_in_place(key_, iv_, index, out, n);
  }
  // SHA-256 of the plaintext, generated again in order.
  std::string sha256() const {
    Sha256 hash;
    std::vector<std::uint8_t> buffer(static_cast<std::size_t>(layout_.chunk_size));
    for (std::uint32_t i = 0; i < layout_.chunk_count; ++i) {
      const crypto::ByteRange plain = crypto::chunk_plaintext_range(layout_, i);
      fill_pattern(seed_, plain.offset, buffer.data(), static_cast<std::size_t>(plain.length));
      hash.update(buffer.data(), static_cast<std::size_t>(plain.length));
    }
    return hash.hex();
  }

 private:
  const crypto::DropKey& key_;
  std::uint64_t seed_;
  crypto::ChunkLayout layout_;
  crypto::DropIv iv_ = crypto::generate_drop_iv();
};

std::string drop_title(const Args& args, std::uint64_t d) {
  if (args.count == 1) return args.title;
  char buf[32];
  std::snprintf(buf, sizeof buf, "-%04llu", static_cast<unsigned long long>(d + 1));
  return args.title + buf;
}

int run(const Args& args) {
  api::HttpClient http;
  api::AnonliClient client(http, args.server, read_secret_file(args.api_key_file));
  const crypto::SecretBytes password = read_secret_file(args.vault_password_file);
  Vault vault = obtain_vault(client, password);
  const vfs::VaultOwner owner{std::move(vault.key), vault.id, vault.generation};
  vfs::UploadOptions options;
  options.parts_in_flight = args.jobs;
  vfs::UploadEngine engine(client, &owner, options);

  for (std::uint64_t d = 0; d < args.count; ++d) {
    vfs::UploadJob job(crypto::DropKey::generate());
    const std::string title = drop_title(args, d);
    job.title = title;
    std::vector<std::unique_ptr<PatternPartSource>> sources;
    for (std::size_t f = 0; f < args.files.size(); ++f) {
      const std::uint64_t stream_seed =
          splitmix64(args.seed * 0x100000001b3ull + d * 4099 + f) & ~0xffffffffffull;
      sources.push_back(
          std::make_unique<PatternPartSource>(job.key, stream_seed, args.files[f].size));
      job.files.push_back({args.files[f].name, "application/octet-stream", sources.back().get()});
    }
    engine.run(job, {}, {});
    const std::string& drop_id = *job.drop_id;
    std::printf("drop %s %s\n", drop_id.c_str(), title.c_str());
    for (std::size_t f = 0; f < job.files.size(); ++f) {
      const crypto::ChunkLayout layout = sources[f]->layout();
      const std::string sha = args.sha256 ? sources[f]->sha256() : std::string();
      std::printf(
          "file %s %s %s %llu %llu %llu%s%s\n", drop_id.c_str(), job.files[f].file_id->c_str(),
          job.files[f].name.c_str(), static_cast<unsigned long long>(args.files[f].size),
          static_cast<unsigned long long>(layout.ciphertext_size),
          static_cast<unsigned long long>(layout.chunk_size), sha.empty() ? "" : " ", sha.c_str());
    }
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse_args(argc, argv);
  try {
    return run(args);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "upload_drop: %s\n", e.what());
    return 1;
  }
}
