// anonfs entry point: dispatches subcommands.
#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "commands.hpp"
#include "process_hardening.hpp"

namespace {

constexpr const char* kUsage = R"(usage: anonfs <command> [options]

End-to-end encrypted sharing services as an ordinary folder.

commands:
  mount DIR [options]   mount your drops at DIR (see below)
  login --server URL [--api-key-file F]
                        check an API key and store server and key in
                        $XDG_CONFIG_HOME/anonfs/config.json (0600); prompts for the key
                        on the terminal when no file is given
  login --service enigmacrypt --server URL [--token-file F]
  login --service passwordlink --server URL [--public-key-file F] [--private-key-file F]
                        the same for the one-time-secret services (EnigmaCrypt token
                        enigma_..., password.link key pair public_key_.../private_key_...)
  secret create --service enigmacrypt|passwordlink [FILE|-] [--max-views N] [--expiry H]
                        send UTF-8 text (FILE or stdin, at most 512 KiB) as a one-time
                        secret; prints the link (password.link: the key half is in the
                        #fragment) or, for EnigmaCrypt, a comment, the link and a generated
                        password (send link and password through different channels).
                        --max-views N: views before the secret is deleted (default 1);
                        --expiry H: hours until it expires (default: none)
                        --pbkdf2-hash sha256|sha1: EnigmaCrypt key derivation (default
                        sha256 = crypto-js 4.2.0; sha1 for recipients on crypto-js <= 4.1.1)
  secret view URL [--password-file F]
                        fetch a secret once (the fetch is the view), decrypt it and print
                        it to stdout. EnigmaCrypt asks for the password (or reads it from F)
                        before fetching and lets you retry a wrong one locally
  secret request create [--description T] [--message T] [--expiry H] [--limit N]
                        [--send-to-email E] [--secret-max-views N] [--secret-expiry H]
  secret request list | secret request delete ID
                        password.link secret requests (links others use to send you a
                        secret); create prints the id and the request link
  open URL [--mount DIR] [--password-file F]
                        open a drop from its share link in a running mount (under
                        DIR/links/<id>); a wrong key or password fails here. Password drops:
                        the password is read from F or asked for on the terminal. DIR defaults
                        to the only running anonfs mount.
  form create|list|show|toggle|delete|read|submit ...
                        anon.li forms: create a form (key pair wrapped by the vault key),
                        list/show/toggle/delete your forms, mark a submission read, or
                        submit answers to a form as a respondent (see anonfs form --help)
  upload FILE|DIR... [--expiry DAYS] [--max-downloads N] [--password-file F]
         [--title T] [--message M] [--server URL] [--api-key-file F]
         [--vault-password-file F]
                        upload each FILE or DIR as one encrypted drop (a directory: its
                        files at their relative paths, at most 50) and print `NAME → URL`.
                        --password-file: a password-protected drop (the link has no key).
                        --vault-password-file: store the owner key so the drop shows under
                        drops/. Server and key as for mount (default: `anonfs login`).
  get URL [-o DIR] [--password-file F]
                        download and decrypt a drop into DIR (default: .); existing files
                        are not overwritten
  status [--mount DIR]  the outbox status of a running mount (DIR/.anonfs/status)
  --help, -h            show this help
  --version             print the version

mount options:
  --server URL              the service to use (default: the server stored by `anonfs login`;
                            with neither, the embedded reference server runs in-process on
                            loopback with its data under $XDG_DATA_HOME/anonfs/)
  --api-key-file F          read the API key from file F (first line)
  --vault-password-file F   read the vault password from file F (first line); without it the
                            password is asked for on the terminal (empty answer: no vault, own
                            drops shown locked). Never taken from argv or the environment.
  --cache-size SIZE         decrypted chunk cache budget, e.g. 256M (default), 2G
  -f, --foreground          stay in the foreground (logs on stderr)
  -d, --debug               foreground with libfuse request tracing
  -o OPT[,OPT...]           mount options:
       ro                     read-only mount (no deletion, no uploads)
       cache_size=SIZE        same as --cache-size
       allow_last_download    allow reads that use up the last download of a drop with a
                              download limit (without it such a read fails with EACCES)
       retries=N              repeat a request that failed on a network fault, a timeout, 5xx
                              or 429 up to N times (default 3), after exponential backoff from
                              1 s or the server's Retry-After (up to 30 s); then reads fail
                              with EIO
       timeout=S              abort a transfer moving under 1 KiB/s for S seconds (default
                              30), or a connection not made within min(S, 10) s; it counts as
                              a network fault
       secret_expiry=HOURS    secrets made from secrets/<service>/outbox/ expire after HOURS
                              (1..350; default: no expiry; each allows one view)
       settle=SECONDS         outbox: quiet period after the last close of an item before
                              its upload starts (default 2)
       expiry=DAYS            outbox: expiry of new drops (default: the plan's longest)
       max_downloads=N        outbox: download limit of new drops (default: unlimited)
       lazy_upload            outbox: unmount without waiting for pending uploads (they
                              resume on the next mount)
       allow_other, ...       passed to libfuse (see mount.fuse3(8))

The mount shows drops/<title> [<id>]/ (your drops) and links/<id>/ (opened links) with
decrypted names; files and folders copied into outbox/ are encrypted, uploaded as drops and
their links appear in sent/NAME.link (why one failed: outbox/NAME.error; progress:
.anonfs/status or `anonfs status`); extended attributes
user.anonfs.{id,link,expires,downloads,max_downloads} on drop folders; `rm -r` of a drop folder
deletes the drop. forms/<title> [<id>]/ shows each form's schema.json, form.json and its
submissions/ decrypted as JSON (attachments beside them); `rm` of a submission file deletes it.
Unmount with `fusermount3 -u DIR`. See README.md and docs/ for details.

secrets/<service>/ (enigmacrypt, passwordlink; when configured): a UTF-8 text file copied into
outbox/ becomes a one-time secret when closed and its link appears as sent/NAME.link (binary or
oversized input: outbox/NAME.error); passwordlink/list/<id>.json and requests/<id>.json show
metadata (never content; listing burns no view) and `rm` deletes on the server. Secret commands
and secrets/ use the services stored by `anonfs login --service ...`; with no config file, the
embedded server's local account (loopback links included).
)";

}  // namespace

namespace anonfs::cli {

std::uint64_t parse_size(const std::string& text) {
  if (text.empty()) throw std::invalid_argument("empty size");
  std::size_t used = 0;
  unsigned long long value = 0;
  try {
    value = std::stoull(text, &used);
  } catch (const std::exception&) {
    throw std::invalid_argument("bad size '" + text + "'");
  }
  const std::string unit = text.substr(used);
  unsigned shift = 0;
  if (unit.empty() || unit == "B") {
    shift = 0;
  } else if (unit == "K" || unit == "KiB") {
    shift = 10;
  } else if (unit == "M" || unit == "MiB") {
    shift = 20;
  } else if (unit == "G" || unit == "GiB") {
    shift = 30;
  } else {
    throw std::invalid_argument("bad size unit in '" + text + "' (use K, M or G)");
  }
  if (shift > 0 && value > (~0ull >> shift)) throw std::invalid_argument("size too large");
  return static_cast<std::uint64_t>(value) << shift;
}

}  // namespace anonfs::cli

int main(int argc, char** argv) {
  anonfs::cli::harden_process();
  if (argc < 2) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  const std::string_view cmd = argv[1];
  const std::vector<std::string> rest(argv + 2, argv + argc);
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (cmd == "--version") {
    std::puts("anonfs 0.1.0");
    return 0;
  }
  if (cmd == "mount") return anonfs::cli::run_mount(rest);
  if (cmd == "login") return anonfs::cli::run_login(rest);
  if (cmd == "open") return anonfs::cli::run_open(rest);
  if (cmd == "secret") return anonfs::cli::run_secret(rest);
  if (cmd == "form") return anonfs::cli::run_form(rest);
  if (cmd == "upload") return anonfs::cli::run_upload(rest);
  if (cmd == "get") return anonfs::cli::run_get(rest);
  if (cmd == "status") return anonfs::cli::run_status(rest);
  std::fprintf(stderr, "anonfs: unknown command '%s' (see anonfs --help)\n", argv[1]);
  return 2;
}
