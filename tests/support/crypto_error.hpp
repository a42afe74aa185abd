// Test support: assertions on the typed errors of the crypto layer.
#pragma once

#include <gtest/gtest.h>

#include <functional>

#include "anonfs/crypto/error.hpp"

namespace anonfs::test_support {

// The CryptoErrc that `fn` throws; records a failure (and returns kInternal) if it throws none.
inline crypto::CryptoErrc crypto_error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const crypto::CryptoError& e) {
    return e.code();
  }
  ADD_FAILURE() << "expected a CryptoError";
  return crypto::CryptoErrc::kInternal;
}

}  // namespace anonfs::test_support

// Expects `statement` to throw CryptoError with `expected_code`.
#define EXPECT_CRYPTO_ERROR(statement, expected_code)                                        \
  do {                                                                                       \
    try {                                                                                    \
      statement;                                                                             \
      ADD_FAILURE() << "expected CryptoError(" << ::anonfs::crypto::to_string(expected_code) \
                    << ")";                                                                  \
    } catch (const ::anonfs::crypto::CryptoError& e) {                                       \
      EXPECT_EQ(e.code(), expected_code)                                                     \
          << ::anonfs::crypto::to_string(e.code()) << ": " << e.what();                      \
    }                                                                                        \
  } while (false)
