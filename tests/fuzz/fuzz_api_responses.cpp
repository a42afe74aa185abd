// Server answers into the client's models for forms, secrets, the account, the vault and the
// envelopes (drop metadata has its own target, fuzz_drop_metadata): any JSON document converts to
// every wire type the api layer reads (api::ServiceCall::convert) or fails with a
// nlohmann::json::exception, which the client turns into ApiError(kProtocol). Accepted models
// are then fed to what consumes them without further checks: the forms/ renderers
// (render_form_info, form_state, submission_stem), the ISO 8601 parser, and password.link's
// passwordlink_open (typed CryptoError only).
#include <ctime>
#include <nlohmann/json.hpp>

#include "anonfs/crypto/error.hpp"
#include "anonfs/crypto/passwordlink.hpp"
#include "anonfs/vfs/form_render.hpp"
#include "anonfs/vfs/iso_time.hpp"
#include "anonfs/wire/drop.hpp"
#include "anonfs/wire/envelope.hpp"
#include "anonfs/wire/form.hpp"
#include "anonfs/wire/me.hpp"
#include "anonfs/wire/secrets.hpp"
#include "anonfs/wire/vault.hpp"
#include "fuzz_util.hpp"

using namespace anonfs;

namespace {

// What api::ServiceCall::convert does: the value or nothing (json exceptions are protocol errors).
template <typename T>
std::optional<T> convert(const nlohmann::json& j) {
  try {
    return j.get<T>();
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

template <typename... T>
void convert_all(const nlohmann::json& j) {
  ((void)convert<T>(j), ...);
}

void check_forms(const nlohmann::json& j) {
  const auto item = convert<wire::FormListItem>(j);
  const auto plan = convert<wire::FormPlanMeta>(j.contains("plan") ? j["plan"] : j);
  if (item) {
    (void)vfs::form_state(*item, std::time_t{1'800'000'000});
    const std::string info =
        vfs::render_form_info(*item, plan.value_or(wire::FormPlanMeta{}), "https://anon.li/f/x",
                              std::nullopt, std::time_t{1'800'000'000});
    fuzz::require(nlohmann::json::accept(info));
  }
  if (const auto sub = convert<wire::SubmissionListItem>(j)) {
    const std::string stem = vfs::submission_stem(sub->created_at, sub->id);
    fuzz::require(!stem.empty());
  }
}

void check_passwordlink(const nlohmann::json& j) {
  const auto view = convert<wire::PlSecretView>(j);
  if (!view) return;
  std::string fragment = "QUJDREVGR0hJSktMTU5PUFFS";  // base64 of 18 bytes
  if (j.is_object() && j.contains("fragment") && j["fragment"].is_string())
    fragment = j["fragment"].get<std::string>();
  try {
    (void)crypto::passwordlink_open(view->ciphertext, view->password_part_private, fragment);
  } catch (const crypto::CryptoError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const nlohmann::json j =
      nlohmann::json::parse(fuzz::as_text(data, size), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  const nlohmann::json& inner = j.is_object() && j.contains("data") ? j["data"] : j;
  for (const nlohmann::json* doc : {&j, &inner}) {
    convert_all<wire::ErrorEnvelope, wire::BareError, wire::RateLimitBody, wire::SuccessResponse,
                wire::Meta>(*doc);
    convert_all<wire::DropListItem, wire::DownloadResponse, wire::CreateDropResponse,
                wire::AddFileResponse, wire::ToggleResponse, wire::FileUrlResponse>(*doc);
    convert_all<wire::Me, wire::VaultBootstrapResponse, wire::VaultUnlockResponse,
                wire::VaultSetupResponse, wire::DropKey, wire::PutDropKeyResponse>(*doc);
    convert_all<wire::CreateFormResponse, wire::PublicForm, wire::UpdateFormResponse,
                wire::ToggleFormResponse, wire::DeletedResponse, wire::SubmitResponse,
                wire::UploadTokenResponse, wire::Submission, wire::MarkReadResponse, wire::FormKey>(
        *doc);
    convert_all<wire::EnigmaCreated, wire::EnigmaFetched, wire::EnigmaMessageInfo, wire::PlMetadata,
                wire::PlSecretItem, wire::PlRequestItem>(*doc);
    check_forms(*doc);
    check_passwordlink(*doc);
  }
  if (j.is_string()) (void)vfs::parse_iso8601(j.get_ref<const std::string&>());
  return 0;
}
