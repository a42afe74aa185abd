// upload_drop: creates benchmark drops on an anon.li-compatible server (issue #4 mount benchmark).
//
//   upload_drop --server URL --api-key-file F --vault-password-file F
//               [--title T] [--count N] [--jobs J] [--seed S] [--sha256] NAME=SIZE...
//
// Creates COUNT drops (default 1), each holding the files NAME=SIZE (SIZE in bytes, or with a
// K/M/G suffix = KiB/MiB/GiB), with unlimited downloads. Plaintext is deterministic pseudo-random
// data (splitmix64 of seed, drop, file, offset) generated and encrypted chunk by chunk (50 MiB
// chunks as planned by crypto::plan_chunks, nonce scheme L) and PUT to the presigned part URLs
// with up to J parts in flight (default 2), so memory stays at about (J + 1) x 50 MiB whatever the
// file size. The drop key is stored in the vault (wrapped owner key); if the account has no vault
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
#include <deque>
#include <fstream>
#include <future>
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

struct UploadedFile {
  std::string id;
  std::string name;
  std::uint64_t plaintext = 0;
  crypto::ChunkLayout layout;
  std::string sha256;
};

UploadedFile upload_file(api::AnonliClient& client, const std::string& drop_id,
                         const crypto::DropKey& key, const FileSpec& spec,
                         std::uint64_t stream_seed, const Args& args,
                         std::vector<wire::FinishFile>& manifest) {
  const crypto::ChunkLayout layout = crypto::plan_chunks(spec.size);
  const crypto::DropIv file_iv = crypto::generate_drop_iv();
  wire::AddFileRequest add;
  add.size = static_cast<std::int64_t>(layout.ciphertext_size);
  add.encryptedName = crypto::encrypt_name(key, file_iv, spec.name);
  add.iv = crypto::format_drop_iv(file_iv);
  add.mimeType = "application/octet-stream";
  add.chunkCount = layout.chunk_count;
  add.chunkSize = static_cast<std::int64_t>(layout.chunk_size);
  const wire::AddFileResponse file = client.add_file(drop_id, add);

  std::optional<Sha256> hash;
  if (args.sha256) hash.emplace();

  struct InFlight {
    std::uint32_t index;
    std::unique_ptr<std::uint8_t[]> buffer;
    std::future<std::string> etag;
  };
  std::deque<InFlight> in_flight;
  std::vector<std::unique_ptr<std::uint8_t[]>> spare;
  wire::FinishFile finish;
  finish.fileId = file.fileId;
  const auto collect_one = [&] {
    InFlight& f = in_flight.front();
    finish.chunks.push_back({f.index, f.etag.get()});
    spare.push_back(std::move(f.buffer));
    in_flight.pop_front();
  };

  for (std::uint32_t i = 0; i < layout.chunk_count; ++i) {
    const crypto::ByteRange plain = crypto::chunk_plaintext_range(layout, i);
    const std::size_t n = static_cast<std::size_t>(plain.length);
    if (in_flight.size() >= args.jobs) collect_one();
    std::unique_ptr<std::uint8_t[]> buffer;
    if (!spare.empty()) {
      buffer = std::move(spare.back());
      spare.pop_back();
    } else {
      buffer = std::make_unique<std::uint8_t[]>(layout.chunk_size + crypto::kChunkTagSize);
    }
    fill_pattern(stream_seed, plain.offset, buffer.get(), n);
    if (hash) hash->update(buffer.get(), n);
    const crypto::MutableByteView body = crypto::encrypt_chunk_in_place(
        key, file_iv, i, crypto::MutableByteView(buffer.get(), n + crypto::kChunkTagSize), n);
    const auto url_it = file.uploadUrls.find(std::to_string(i + 1));
    if (url_it == file.uploadUrls.end()) {
      throw std::runtime_error("no upload URL for part " + std::to_string(i + 1));
    }
    const std::string url = url_it->second;
    auto etag = std::async(std::launch::async,
                           [&client, url, body] { return client.upload_part(url, body); });
    in_flight.push_back({i, std::move(buffer), std::move(etag)});
  }
  while (!in_flight.empty())
    collect_one();
  manifest.push_back(std::move(finish));

  UploadedFile out;
  out.id = file.fileId;
  out.name = spec.name;
  out.plaintext = spec.size;
  out.layout = layout;
  if (hash) out.sha256 = hash->hex();
  return out;
}

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
  const Vault vault = obtain_vault(client, password);

  for (std::uint64_t d = 0; d < args.count; ++d) {
    const crypto::DropKey key = crypto::DropKey::generate();
    const crypto::DropIv drop_iv = crypto::generate_drop_iv();
    const std::string title = drop_title(args, d);
    wire::CreateDropRequest create;
    create.iv = crypto::format_drop_iv(drop_iv);
    create.encryptedTitle = crypto::encrypt_title(key, drop_iv, title);
    create.fileCount = static_cast<std::int64_t>(args.files.size());
    const std::string drop_id = client.create_drop(create).drop_id;

    std::vector<wire::FinishFile> manifest;
    std::vector<UploadedFile> uploaded;
    for (std::size_t f = 0; f < args.files.size(); ++f) {
      const std::uint64_t stream_seed =
          splitmix64(args.seed * 0x100000001b3ull + d * 4099 + f) & ~0xffffffffffull;
      uploaded.push_back(
          upload_file(client, drop_id, key, args.files[f], stream_seed, args, manifest));
    }
    client.finish_drop(drop_id, wire::FinishRequest{std::move(manifest)});

    wire::PutDropKeyRequest put;
    put.drop_id = drop_id;
    put.wrapped_key = crypto::wrap_drop_owner_key(vault.key, key);
    put.vault_id = vault.id;
    put.vault_generation = vault.generation;
    client.put_drop_key(put);

    std::printf("drop %s %s\n", drop_id.c_str(), title.c_str());
    for (const auto& u : uploaded) {
      std::printf("file %s %s %s %llu %llu %llu%s%s\n", drop_id.c_str(), u.id.c_str(),
                  u.name.c_str(), static_cast<unsigned long long>(u.plaintext),
                  static_cast<unsigned long long>(u.layout.ciphertext_size),
                  static_cast<unsigned long long>(u.layout.chunk_size), u.sha256.empty() ? "" : " ",
                  u.sha256.c_str());
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
