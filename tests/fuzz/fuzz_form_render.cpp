// A form's submissions as the forms/ folder renders them (vfs::open_submission): a hostile schema,
// submission list item and decrypted payload. The input is JSON {"schema", "item", "payload"};
// "payload" (a string, or any JSON value that is serialised) is sealed to a fixed form key unless
// "item" already carries ciphertext fields, so the renderer sees arbitrary decrypted payloads. It
// must never throw, always produce a JSON document, and list attachments only under safe ids and
// path segments.
#include <array>
#include <nlohmann/json.hpp>

#include "anonfs/crypto/form_seal.hpp"
#include "anonfs/crypto/p256.hpp"
#include "anonfs/vfs/form_render.hpp"
#include "anonfs/vfs/names.hpp"
#include "anonfs/wire/form.hpp"
#include "fuzz_util.hpp"

using namespace anonfs;

namespace {

const crypto::P256PrivateKey& form_key() {
  static const crypto::P256PrivateKey key = [] {
    std::array<std::uint8_t, 32> scalar{};
    scalar[31] = 7;
    return crypto::P256PrivateKey::from_scalar(crypto::ByteView(scalar.data(), scalar.size()));
  }();
  return key;
}

void check_segment(const std::string& s) {
  fuzz::require(!s.empty() && s != "." && s != "..");
  fuzz::require(s.find('/') == std::string::npos && s.find('\0') == std::string::npos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const nlohmann::json j =
      nlohmann::json::parse(fuzz::as_text(data, size), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return 0;
  const nlohmann::json schema = j.contains("schema") ? j["schema"] : nlohmann::json(nullptr);
  wire::SubmissionListItem item;
  item.id = "s1";
  try {
    if (j.contains("item")) item = j["item"].get<wire::SubmissionListItem>();
  } catch (const nlohmann::json::exception&) {
    return 0;  // the api layer rejects such an item (kProtocol) before it reaches the tree
  }
  if (!item.encrypted_payload && j.contains("payload")) {
    const nlohmann::json& payload = j["payload"];
    const std::string text = payload.is_string() ? payload.get<std::string>() : payload.dump();
    const auto sealed = crypto::form_seal(
        form_key().public_key(),
        crypto::ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
    item.ephemeral_pub_key = sealed.ephemeral_pub_key;
    item.iv = sealed.iv;
    item.encrypted_payload = sealed.encrypted_payload;
  }
  const vfs::OpenedSubmission opened =
      vfs::open_submission(&form_key(), "no key", schema, "form1", item);
  fuzz::require(nlohmann::json::accept(opened.text.str()));
  if (opened.attachments) {
    fuzz::require(vfs::is_safe_id(opened.attachments->drop_id));
    for (const auto& a : opened.attachments->files) {
      fuzz::require(vfs::is_safe_id(a.file_id));
      check_segment(a.field);
      check_segment(a.name);
    }
  }
  (void)vfs::open_submission(nullptr, "no key", schema, "form1", item);
  return 0;
}
