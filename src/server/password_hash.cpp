#include "password_hash.hpp"

#include "anonfs/crypto/base64.hpp"
#include "anonfs/crypto/hash.hpp"
#include "anonfs/crypto/random.hpp"
#include "presign.hpp"

namespace anonfs::server {

namespace {
constexpr unsigned kIterations = 100000;
constexpr std::size_t kHashSize = 32;
}  // namespace

std::string hash_secret(std::string_view secret) {
  auto salt = crypto::random_bytes(16);
  auto hash = crypto::pbkdf2(crypto::HashAlg::kSha256, crypto::as_bytes(secret), salt, kIterations,
                             kHashSize);
  return "pbkdf2-sha256$" + std::to_string(kIterations) + "$" + crypto::base64url_encode(salt) +
         "$" + crypto::base64url_encode(hash.view());
}

bool verify_secret(std::string_view secret, const std::string& stored) {
  // pbkdf2-sha256$<iter>$<salt>$<hash>
  auto p1 = stored.find('$');
  auto p2 = stored.find('$', p1 == std::string::npos ? p1 : p1 + 1);
  auto p3 = stored.find('$', p2 == std::string::npos ? p2 : p2 + 1);
  if (p1 == std::string::npos || p2 == std::string::npos || p3 == std::string::npos) return false;
  if (stored.substr(0, p1) != "pbkdf2-sha256") return false;
  auto iterations = parse_decimal(stored.substr(p1 + 1, p2 - p1 - 1));
  if (!iterations || *iterations < 1 || *iterations > 10000000) return false;
  try {
    auto salt = crypto::base64url_decode(stored.substr(p2 + 1, p3 - p2 - 1));
    auto expected = crypto::base64url_decode(stored.substr(p3 + 1));
    auto actual = crypto::pbkdf2(crypto::HashAlg::kSha256, crypto::as_bytes(secret), salt,
                                 static_cast<unsigned>(*iterations), expected.size());
    return actual.equals(expected);
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace anonfs::server
