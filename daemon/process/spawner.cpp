// The fork/exec sequence. Everything the child does between fork and exec is async-signal-safe:
// all memory is prepared before the fork.
#include "process/spawner.h"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

namespace pmd {
namespace {

rlimit g_child_nofile{};
bool g_have_child_nofile = false;
// The oom_score_adj apps get back (pmd lowers its own; see oom_protection.h), as text for write().
char g_child_oom_score[16] = {};
std::size_t g_child_oom_score_len = 0;

// What the child reports through the close-on-exec pipe when a step before exec fails.
struct ChildFailure {
  int step;  // index into kSteps
  int err;
};
constexpr const char* kSteps[] = {"setsid", "open /dev/null", "redirect output", "chdir", "exec", "switch user"};
enum Step { kSetsid, kDevNull, kRedirect, kChdir, kExec, kSwitchUser };
constexpr std::size_t kMaxInherited = 16;

[[noreturn]] void child_fail(int report_fd, int step) {
  ChildFailure f{step, errno};
  ssize_t ignored = ::write(report_fd, &f, sizeof f);
  (void)ignored;
  _exit(127);
}

void close_quietly(int fd) {
  if (fd >= 0) ::close(fd);
}

}  // namespace

void remember_child_rlimits() { g_have_child_nofile = ::getrlimit(RLIMIT_NOFILE, &g_child_nofile) == 0; }

void remember_child_oom_score(int score) {
  int len = std::snprintf(g_child_oom_score, sizeof g_child_oom_score, "%d", score);
  g_child_oom_score_len = len > 0 ? static_cast<std::size_t>(len) : 0;
}

std::variant<SpawnedProcess, std::string> spawn_process(const SpawnRequest& req) {
  std::vector<char*> argv, envp;
  for (auto& a : req.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (auto& e : req.envp) envp.push_back(const_cast<char*>(e.c_str()));
  // LISTEN_PID must be the child's own pid, known only after fork: the child writes its digits
  // into this buffer, prepared here because the child may not allocate.
  const std::size_t pass_count = req.pass_fds.size();
  const std::size_t inherited_count = pass_count + req.extra_fds.size();
  if (inherited_count > kMaxInherited) return std::string("too many inherited file descriptors");
  std::string listen_fds = "LISTEN_FDS=" + std::to_string(pass_count);
  std::string listen_pid = "LISTEN_PID=" + std::string(20, '\0');
  if (pass_count > 0) {
    envp.push_back(listen_fds.data());
    envp.push_back(listen_pid.data());
  }
  envp.push_back(nullptr);

  int out[2] = {-1, -1}, err[2] = {-1, -1}, report[2] = {-1, -1};
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0 || ::pipe2(report, O_CLOEXEC) != 0) {
    std::string why = std::string("cannot create pipes: ") + std::strerror(errno);
    for (int fd : {out[0], out[1], err[0], err[1], report[0], report[1]}) close_quietly(fd);
    return why;
  }

  // Signals stay blocked across fork so no handler of the daemon runs in the child.
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  pid_t pid = ::fork();
  if (pid == 0) {
    for (int sig = 1; sig < NSIG; ++sig) {
      if (sig != SIGKILL && sig != SIGSTOP) ::signal(sig, SIG_DFL);
    }
    sigset_t none;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, nullptr);
    if (g_have_child_nofile) ::setrlimit(RLIMIT_NOFILE, &g_child_nofile);
    // The kernel should pick a leaking app over its supervisor, never the other way round.
    if (g_child_oom_score_len > 0) {
      int oom = ::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
      if (oom >= 0) {
        ssize_t ignored = ::write(oom, g_child_oom_score, g_child_oom_score_len);
        (void)ignored;
        ::close(oom);
      }
    }
    int report_fd = report[1];
    // Into the launch's cgroup before anything else, so everything it ever starts stays there.
    if (req.cgroup_procs_fd >= 0) {
      ssize_t ignored = ::write(req.cgroup_procs_fd, "0", 1);
      (void)ignored;
    }
    if (::setsid() < 0) child_fail(report_fd, kSetsid);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull < 0) child_fail(report_fd, kDevNull);
    if (::dup2(devnull, 0) < 0) child_fail(report_fd, kDevNull);
    if (::dup2(out[1], 1) < 0 || ::dup2(err[1], 2) < 0) child_fail(report_fd, kRedirect);
    if (devnull > 2) ::close(devnull);
    if (inherited_count > 0) {
      // Move everything we still need out of 3..3+n first, then put the inherited fds in place
      // (dup2 clears close-on-exec on the copy, so they survive exec).
      const int first_free = 3 + static_cast<int>(inherited_count);
      report_fd = ::fcntl(report_fd, F_DUPFD_CLOEXEC, first_free);
      int moved[kMaxInherited];
      for (std::size_t i = 0; i < inherited_count; ++i) {
        int source = i < pass_count ? req.pass_fds[i] : req.extra_fds[i - pass_count];
        moved[i] = ::fcntl(source, F_DUPFD_CLOEXEC, first_free);
        if (moved[i] < 0) child_fail(report_fd, kRedirect);
      }
      for (std::size_t i = 0; i < inherited_count; ++i)
        if (::dup2(moved[i], 3 + static_cast<int>(i)) < 0) child_fail(report_fd, kRedirect);
    }
    if (pass_count > 0) {
      char* digits = listen_pid.data() + 11;
      char tmp[20];
      int len = 0;
      for (pid_t self = ::getpid(); self > 0 && len < 20; self /= 10) tmp[len++] = static_cast<char>('0' + self % 10);
      for (int i = 0; i < len; ++i) digits[i] = tmp[len - 1 - i];
    }
    // Belt and braces: whatever a library opened without O_CLOEXEC does not reach the app.
    ::syscall(SYS_close_range, 3U + static_cast<unsigned>(inherited_count), ~0U, CLOSE_RANGE_CLOEXEC);
    // Drop privileges before chdir, so the app's own permissions decide what it may enter.
    if (req.switch_user) {
      if (::setgroups(req.groups.size(), req.groups.data()) != 0 || ::setgid(req.gid) != 0 || ::setuid(req.uid) != 0)
        child_fail(report_fd, kSwitchUser);
    }
    if (::chdir(req.cwd.c_str()) != 0) child_fail(report_fd, kChdir);
    ::execve(req.executable.c_str(), argv.data(), envp.data());
    child_fail(report_fd, kExec);
  }
  int fork_errno = errno;
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  close_quietly(out[1]);
  close_quietly(err[1]);
  close_quietly(report[1]);
  if (pid < 0) {
    for (int fd : {out[0], err[0], report[0]}) close_quietly(fd);
    return std::string("cannot fork: ") + std::strerror(fork_errno);
  }

  // EOF means exec succeeded (the pipe closed on exec); a record means a step failed.
  ChildFailure failure{};
  ssize_t n;
  do n = ::read(report[0], &failure, sizeof failure);
  while (n < 0 && errno == EINTR);
  ::close(report[0]);
  if (n == static_cast<ssize_t>(sizeof failure)) {
    ::waitpid(pid, nullptr, 0);
    close_quietly(out[0]);
    close_quietly(err[0]);
    std::string what = failure.step == kChdir        ? "cannot enter " + req.cwd
                       : failure.step == kSwitchUser ? "cannot switch to uid " + std::to_string(req.uid)
                       : failure.step == kExec       ? "cannot execute " + req.executable
                                               : std::string("cannot start the process (") + kSteps[failure.step] + ")";
    return what + ": " + std::strerror(failure.err);
  }
  return SpawnedProcess{pid, out[0], err[0]};
}

}  // namespace pmd
