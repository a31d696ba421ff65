// Process helpers for the integration tests.
#include "process_utils.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace pmd::test {

RunResult run_command(const std::vector<std::string>& argv, const RunOptions& options) {
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) return {};
  std::map<std::string, std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& [k, v] : options.env) env[k] = v;
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp, args;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    int devnull = ::open(options.stdin_path.empty() ? "/dev/null" : options.stdin_path.c_str(), O_RDONLY);
    ::dup2(devnull, 0);
    if (!options.cwd.empty() && ::chdir(options.cwd.c_str()) != 0) _exit(126);
    if (options.as_uid && (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(*options.as_uid) != 0))
      _exit(125);
    ::execve(args[0], args.data(), envp.data());
    _exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);
  RunResult r;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  int open = 2;
  char buf[8192];
  while (open > 0) {
    if (::poll(fds, 2, -1) < 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0)
        (i == 0 ? r.out : r.err).append(buf, static_cast<std::size_t>(n));
      else {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open;
      }
    }
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds deadline) {
  auto end = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= end) return condition();
    std::this_thread::sleep_for(20ms);
  }
}

namespace {
char proc_state(pid_t pid, pid_t* ppid = nullptr) {
  std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  auto close = stat.rfind(')');
  if (close == std::string::npos || close + 2 >= stat.size()) return 0;
  if (ppid) *ppid = std::atoi(stat.c_str() + close + 4);
  return stat[close + 2];
}

std::vector<pid_t> all_pids() {
  std::vector<pid_t> pids;
  DIR* dir = ::opendir("/proc");
  while (dirent* d = dir ? ::readdir(dir) : nullptr)
    if (d->d_name[0] >= '1' && d->d_name[0] <= '9') pids.push_back(std::atoi(d->d_name));
  if (dir) ::closedir(dir);
  return pids;
}
}  // namespace

bool process_alive(pid_t pid) {
  char s = proc_state(pid);
  return s != 0 && s != 'Z' && s != 'X';
}

int count_open_fds(pid_t pid) {
  int n = 0;
  DIR* dir = ::opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
  while (dirent* d = dir ? ::readdir(dir) : nullptr)
    if (d->d_name[0] != '.') ++n;
  if (dir) ::closedir(dir);
  return n;
}

std::vector<pid_t> zombie_children_of(pid_t parent) {
  std::vector<pid_t> zombies;
  for (pid_t pid : all_pids()) {
    pid_t ppid = 0;
    if (proc_state(pid, &ppid) == 'Z' && ppid == parent) zombies.push_back(pid);
  }
  return zombies;
}

std::vector<pid_t> pids_with_cmdline(const std::vector<std::string>& needles) {
  std::vector<pid_t> found;
  for (pid_t pid : all_pids()) {
    std::string cmdline = read_file("/proc/" + std::to_string(pid) + "/cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (!process_alive(pid)) continue;
    bool all = std::all_of(needles.begin(), needles.end(),
                           [&](const std::string& n) { return cmdline.find(n) != std::string::npos; });
    if (all) found.push_back(pid);
  }
  return found;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::optional<uid_t> other_user() {
  if (::geteuid() != 0) return std::nullopt;
  const passwd* pw = ::getpwnam("nobody");
  return pw ? std::optional<uid_t>(pw->pw_uid) : std::optional<uid_t>(65534);
}

}  // namespace pmd::test
