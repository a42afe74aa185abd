// Decrypted form submission payloads (§10.3 rules): any byte string is either accepted or
// reported as a violation, never a crash.
#include "anonfs/crypto/error.hpp"
#include "anonfs/crypto/form_seal.hpp"
#include "fuzz_util.hpp"

using namespace anonfs;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    (void)crypto::validate_submission_payload(crypto::ByteView(data, size));
  } catch (const crypto::CryptoError&) {
  }
  return 0;
}
