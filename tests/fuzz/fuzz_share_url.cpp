// Share links of every service: parse arbitrary text; a parsed anon.li link rebuilds to a link
// that parses to the same drop and key.
#include "anonfs/crypto/error.hpp"
#include "anonfs/crypto/share_url.hpp"
#include "fuzz_util.hpp"

using namespace anonfs;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  try {
    (void)crypto::parse_share_url(text);
  } catch (const crypto::CryptoError&) {
  }
  try {
    (void)crypto::parse_passwordlink_url(text);
  } catch (const crypto::CryptoError&) {
  }
  try {
    (void)crypto::parse_enigmacrypt_url(text);
  } catch (const crypto::CryptoError&) {
  }
  try {
    const crypto::AnonLiDropLink link = crypto::parse_anonli_drop_url(text);
    if (link.key) {
      const crypto::SecretBytes rebuilt = crypto::build_anonli_drop_url(link);
      const crypto::AnonLiDropLink again = crypto::parse_anonli_drop_url(rebuilt.str());
      fuzz::require(again.drop_id == link.drop_id);
      fuzz::require(again.key && again.key->equals(link.key->view()));
    }
  } catch (const crypto::CryptoError&) {
  }
  return 0;
}
