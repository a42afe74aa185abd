// The reference server's request-body rules (drops and forms): arbitrary JSON bodies are either
// accepted or reported as validation issues, never a crash or an uncaught exception.
#include <nlohmann/json.hpp>

#include "drop_rules.hpp"
#include "form_rules.hpp"
#include "fuzz_util.hpp"
#include "validation.hpp"

using namespace anonfs;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const nlohmann::json body =
      nlohmann::json::parse(fuzz::as_text(data, size), nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return 0;
  {
    server::Issues issues;
    (void)server::parse_create_drop(body, issues);
  }
  {
    wire::AddFileRequest add;
    (void)server::parse_add_file(body, add);
    wire::FinishRequest finish;
    (void)server::parse_finish(body, finish);
  }
  {
    server::Issues issues;
    (void)server::parse_create_form(body, issues);
  }
  {
    server::Issues issues;
    (void)server::parse_update_form(body, issues);
  }
  {
    server::Issues issues;
    (void)server::parse_submit(body, issues);
  }
  {
    server::Issues issues;
    (void)server::parse_upload_token(body, issues);
  }
  {
    server::Issues issues;
    (void)server::parse_unlock(body, issues);
  }
  return 0;
}
