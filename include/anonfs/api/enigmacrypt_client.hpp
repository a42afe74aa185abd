// EnigmaCryptClient: the typed client of the EnigmaCrypt API (seed 002: POST /api/messages) and of
// the recipient and owner routes the reference server defines (docs/server-api.md "EnigmaCrypt":
// GET/DELETE /api/messages/:id, GET /api/messages). Thread-safe like AnonliClient; every call
// throws ApiError (kProtocol when the answer does not match the wire types). Encryption is the
// caller's (crypto/enigmacrypt.hpp): this client only moves blobs.
#pragma once

#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "anonfs/api/http_client.hpp"
#include "anonfs/crypto/bytes.hpp"
#include "anonfs/wire/secrets.hpp"

namespace anonfs::api {

class EnigmaCryptClient {
 public:
  // token: "enigma_…" (wiped memory) or empty for anonymous use (creation then returns a
  // deleteToken; listing needs a token).
  EnigmaCryptClient(HttpClient& http, std::string base_url, crypto::SecretBytes token);

  const std::string& base_url() const noexcept { return base_url_; }

  // POST /api/messages. Not retried once sent (a retry could store the secret twice).
  wire::EnigmaCreated create(const wire::EnigmaCreateRequest& request, std::stop_token cancel = {});
  // GET /api/messages/:id: counts one access (at maxAccess the server deletes the secret), so it
  // is never retried once sent. 404 unknown, 410 already viewed or expired.
  wire::EnigmaFetched fetch(std::string_view message_id, std::stop_token cancel = {});
  // DELETE /api/messages/:id with the owner token, or with `delete_token` (anonymous secrets).
  void remove(std::string_view message_id, std::optional<std::string_view> delete_token = {},
              std::stop_token cancel = {});
  // GET /api/messages, every page (50 each) up to max_items: metadata only, never content.
  std::vector<wire::EnigmaMessageInfo> list(std::size_t max_items = 10000,
                                            std::stop_token cancel = {});

 private:
  HttpClient& http_;
  std::string base_url_;
  crypto::SecretBytes token_;
};

}  // namespace anonfs::api
