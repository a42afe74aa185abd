// PasswordLinkClient: the typed client of the password.link API (seed 004): secrets and secret
// requests, `Authorization: ApiKey public_key_…` for the view and `private_key_…` for everything
// else. Thread-safe like AnonliClient; every call throws ApiError (error bodies
// {error:{message, field}} surface as the ApiError message; kProtocol for malformed answers).
// Encryption is the caller's (crypto/passwordlink.hpp).
#pragma once

#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "anonfs/api/http_client.hpp"
#include "anonfs/crypto/bytes.hpp"
#include "anonfs/wire/secrets.hpp"

namespace anonfs::api {

class PasswordLinkClient {
 public:
  // Either key may be empty; calls that need a missing key fail with kInvalidRequest unsent.
  PasswordLinkClient(HttpClient& http, std::string base_url, crypto::SecretBytes public_key,
                     crypto::SecretBytes private_key);

  const std::string& base_url() const noexcept { return base_url_; }

  struct Created {
    std::string id;
    wire::PlMetadata metadata;
  };
  template <typename T>
  struct Page {
    std::vector<T> items;
    wire::PlMetadata metadata;  // of the last page fetched
  };

  // POST /api/secrets (private key). Not retried once sent.
  Created create_secret(const wire::PlCreateSecret& request, std::stop_token cancel = {});
  // GET /api/secrets/:id: the destructive view (public key; the private key if no public key is
  // configured). Never retried once sent. 404 when unknown, viewed out or expired.
  wire::PlSecretView view_secret(std::string_view id, std::stop_token cancel = {});
  // GET /api/secrets?offset=N, every page of 50 until a short one, bounded by max_items.
  Page<wire::PlSecretItem> list_secrets(std::size_t max_items = 10000, std::stop_token cancel = {});
  // DELETE /api/secrets/:id.
  wire::PlMetadata delete_secret(std::string_view id, std::stop_token cancel = {});

  Created create_request(const wire::PlCreateRequest& request, std::stop_token cancel = {});
  Page<wire::PlRequestItem> list_requests(std::size_t max_items = 10000,
                                          std::stop_token cancel = {});
  wire::PlMetadata delete_request(std::string_view id, std::stop_token cancel = {});

 private:
  HttpClient& http_;
  std::string base_url_;
  crypto::SecretBytes public_key_;
  crypto::SecretBytes private_key_;
};

}  // namespace anonfs::api
