// Runs node on a JS ecosystem file and reads back its exports as JSON.
#include "js_document.h"

#include "bounded_json.h"

#include "executable_lookup.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace pmd::config {
namespace {

// Loads the file as CommonJS, or as an ES module when require refuses it, and prints what it
// exports: module.exports, export default, or a named `apps` export. Functions are dropped.
constexpr const char* kLoader = R"JS(
const path = require('path');
const { pathToFileURL } = require('url');
const file = path.resolve(process.argv[1]);
(async () => {
  let mod;
  try {
    mod = require(file);
  } catch (e) {
    if (e && (e.code === 'ERR_REQUIRE_ESM' || e.code === 'ERR_REQUIRE_ASYNC_MODULE')) mod = await import(pathToFileURL(file).href);
    else throw e;
  }
  let config = mod;
  if (config && typeof config === 'object' && !Array.isArray(config) && config.apps === undefined) {
    if (config.default !== undefined) config = config.default;
  }
  if (config && config.__esModule && config.default !== undefined && config.apps === undefined) config = config.default;
  const text = JSON.stringify(config === undefined ? null : config, (k, v) => (typeof v === 'function' ? undefined : v));
  process.stdout.write(text === undefined ? 'null' : text);
})().catch((e) => {
  process.stderr.write((e && e.stack) ? String(e.stack) : String(e));
  process.exit(1);
});
)JS";

struct Captured {
  int status = -1;
  bool timed_out = false;
  std::string out, err;
};

Captured run_node(const std::string& node, const std::filesystem::path& file, std::chrono::milliseconds timeout) {
  Captured c;
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return c;
  if (::pipe2(err, O_CLOEXEC) != 0) {
    ::close(out[0]);
    ::close(out[1]);
    return c;
  }
  std::string file_arg = file.string();
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    const char* argv[] = {node.c_str(), "-e", kLoader, file_arg.c_str(), nullptr};
    ::execve(node.c_str(), const_cast<char**>(argv), environ);
    _exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  int open = 2;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[8192];
  while (open > 0) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      c.timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    int ready = ::poll(fds, 2, static_cast<int>(left));
    if (ready < 0 && errno == EINTR) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        (i == 0 ? c.out : c.err).append(buf, static_cast<std::size_t>(n));
      } else {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open;
      }
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) ::close(f.fd);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  c.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return c;
}

Diagnostic load_error(const std::string& message) {
  Diagnostic d;
  d.kind = "load";
  d.message = message;
  return d;
}

}  // namespace

std::variant<Value, Diagnostic> evaluate_js(const std::filesystem::path& file, const std::string& path_var,
                                            std::chrono::milliseconds timeout) {
  auto node = find_executable("node", path_var, std::filesystem::current_path());
  if (!node)
    return load_error(
        "node is not on PATH, and a JavaScript ecosystem file needs it to be evaluated "
        "(install Node.js, or write the file as JSON or YAML)");
  Captured c = run_node(node->string(), file, timeout);
  if (c.timed_out)
    return load_error("evaluating it with node took longer than " + std::to_string(timeout.count() / 1000) +
                      " s (does it wait on something at load time?)");
  if (c.status != 0) {
    // node's own message and the first frames: enough to find the line, short enough to read.
    std::string err;
    std::size_t lines = 0, pos = 0;
    while (pos < c.err.size() && lines < 8) {
      auto nl = c.err.find('\n', pos);
      err += c.err.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos + 1);
      pos = nl == std::string::npos ? c.err.size() : nl + 1;
      ++lines;
    }
    while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) err.pop_back();
    return load_error("node could not load it:\n" + (err.empty() ? "exit status " + std::to_string(c.status) : err));
  }
  // Positions in node's output mean nothing to the user: read it as plain JSON (no positions),
  // and let diagnostics find keys in the JS text instead.
  BoundedJson parsed = parse_json_bounded(c.out);
  if (parsed.status == BoundedJson::kTooDeep)
    return load_error("the exported value is nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  if (parsed.status != BoundedJson::kOk) return load_error("node printed something that is not JSON");
  return Value::from_json(parsed.value);
}

}  // namespace pmd::config
