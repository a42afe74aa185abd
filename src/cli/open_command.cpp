// `anonfs open URL [--mount DIR] [--password-file F]`: opens someone's drop in a running mount
// under links/<id>. For password drops the key is recovered here (Argon2id) and the mount gets
// a link with the key; the URL goes to the daemon through the control file .anonfs/open, never
// through argv of another process or the network.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "anonfs/api/anonli_client.hpp"
#include "anonfs/api/http_client.hpp"
#include "anonfs/crypto/drop_password.hpp"
#include "anonfs/crypto/error.hpp"
#include "anonfs/crypto/share_url.hpp"
#include "commands.hpp"
#include "drop_link.hpp"
#include "mounts.hpp"
#include "secret_input.hpp"

namespace anonfs::cli {
namespace {

const char* explain(int err) {
  switch (err) {
    case EACCES:
      return "the link's key does not open this drop, or the drop is disabled or expired";
    case ENOENT:
      return "no such drop (deleted, expired or its download limit was reached)";
    case EINVAL:
      return "the mount refused the link (wrong server or malformed; see the mount's log)";
    default:
      return std::strerror(err);
  }
}

}  // namespace

int run_open(const std::vector<std::string>& args) {
  std::optional<std::string> url_arg, mount_dir, password_file;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if ((args[i] == "--mount" || args[i] == "--password-file") && i + 1 < args.size()) {
      (args[i] == "--mount" ? mount_dir : password_file) = args[i + 1];
      ++i;
    } else if (!args[i].starts_with("-") && !url_arg) {
      url_arg = args[i];
    } else {
      std::fprintf(stderr, "anonfs open: unexpected argument %s\n", args[i].c_str());
      return 2;
    }
  }
  if (!url_arg) {
    std::fprintf(stderr, "anonfs open: missing share URL\n");
    return 2;
  }
  try {
    crypto::AnonLiDropLink link = crypto::parse_anonli_drop_url(*url_arg);
    ensure_link_key(link, password_file);
    mount_dir = choose_mount(mount_dir);
    const crypto::SecretBytes url = crypto::build_anonli_drop_url(link);
    const std::string control = *mount_dir + "/.anonfs/open";
    const int fd = ::open(control.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
      throw std::runtime_error(control + ": " + std::strerror(errno) + " (is it an anonfs mount?)");
    }
    const ssize_t n = ::write(fd, url.data(), url.size());
    const int err = errno;
    ::close(fd);
    if (n < 0) throw std::runtime_error(std::string("cannot open the drop: ") + explain(err));
    std::printf("%s/links/%s\n", mount_dir->c_str(), link.drop_id.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "anonfs open: %s\n", e.what());
    return 1;
  }
}

}  // namespace anonfs::cli
