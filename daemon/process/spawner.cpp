// The fork/exec sequence. Everything the child does before exec is a system call: all memory is
// prepared before it exists, since it may share the daemon's (see start_child).
#include "process/spawner.h"

#include "process/clone_child.h"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
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

// Everything the child needs, prepared before it exists: it may not allocate.
struct ChildPlan {
  const SpawnRequest* req;
  char** argv;
  char** envp;
  int out_write, err_write, report_write;
  std::size_t pass_count, inherited_count;
  char* listen_pid_digits;  // 20 bytes to fill with the child's pid, or null
  bool join_cgroup;         // the child moves itself into req->cgroup_fd (clone3 did not start it there)
};

// Whether clone3 can start a child in its cgroup (Linux 5.7, cgroup v2); false after a refusal.
bool g_clone_into_cgroup = true;

[[noreturn, gnu::no_sanitize_address]] void child_fail(int report_fd, int step) {
  ChildFailure f{step, errno};
  ssize_t ignored = ::write(report_fd, &f, sizeof f);
  (void)ignored;
  _exit(127);
}

void close_quietly(int fd) {
  if (fd >= 0) ::close(fd);
}

// The child, from its birth to exec. It may share the daemon's memory (see start_child): only
// system calls, no allocation, nothing that changes what the daemon sees besides the plan's
// buffers. Identity changes are raw system calls: glibc's wrappers would coordinate with the
// daemon's threads, and this child is not one of them. Not instrumented by ASan: the shadow of
// its stack is the daemon's, and a frame that never returns would leave it poisoned.
[[noreturn, gnu::no_sanitize_address]] void run_child(const ChildPlan& plan) {
  const SpawnRequest& req = *plan.req;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) ::signal(sig, SIG_DFL);
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
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
  int report_fd = plan.report_write;
  // Into the launch's cgroup before anything else, so everything it ever starts stays there.
  if (plan.join_cgroup) {
    int procs = ::openat(req.cgroup_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
    if (procs >= 0) {
      ssize_t ignored = ::write(procs, "0", 1);
      (void)ignored;
      ::close(procs);
    }
  }
  if (::setsid() < 0) child_fail(report_fd, kSetsid);
  int devnull = ::open("/dev/null", O_RDONLY);
  if (devnull < 0) child_fail(report_fd, kDevNull);
  if (::dup2(devnull, 0) < 0) child_fail(report_fd, kDevNull);
  if (::dup2(plan.out_write, 1) < 0 || ::dup2(plan.err_write, 2) < 0) child_fail(report_fd, kRedirect);
  if (devnull > 2) ::close(devnull);
  if (plan.inherited_count > 0) {
    // Move everything we still need out of 3..3+n first, then put the inherited fds in place
    // (dup2 clears close-on-exec on the copy, so they survive exec).
    const int first_free = 3 + static_cast<int>(plan.inherited_count);
    report_fd = ::fcntl(report_fd, F_DUPFD_CLOEXEC, first_free);
    int moved[kMaxInherited];
    for (std::size_t i = 0; i < plan.inherited_count; ++i) {
      int source = i < plan.pass_count ? req.pass_fds[i] : req.extra_fds[i - plan.pass_count];
      moved[i] = ::fcntl(source, F_DUPFD_CLOEXEC, first_free);
      if (moved[i] < 0) child_fail(report_fd, kRedirect);
    }
    for (std::size_t i = 0; i < plan.inherited_count; ++i)
      if (::dup2(moved[i], 3 + static_cast<int>(i)) < 0) child_fail(report_fd, kRedirect);
  }
  if (plan.listen_pid_digits) {
    char tmp[20];
    int len = 0;
    for (pid_t self = ::getpid(); self > 0 && len < 20; self /= 10) tmp[len++] = static_cast<char>('0' + self % 10);
    for (int i = 0; i < len; ++i) plan.listen_pid_digits[i] = tmp[len - 1 - i];
  }
  // Belt and braces: whatever a library opened without O_CLOEXEC does not reach the app.
  ::syscall(SYS_close_range, 3U + static_cast<unsigned>(plan.inherited_count), ~0U, CLOSE_RANGE_CLOEXEC);
  // Drop privileges before chdir, so the app's own permissions decide what it may enter.
  if (req.switch_user) {
    if (::syscall(SYS_setgroups, req.groups.size(), req.groups.data()) != 0 || ::syscall(SYS_setgid, req.gid) != 0 ||
        ::syscall(SYS_setuid, req.uid) != 0)
      child_fail(report_fd, kSwitchUser);
  }
  if (::chdir(req.cwd.c_str()) != 0) child_fail(report_fd, kChdir);
  ::execve(req.executable.c_str(), plan.argv, plan.envp);
  child_fail(report_fd, kExec);
}

// The child shares the daemon's memory until it execs, and the daemon waits (what posix_spawn
// does): nothing of pmd's address space is copied, nor torn down again by the exec (2.5 ms per
// launch measured on a small VM). Where it can, clone3 starts it in its cgroup as well: a process
// that moves itself into one waits for the kernel's cgroup membership lock (3.7 ms measured);
// one born there does not. Its stack is made once: the daemon has one thread, and it waits while
// a child runs on the stack.
constexpr std::size_t kChildStack = 64 * 1024;
void* g_child_stack = nullptr;
bool g_have_clone3 = true;  // false once the kernel (or a seccomp filter) refused clone3

[[gnu::no_sanitize_address]] int child_entry(void* plan) { run_child(*static_cast<const ChildPlan*>(plan)); }

// The lowest address of the child's stack (kChildStack bytes above a guard page), or null when
// no memory could be had for it.
char* child_stack() {
  static const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  if (!g_child_stack) {
    void* region =
        ::mmap(nullptr, page + kChildStack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (region == MAP_FAILED) return nullptr;
    if (::mprotect(region, page, PROT_NONE) != 0) {  // a guard below the stack: an overflow faults
      ::munmap(region, page + kChildStack);
      return nullptr;
    }
    g_child_stack = region;
  }
  return static_cast<char*>(g_child_stack) + page;
}

// One way, as asked; -1 with errno when it cannot. clone3 starts the child in its cgroup unless
// the kernel refused that once; every other way has the child join it.
pid_t start_child_by(ChildPlan& plan, SpawnMethod method, char* stack) {
  const int cgroup_fd = plan.req->cgroup_fd;
  const bool born_in_cgroup = method == SpawnMethod::kClone3 && cgroup_fd >= 0 && g_clone_into_cgroup;
  plan.join_cgroup = cgroup_fd >= 0 && !born_in_cgroup;
  if (!stack && method != SpawnMethod::kFork) {
    errno = ENOMEM;
    return -1;
  }
  switch (method) {
    case SpawnMethod::kClone3:
      return clone_sharing_memory(child_entry, &plan, stack, kChildStack, born_in_cgroup ? cgroup_fd : -1);
    case SpawnMethod::kClone: return ::clone(child_entry, stack + kChildStack, CLONE_VM | CLONE_VFORK | SIGCHLD, &plan);
    case SpawnMethod::kFork:
    case SpawnMethod::kFastest: break;
  }
  pid_t pid = ::fork();
  if (pid == 0) run_child(plan);
  return pid;
}

pid_t start_child(ChildPlan& plan, SpawnMethod method) {
  char* stack = child_stack();
  if (method != SpawnMethod::kFastest) return start_child_by(plan, method, stack);
  if (!stack) return start_child_by(plan, SpawnMethod::kFork, nullptr);  // no memory for a stack: a copy
  if (!g_have_clone3 || !can_clone_sharing_memory()) return start_child_by(plan, SpawnMethod::kClone, stack);
  const bool asked_cgroup = plan.req->cgroup_fd >= 0 && g_clone_into_cgroup;
  pid_t pid = start_child_by(plan, SpawnMethod::kClone3, stack);
  if (pid >= 0 || errno == EAGAIN || errno == ENOMEM) return pid;
  // What the kernel refuses once is not asked again: a cgroup that cannot take children at
  // birth (they join it), or clone3 itself.
  if (asked_cgroup && errno != ENOSYS)
    g_clone_into_cgroup = false;
  else
    g_have_clone3 = false;
  return start_child(plan, SpawnMethod::kFastest);
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
  // LISTEN_PID must be the child's own pid, known only after it exists: the child writes its
  // digits into this buffer, prepared here because the child may not allocate.
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
  ChildPlan plan{&req,       argv.data(),     envp.data(),
                 out[1],     err[1],          report[1],
                 pass_count, inherited_count, pass_count > 0 ? listen_pid.data() + 11 : nullptr,
                 false};

  // Signals stay blocked until the child has reset their handlers, so no handler of the daemon
  // runs in the child.
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  const pid_t pid = start_child(plan, req.method);
  int fork_errno = errno;
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  close_quietly(out[1]);
  close_quietly(err[1]);
  close_quietly(report[1]);
  if (pid < 0) {
    for (int fd : {out[0], err[0], report[0]}) close_quietly(fd);
    return std::string("cannot start a process: ") + std::strerror(fork_errno);
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
