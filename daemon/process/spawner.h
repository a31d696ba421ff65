// fork/exec of one app process: its own session, its cwd and env, stdout/stderr into pipes the
// daemon reads, nothing else inherited. An exec failure comes back as a sentence, not an exit code.
#pragma once

#include <sys/types.h>

#include <string>
#include <variant>
#include <vector>

namespace pmd {

/// How the child comes to be. kFastest picks the first that works here, in this order; the others
/// are for tests, which must see each way give the same process.
enum class SpawnMethod {
  kFastest,
  kClone3,  // shares memory until exec, born in its cgroup (clone3, x86-64 and AArch64)
  kClone,   // shares memory until exec, joins its cgroup itself (glibc's clone)
  kFork,    // a copy of the daemon, joins its cgroup itself
};

struct SpawnRequest {
  std::string executable;         // absolute path given to execve
  std::vector<std::string> argv;  // argv[0] is what `ps` shows
  std::vector<std::string> envp;  // "KEY=VALUE"
  std::string cwd;
  std::vector<int> pass_fds;   // inherited at fd 3, 4, ... with LISTEN_FDS/LISTEN_PID (systemd's protocol)
  std::vector<int> extra_fds;  // inherited right after them, not counted in LISTEN_FDS (an IPC channel)
  int cgroup_fd = -1;          // the launch's cgroup (a directory): the child starts in it
  bool switch_user = false;    // run as uid/gid with these supplementary groups
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
  SpawnMethod method = SpawnMethod::kFastest;
};

struct SpawnedProcess {
  pid_t pid = -1;      // also its process group and session id (setsid)
  int stdout_fd = -1;  // read ends, O_CLOEXEC, owned by the caller
  int stderr_fd = -1;
};

/// Forks and execs. Returns once the child has exec'd (or failed to): the only wait is the
/// child reaching execve, as with posix_spawn. On failure the child has been reaped already.
std::variant<SpawnedProcess, std::string> spawn_process(const SpawnRequest& request);

/// Call once at daemon start, before raising the daemon's own fd limit: children get these back.
void remember_child_rlimits();
/// Apps start with this oom_score_adj (the one pmd had before lowering its own).
void remember_child_oom_score(int score);

}  // namespace pmd
