// `anonfs form …`: the owner side of anon.li forms (create with a fresh P-256 key pair wrapped by
// the vault key, list, show, toggle, delete, mark a submission read) and the respondent side
// (`submit`: answers validated against the schema like the web client, attachments uploaded
// through an upload token, the payload sealed to the form's public key).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "account.hpp"
#include "anonfs/api/anonli_client.hpp"
#include "anonfs/api/api_error.hpp"
#include "anonfs/api/form_respondent.hpp"
#include "anonfs/api/forms_client.hpp"
#include "anonfs/api/http_client.hpp"
#include "anonfs/crypto/error.hpp"
#include "anonfs/crypto/form_keys.hpp"
#include "anonfs/crypto/p256.hpp"
#include "anonfs/vfs/form_render.hpp"
#include "anonfs/vfs/iso_time.hpp"
#include "anonfs/vfs/names.hpp"
#include "commands.hpp"
#include "form_answers.hpp"
#include "form_key_store.hpp"
#include "secret_input.hpp"
#include "vault_session.hpp"

namespace anonfs::cli {
namespace {

using nlohmann::json;

constexpr const char* kUsage = R"(usage: anonfs form <command> [options]

owner commands (API key of `anonfs login`, --api-key-file, or the embedded server):
  create --title T [--description D] SCHEMA.json [--max-submissions N]
         [--closes-at ISO] [--password-file F]
                 generate the form's P-256 key pair, wrap the private key with the
                 vault key (kept on the server and in a local 0600 key store), create
                 the form and print its public URL
  list           your forms: id, state, submissions, title
  show ID        the form (state, counts, caps, public URL) and its schema, as JSON
  toggle ID      disable or re-enable the form; prints the new state
  delete ID      delete the form, its submissions and attachments
  read SID       mark submission SID read (listing or reading it in the mount never does)

respondent command (no account needed for a form URL):
  submit FORM_URL_OR_ID ANSWERS.json [--attach FIELD=FILE]... [--password-file F]
                 validate the answers against the form's schema, upload attachments,
                 seal and submit; prints the submission id

options:
  --server URL              the service (default: `anonfs login`, else the embedded server)
  --api-key-file F          read the API key from F (first line)
  --vault-password-file F   read the vault password from F (create; else asked on the terminal)
)";

struct FormArgs {
  std::string command;
  std::vector<std::string> positional;
  std::optional<std::string> server, api_key_file, vault_password_file, password_file;
  std::optional<std::string> title, description, closes_at;
  std::optional<std::int64_t> max_submissions;
  std::vector<std::pair<std::string, std::string>> attach;  // field, path
};

FormArgs parse_args(const std::vector<std::string>& args) {
  FormArgs a;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& s = args[i];
    const auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw std::invalid_argument(s + " needs a value");
      return args[++i];
    };
    if (s == "--server") {
      a.server = value();
    } else if (s == "--api-key-file") {
      a.api_key_file = value();
    } else if (s == "--vault-password-file") {
      a.vault_password_file = value();
    } else if (s == "--password-file") {
      a.password_file = value();
    } else if (s == "--title") {
      a.title = value();
    } else if (s == "--description") {
      a.description = value();
    } else if (s == "--closes-at") {
      a.closes_at = value();
    } else if (s == "--max-submissions") {
      const std::string& v = value();
      std::size_t used = 0;
      const long long n = std::stoll(v, &used);
      if (used != v.size() || n < 1 || n > 1'000'000) {
        throw std::invalid_argument("--max-submissions must be 1..1000000");
      }
      a.max_submissions = n;
    } else if (s == "--attach") {
      const std::string& v = value();
      const auto eq = v.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == v.size()) {
        throw std::invalid_argument("--attach takes FIELD=FILE");
      }
      a.attach.emplace_back(v.substr(0, eq), v.substr(eq + 1));
    } else if (s == "--help" || s == "-h") {
      a.command = "--help";
    } else if (s.starts_with("-") && s != "-") {
      throw std::invalid_argument("unknown option " + s);
    } else if (a.command.empty()) {
      a.command = s;
    } else {
      a.positional.push_back(s);
    }
  }
  return a;
}

void need_positional(const FormArgs& a, std::size_t n, const char* what) {
  if (a.positional.size() != n) {
    throw std::invalid_argument("form " + a.command + " takes " + what);
  }
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

json read_json_file(const std::string& path) {
  auto j = json::parse(read_text_file(path), nullptr, false);
  if (j.is_discarded()) throw std::runtime_error(path + " is not valid JSON");
  return j;
}

// The account of the owner commands (as `anonfs mount` finds it).
struct Connection {
  std::optional<EmbeddedServer> embedded;
  Account account;
};

Connection connect(const FormArgs& a) {
  Connection c;
  std::optional<crypto::SecretBytes> key;
  if (a.api_key_file) key = read_secret_file(*a.api_key_file);
  if (a.server) {
    c.account.server_url = *a.server;
    if (key) {
      c.account.api_key = std::move(*key);
    } else if (auto login = load_login(); login && login->server_url == *a.server) {
      c.account.api_key = std::move(login->api_key);
    } else {
      throw std::runtime_error("no API key for " + *a.server + ": pass --api-key-file F");
    }
  } else if (auto login = load_login()) {
    c.account = std::move(*login);
    if (key) c.account.api_key = std::move(*key);
  } else {
    c.embedded = start_embedded_server();
    c.account.server_url = c.embedded->account.server_url;
    c.account.api_key = std::move(c.embedded->account.api_key);
    c.account.embedded = true;
  }
  return c;
}

crypto::SecretBytes password_from(const std::optional<std::string>& file, const char* prompt) {
  if (file) return read_secret_file(*file);
  if (!can_prompt()) throw std::runtime_error(std::string("no terminal to ask for the ") + prompt);
  return prompt_secret(std::string(prompt) + ": ");
}

std::string mime_for(const std::string& name) {
  static const std::map<std::string, std::string> kTypes = {
      {"pdf", "application/pdf"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"webp", "image/webp"},
      {"txt", "text/plain"},
      {"csv", "text/csv"},
      {"json", "application/json"},
      {"zip", "application/zip"},
      {"mp4", "video/mp4"},
      {"mp3", "audio/mpeg"},
      {"doc", "application/msword"},
      {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}};
  const auto dot = name.rfind('.');
  if (dot == std::string::npos) return "application/octet-stream";
  std::string ext = name.substr(dot + 1);
  for (auto& ch : ext)
    ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  const auto it = kTypes.find(ext);
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

// ---- owner commands ----------------------------------------------------------------------------

int create(const FormArgs& a) {
  need_positional(a, 1, "one SCHEMA.json");
  if (!a.title || a.title->empty()) throw std::invalid_argument("form create needs --title T");
  json schema = read_json_file(a.positional[0]);
  if (!schema.is_object()) throw std::runtime_error("the schema must be a JSON object");
  schema["title"] = *a.title;  // required inside the schema too (§9.1, §15.14)
  if (!schema.contains("version")) schema["version"] = 1;
  if (a.description) schema["description"] = *a.description;
  if (a.closes_at) {
    if (!vfs::parse_iso8601(*a.closes_at) || !a.closes_at->ends_with("Z")) {
      throw std::invalid_argument("--closes-at must be an ISO 8601 UTC time ending in Z");
    }
  }
  std::optional<crypto::FormPasswordSetup> password;
  if (a.password_file) {
    const crypto::SecretBytes pw = read_secret_file(*a.password_file);
    if (pw.size() < crypto::kMinFormPasswordLength) {
      throw std::invalid_argument("the form password must have at least 6 characters");
    }
    password = crypto::create_form_password(pw.view());
  }

  Connection c = connect(a);
  api::HttpClient http;
  api::AnonliClient drops(http, c.account.server_url, c.account.api_key.clone());
  api::FormsClient forms(http, c.account.server_url, c.account.api_key.clone());
  const wire::Me me = drops.me();
  if (!me.vault_configured) {
    throw std::runtime_error("this account has no vault: mount once with a vault password");
  }
  const crypto::SecretBytes vault_password = password_from(a.vault_password_file, "Vault password");
  const UnlockedVault vault = unlock_vault_session(drops, me.email, vault_password);

  const crypto::P256PrivateKey key = crypto::P256PrivateKey::generate();
  api::NewForm f;
  f.title = *a.title;
  f.description = a.description;
  f.schema = schema;
  f.public_key = key.public_key().to_base64url();
  f.wrapped_private_key = crypto::wrap_form_private_key(vault.key.bytes(), key);
  f.vault_id = vault.vault_id;
  f.vault_generation = vault.generation;
  f.max_submissions = a.max_submissions;
  f.closes_at = a.closes_at;
  if (password) {
    f.password = api::NewForm::Password{password->salt, password->custom_key_data,
                                        password->custom_key_iv, password->custom_key_verifier};
  }
  const wire::CreateFormResponse created = forms.create_form(f);
  // The local fallback: the real service gives API keys no route to the wrapped key (§10.4).
  try {
    form_key_store_for(c.account).put(created.id,
                                      vfs::StoredFormKey{f.wrapped_private_key, schema});
  } catch (const std::exception& e) {
    std::fprintf(stderr, "anonfs form: warning: key not kept locally: %s\n", e.what());
  }
  std::fprintf(stderr, "created form %s\n", created.id.c_str());
  std::printf("%s\n", forms.public_url(created.id).c_str());
  return 0;
}

int list(const FormArgs& a) {
  need_positional(a, 0, "no arguments");
  Connection c = connect(a);
  api::HttpClient http;
  api::FormsClient forms(http, c.account.server_url, c.account.api_key.clone());
  const std::time_t now = std::time(nullptr);
  for (const auto& f : forms.list_forms().forms) {
    std::printf("%s  %-10s %6lld  %s\n", f.id.c_str(), vfs::form_state(f, now).c_str(),
                static_cast<long long>(f.submissions_count), f.title.c_str());
  }
  return 0;
}

int show(const FormArgs& a) {
  need_positional(a, 1, "one form ID");
  const std::string& id = a.positional[0];
  Connection c = connect(a);
  api::HttpClient http;
  api::FormsClient forms(http, c.account.server_url, c.account.api_key.clone());
  const api::FormListing listing = forms.list_forms();
  const auto it = std::find_if(listing.forms.begin(), listing.forms.end(),
                               [&](const wire::FormListItem& f) { return f.id == id; });
  if (it == listing.forms.end()) throw std::runtime_error("no form " + id + " in your account");
  std::optional<bool> password;
  json schema = nullptr;
  try {
    const wire::PublicForm pub = forms.public_form(id);
    password = pub.custom_key;
    schema = pub.schema;
  } catch (const api::ApiError& e) {
    if (e.kind() != api::ErrorKind::kHttpStatus) throw;
  }
  if (schema.is_null()) {
    if (auto stored = form_key_store_for(c.account).get(id)) schema = stored->schema;
  }
  json out = json::parse(
      vfs::render_form_info(*it, listing.plan, forms.public_url(id), password, std::time(nullptr)));
  out["schema"] = schema;
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}

int toggle(const FormArgs& a) {
  need_positional(a, 1, "one form ID");
  Connection c = connect(a);
  api::HttpClient http;
  api::FormsClient forms(http, c.account.server_url, c.account.api_key.clone());
  std::printf("%s\n", forms.toggle_form(a.positional[0]).disabled ? "disabled" : "enabled");
  return 0;
}

int remove(const FormArgs& a) {
  need_positional(a, 1, "one form ID");
  Connection c = connect(a);
  api::HttpClient http;
  api::FormsClient forms(http, c.account.server_url, c.account.api_key.clone());
  forms.delete_form(a.positional[0]);
  form_key_store_for(c.account).remove(a.positional[0]);
  std::printf("deleted %s\n", a.positional[0].c_str());
  return 0;
}

int read(const FormArgs& a) {
  need_positional(a, 1, "one submission ID");
  Connection c = connect(a);
  api::HttpClient http;
  api::FormsClient forms(http, c.account.server_url, c.account.api_key.clone());
  const wire::MarkReadResponse r = forms.mark_read(a.positional[0]);
  std::printf("%s read at %s\n", r.id.c_str(), r.read_at.c_str());
  return 0;
}

// ---- respondent ------------------------------------------------------------------------------

int submit(const FormArgs& a) {
  need_positional(a, 2, "FORM_URL_OR_ID ANSWERS.json");
  const std::string& target = a.positional[0];
  std::string base_url, form_id;
  Connection c;
  if (const auto f = target.find("/f/"); target.starts_with("http") && f != std::string::npos) {
    base_url = target.substr(0, f);
    form_id = target.substr(f + 3);
    form_id = form_id.substr(0, form_id.find_first_of("/?#"));
  } else {
    c = connect(a);
    base_url = c.account.server_url;
    form_id = target;
  }
  if (!vfs::is_safe_id(form_id)) throw std::invalid_argument("not a form URL or id: " + target);
  const json answers = read_json_file(a.positional[1]);

  api::HttpClient http;
  api::FormsClient forms(http, base_url, crypto::SecretBytes{});
  api::AnonliClient drops(http, base_url, crypto::SecretBytes{});
  const wire::PublicForm pub = forms.public_form(form_id);
  if (pub.closes_at) {
    const auto t = vfs::parse_iso8601(*pub.closes_at);
    if (t && *t <= std::time(nullptr)) throw std::runtime_error("this form is closed");
  }
  if (!pub.active) throw std::runtime_error("this form is not accepting responses");
  api::RespondentSubmission s{form_id,
                              crypto::P256PublicKey::from_base64url(pub.public_key),
                              json::object(),
                              {},
                              std::nullopt};
  json schema = pub.schema;
  if (pub.custom_key) {
    if (!pub.salt || !pub.custom_key_data || !pub.custom_key_iv) {
      throw std::runtime_error("the server sent a password form without its password fields");
    }
    const crypto::SecretBytes password = password_from(a.password_file, "Form password");
    try {
      s.proof = crypto::derive_form_proof(password.view(), *pub.salt, *pub.custom_key_data,
                                          *pub.custom_key_iv);
    } catch (const crypto::CryptoError& e) {
      if (e.code() == crypto::CryptoErrc::kWrongPassword) {
        throw std::runtime_error("wrong form password");
      }
      throw;
    }
    schema = forms.unlock_form(form_id, *s.proof);
  }
  if (!schema.is_object()) throw std::runtime_error("the form has no schema");

  std::vector<PlannedFile> planned;
  for (const auto& [field, path] : a.attach) {
    const std::string content = read_text_file(path);
    const std::string name = std::filesystem::path(path).filename().string();
    s.files.push_back({field, name, mime_for(name), crypto::SecretBytes::from_string(content)});
    planned.push_back({field, s.files.back().mime_type, content.size()});
  }
  s.answers = clean_answers(schema, answers, planned);
  const api::RespondentResult r = api::submit_response(forms, drops, s);
  std::printf("%s\n", r.submitted.id.c_str());
  return 0;
}

}  // namespace

int run_form(const std::vector<std::string>& args) {
  FormArgs a;
  try {
    a = parse_args(args);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "anonfs form: %s\n", e.what());
    return 2;
  }
  if (a.command.empty() || a.command == "--help" || a.command == "help") {
    std::fputs(kUsage, stdout);
    return a.command.empty() ? 2 : 0;
  }
  try {
    if (a.command == "create") return create(a);
    if (a.command == "list") return list(a);
    if (a.command == "show") return show(a);
    if (a.command == "toggle") return toggle(a);
    if (a.command == "delete") return remove(a);
    if (a.command == "read") return read(a);
    if (a.command == "submit") return submit(a);
    std::fprintf(stderr, "anonfs form: unknown command '%s' (see anonfs form --help)\n",
                 a.command.c_str());
    return 2;
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "anonfs form %s: %s\n", a.command.c_str(), e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "anonfs form %s: %s\n", a.command.c_str(), e.what());
    return 1;
  }
}

}  // namespace anonfs::cli
