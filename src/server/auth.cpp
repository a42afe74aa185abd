#include "auth.hpp"

#include "anonfs/crypto/hash.hpp"
#include "clock.hpp"
#include "ids.hpp"

namespace anonfs::server {

std::string hash_api_key(const std::string& key) {
  auto digest = crypto::sha256(crypto::as_bytes(key));
  return crypto::hex_encode(crypto::ByteView(digest.data(), digest.size()));
}

void authenticate(App& app, Context& ctx) {
  ctx.auth.reset();
  if (!ctx.req.has_header("Authorization")) return;
  const auto& header = ctx.req.get_header_value("Authorization");
  // The service splits on single spaces and takes the second token.
  auto space = header.find(' ');
  if (space == std::string::npos) return;
  auto rest = header.substr(space + 1);
  auto token = rest.substr(0, rest.find(' '));
  if (token.rfind("ak_", 0) != 0) return;
  if (!ids::is_api_key(token)) throw unauthorized("Invalid API key");
  auto hash = hash_api_key(token);
  auto lock = app.db->lock();
  auto found = store::find_api_key(*app.db, hash, now_ms());
  if (!found) throw unauthorized("Invalid API key");
  ctx.auth = std::move(found);
}

void require_api_key(App& app, Context& ctx, bool personal_only) {
  ctx.no_store = true;
  authenticate(app, ctx);
  if (!ctx.auth) throw unauthorized("Unauthorized - API key required");
  if (personal_only && ctx.auth->org_key) throw forbidden("A personal API key is required");
}

}  // namespace anonfs::server
