#include "test_support.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <random>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace anonfs::server::test {

namespace {
using Clock = std::chrono::steady_clock;

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_ALL); }
  ~CurlGlobal() { curl_global_cleanup(); }
};
CurlGlobal& curl_global() {
  static CurlGlobal g;
  return g;
}

struct CurlDeleter {
  void operator()(CURL* c) const noexcept { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* s) const noexcept { curl_slist_free_all(s); }
};

class Pipe {
 public:
  Pipe() {
    if (::pipe2(fds_, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  }
  ~Pipe() {
    close_read();
    close_write();
  }
  int read_end() const { return fds_[0]; }
  int write_end() const { return fds_[1]; }
  int release_read() {
    int fd = fds_[0];
    fds_[0] = -1;
    return fd;
  }
  void close_read() {
    if (fds_[0] >= 0) ::close(fds_[0]);
    fds_[0] = -1;
  }
  void close_write() {
    if (fds_[1] >= 0) ::close(fds_[1]);
    fds_[1] = -1;
  }

 private:
  int fds_[2] = {-1, -1};
};

class SpawnActions {
 public:
  SpawnActions() { posix_spawn_file_actions_init(&a_); }
  ~SpawnActions() { posix_spawn_file_actions_destroy(&a_); }
  posix_spawn_file_actions_t* get() { return &a_; }

 private:
  posix_spawn_file_actions_t a_;
};

pid_t spawn(const std::vector<std::string>& argv, int stdout_fd,
            const std::map<std::string, std::string>& env) {
  SpawnActions actions;
  posix_spawn_file_actions_adddup2(actions.get(), stdout_fd, STDOUT_FILENO);
  std::vector<char*> args;
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e)
    env_strings.emplace_back(*e);
  for (const auto& [k, v] : env)
    env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& e : env_strings)
    envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawnp(&pid, args[0], actions.get(), nullptr, args.data(), envp.data()) != 0) {
    throw std::runtime_error("cannot spawn " + argv[0]);
  }
  return pid;
}

// Reads from fd until `done(buffer)` or the deadline. Returns false on timeout/EOF.
template <typename Pred>
bool read_until(int fd, std::string& buffer, Clock::time_point deadline, Pred done) {
  while (!done(buffer)) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    char buf[4096];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    buffer.append(buf, static_cast<std::size_t>(n));
  }
  return true;
}

int wait_exit(pid_t pid, Clock::time_point deadline) {
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (r < 0) return -1;
    if (Clock::now() > deadline) return -2;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling a child, not timing
  }
}
}  // namespace

TempDir::TempDir() {
  auto base = std::filesystem::temp_directory_path() / "anonfs-server-test-XXXXXX";
  std::string tmpl = base.string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string server_binary() {
  const char* p = std::getenv("ANONFS_SERVER_BIN");
  if (!p || !*p) throw std::runtime_error("ANONFS_SERVER_BIN is not set");
  return p;
}

ProcessResult run_process(const std::vector<std::string>& argv, std::chrono::seconds timeout,
                          const std::map<std::string, std::string>& env) {
  Pipe out;
  pid_t pid = spawn(argv, out.write_end(), env);
  out.close_write();
  ProcessResult result;
  auto deadline = Clock::now() + timeout;
  read_until(out.read_end(), result.out, deadline, [](const std::string&) { return false; });
  result.exit_code = wait_exit(pid, deadline);
  if (result.exit_code == -2) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
  return result;
}

ServerProcess::ServerProcess(const std::filesystem::path& data_dir,
                             std::vector<std::string> extra) {
  std::vector<std::string> argv = {server_binary(),   "serve",    "--data",
                                   data_dir.string(), "--listen", "127.0.0.1:0"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  Pipe out;
  pid_ = spawn(argv, out.write_end(), {});
  out.close_write();
  out_fd_ = out.release_read();
  std::string buffer;
  const std::string marker = "listening on ";
  bool ok = read_until(out_fd_, buffer, Clock::now() + std::chrono::seconds(20),
                       [&](const std::string& b) {
                         auto p = b.find(marker);
                         return p != std::string::npos && b.find('\n', p) != std::string::npos;
                       });
  if (!ok) {
    kill9();
    throw std::runtime_error("anonfs-server did not start: " + buffer);
  }
  auto p = buffer.find(marker) + marker.size();
  url_ = buffer.substr(p, buffer.find('\n', p) - p);
}

ServerProcess::~ServerProcess() {
  kill9();
  if (out_fd_ >= 0) ::close(out_fd_);
}

void ServerProcess::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

int ServerProcess::terminate() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int code = wait_exit(pid_, Clock::now() + std::chrono::seconds(20));
  if (code == -2) {
    kill9();
    return -2;
  }
  pid_ = -1;
  return code;
}

MarkedProcess::MarkedProcess(const std::vector<std::string>& argv, const std::string& marker,
                             std::chrono::seconds timeout,
                             const std::map<std::string, std::string>& env) {
  Pipe out;
  pid_ = spawn(argv, out.write_end(), env);
  out.close_write();
  out_fd_ = out.release_read();
  std::string buffer;
  const auto line_start = [&](const std::string& b) {
    if (b.rfind(marker, 0) == 0) return std::string::size_type(0);
    const auto p = b.find("\n" + marker);
    return p == std::string::npos ? p : p + 1;
  };
  const bool ok = read_until(out_fd_, buffer, Clock::now() + timeout, [&](const std::string& b) {
    const auto p = line_start(b);
    return p != std::string::npos && b.find('\n', p) != std::string::npos;
  });
  if (!ok) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    ::close(out_fd_);
    throw std::runtime_error(argv.at(0) + " did not print \"" + marker + "\": " + buffer);
  }
  const auto p = line_start(buffer) + marker.size();
  value_ = buffer.substr(p, buffer.find('\n', p) - p);
}

MarkedProcess::~MarkedProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  if (out_fd_ >= 0) ::close(out_fd_);
}

User add_user(const std::filesystem::path& data_dir, const std::string& email,
              const std::string& plan) {
  auto r = run_process({server_binary(), "user", "add", email, "--data", data_dir.string(),
                        "--plan", plan, "--json"});
  if (r.exit_code != 0) throw std::runtime_error("user add failed: " + r.out);
  auto j = nlohmann::json::parse(r.out);
  return User{j.at("user_id"),
              j.at("email"),
              j.at("api_key"),
              j.value("enigma_token", ""),
              j.value("passwordlink_public_key", ""),
              j.value("passwordlink_private_key", "")};
}

std::string Response::header(const std::string& name) const {
  std::string lower;
  for (char c : name)
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto it = headers.find(lower);
  return it == headers.end() ? std::string() : it->second;
}

nlohmann::json Response::json() const {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded()) throw std::runtime_error("response is not JSON: " + body);
  return j;
}

namespace {
std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}
std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
  std::string line(data, size * n);
  auto* headers = static_cast<std::multimap<std::string, std::string>*>(user);
  if (line.rfind("HTTP/", 0) == 0) headers->clear();  // a new response (e.g. after 100)
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (auto& c : name)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n'))
      value.pop_back();
    headers->emplace(name, value);
  }
  return size * n;
}
}  // namespace

Response http(const Request& request) {
  curl_global();
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) throw std::runtime_error("curl_easy_init failed");
  Response response;
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  curl_slist* list = nullptr;
  for (const auto& h : request.headers)
    list = curl_slist_append(list, h.c_str());
  list = curl_slist_append(list, "Expect:");  // no 100-continue unless a test asks for it
  headers.reset(list);
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  if (request.method == "HEAD") curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  if (request.body) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body->data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body->size()));
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &response.headers);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    throw std::runtime_error(std::string("HTTP request failed: ") + curl_easy_strerror(rc));
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

Response http_get(const std::string& url, std::vector<std::string> headers) {
  return http({"GET", url, std::nullopt, std::move(headers)});
}

std::string bearer(const std::string& api_key) {
  return "Authorization: Bearer " + api_key;
}

Response http_json(const std::string& method, const std::string& url, const nlohmann::json& body,
                   const std::string& api_key, std::vector<std::string> headers) {
  headers.push_back("Content-Type: application/json");
  if (!api_key.empty()) headers.push_back(bearer(api_key));
  return http({method, url, body.dump(), std::move(headers)});
}

std::string pattern_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (auto& c : out)
    c = static_cast<char>(rng() & 0xff);
  return out;
}

}  // namespace anonfs::server::test
