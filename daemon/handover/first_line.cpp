// posix_spawn with stdout on a pipe, then a bounded read of one line.
#include "handover/first_line.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace pmd::handover {

FirstLine run_for_first_line(const std::string& program, const std::vector<std::string>& argv,
                             std::chrono::milliseconds deadline) {
  FirstLine result;
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) {
    result.error = std::strerror(errno);
    return result;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Nothing of pmd's signal mask reaches the program.
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int rc = ::posix_spawn(&result.pid, program.c_str(), &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(out[1]);
  if (rc != 0) {
    ::close(out[0]);
    result.pid = -1;
    result.error = std::strerror(rc);
    return result;
  }
  const auto until = std::chrono::steady_clock::now() + deadline;
  std::string said;
  pollfd p{out[0], POLLIN, 0};
  while (said.find('\n') == std::string::npos && said.size() < 256) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    // pmd's loop catches signals (SIGCHLD above all, e.g. from the holder this replaces): one
    // arriving here interrupts the wait, which must go on rather than take it for silence.
    int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) break;
    char buf[64];
    ssize_t n = ::read(out[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    said.append(buf, static_cast<std::size_t>(n));
  }
  ::close(out[0]);
  if (auto nl = said.find('\n'); nl != std::string::npos) result.line = said.substr(0, nl);
  return result;
}

}  // namespace pmd::handover
