// Throughput of the drop chunk codec (in place, AES-256-GCM) at 16 KiB, 1 MiB and 50 MiB chunks,
// and the cost of the Argon2id derivations behind drop passwords and vault unlock.
// Compare the 16 KiB figures with `openssl speed -evp aes-256-gcm`.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "anonfs/crypto/argon2id.hpp"
#include "anonfs/crypto/bytes.hpp"
#include "anonfs/crypto/drop_codec.hpp"
#include "anonfs/crypto/random.hpp"
#include "anonfs/crypto/vault.hpp"

namespace {

using namespace anonfs::crypto;

void ChunkArgs(benchmark::internal::Benchmark* b) {
  b->Arg(16 << 10)->Arg(1 << 20)->Arg(50 << 20)->Unit(benchmark::kMicrosecond);
}

// Encrypt one chunk in place (scheme L), as the upload path does.
void BM_ChunkEncryptInPlace(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const DropKey key = DropKey::generate();
  const DropIv iv = generate_drop_iv();
  Bytes buffer = random_bytes(size + kDropTagSize);
  for (auto _ : state) {
    const MutableByteView body = encrypt_chunk_in_place(key, iv, 7, buffer, size);
    benchmark::DoNotOptimize(body.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(size));
}
BENCHMARK(BM_ChunkEncryptInPlace)->Apply(ChunkArgs);

// Decrypt chunks in place. `first` selects the attempt order: kL first models a reader that
// learnt the scheme from the filename; kX first on L data is the worst case (a failed X attempt,
// a CTR pass to restore the buffer, then L). Chunks are re-encrypted in batches outside the timed
// region so that pausing the timer costs little next to small chunks.
void ChunkDecrypt(benchmark::State& state, NonceScheme first) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const std::size_t batch = std::max<std::size_t>(1, (4u << 20) / size);
  const DropKey key = DropKey::generate();
  const DropIv iv = generate_drop_iv();
  std::vector<Bytes> buffers;
  for (std::size_t i = 0; i < batch; ++i)
    buffers.push_back(random_bytes(size + kDropTagSize));
  std::int64_t chunks = 0;
  while (state.KeepRunningBatch(static_cast<benchmark::IterationCount>(batch))) {
    state.PauseTiming();
    for (Bytes& buffer : buffers)
      encrypt_chunk_in_place(key, iv, 7, buffer, size);
    state.ResumeTiming();
    for (Bytes& buffer : buffers) {
      const NonceScheme used = decrypt_chunk_in_place(key, iv, 7, buffer, first);
      benchmark::DoNotOptimize(used);
    }
    benchmark::ClobberMemory();
    chunks += static_cast<std::int64_t>(batch);
  }
  state.SetBytesProcessed(chunks * static_cast<std::int64_t>(size));
}
void BM_ChunkDecryptInPlace(benchmark::State& state) {
  ChunkDecrypt(state, NonceScheme::kL);
}
void BM_ChunkDecryptInPlaceWrongSchemeFirst(benchmark::State& state) {
  ChunkDecrypt(state, NonceScheme::kX);
}
BENCHMARK(BM_ChunkDecryptInPlace)->Apply(ChunkArgs);
BENCHMARK(BM_ChunkDecryptInPlaceWrongSchemeFirst)->Apply(ChunkArgs);

constexpr std::string_view kPassword = "correct horse battery staple";

// One Argon2id derivation with anon.li's parameters (64 MiB, t=3, p=1): a drop password unlock.
void BM_Argon2idDerivation(benchmark::State& state) {
  const Bytes salt = random_bytes(32);
  for (auto _ : state) {
    const SecretBytes out = argon2id(as_bytes(kPassword), salt);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_Argon2idDerivation)->Unit(benchmark::kMillisecond)->Iterations(5);

// Full vault unlock on the client: auth_secret + KEK (two derivations) + AES-KW unwrap.
void BM_VaultUnlock(benchmark::State& state) {
  const VaultKey vault_key = VaultKey::generate();
  const VaultCredentials credentials = make_vault_credentials(as_bytes(kPassword), vault_key);
  for (auto _ : state) {
    const SecretBytes auth_secret =
        derive_vault_auth_secret(as_bytes(kPassword), credentials.auth_salt);
    const VaultKey unlocked = unlock_vault_key(as_bytes(kPassword), credentials.vault_salt,
                                               credentials.password_wrapped_vault_key);
    benchmark::DoNotOptimize(auth_secret.data());
    benchmark::DoNotOptimize(unlocked.bytes().data());
  }
}
BENCHMARK(BM_VaultUnlock)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
