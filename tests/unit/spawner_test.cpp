// spawn_process against real children, every way it can start one (shared-memory clone3 into a
// cgroup, glibc's clone, fork): each must give the same process, since which one runs depends on
// the kernel and the architecture of the machine pmd lands on.
#include "process/spawner.h"
#include "process/cgroup.h"
#include "process/clone_child.h"
#include "skip.h"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

using namespace pmd;
using namespace pmd::test;

namespace {

std::vector<SpawnMethod> methods_here() {
  std::vector<SpawnMethod> methods{SpawnMethod::kFastest, SpawnMethod::kClone, SpawnMethod::kFork};
  if (can_clone_sharing_memory()) methods.push_back(SpawnMethod::kClone3);
  return methods;
}

const char* method_name(SpawnMethod method) {
  switch (method) {
    case SpawnMethod::kFastest: return "fastest";
    case SpawnMethod::kClone3: return "clone3";
    case SpawnMethod::kClone: return "clone";
    case SpawnMethod::kFork: return "fork";
  }
  return "?";
}

struct Finished {
  std::string out;
  int status = -1;
};

// Everything the child printed on stdout, then its wait status.
Finished finish(const SpawnedProcess& p) {
  Finished f;
  char buffer[4096];
  for (ssize_t n; (n = ::read(p.stdout_fd, buffer, sizeof buffer)) > 0;) f.out.append(buffer, n);
  ::close(p.stdout_fd);
  ::close(p.stderr_fd);
  ::waitpid(p.pid, &f.status, 0);
  return f;
}

// Checked without the code under test: a plain fork that becomes nobody and execs /bin/true.
bool nobody_can_run_programs() {
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(2);
    ::execl("/bin/true", "true", static_cast<char*>(nullptr));
    ::_exit(3);
  }
  int status = 0;
  return pid > 0 && ::waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

SpawnRequest request(std::string executable, std::vector<std::string> argv) {
  SpawnRequest r;
  r.executable = std::move(executable);
  r.argv = std::move(argv);
  r.envp = {"PATH=/usr/bin:/bin", "MARK=spawned"};
  r.cwd = "/tmp";
  return r;
}

}  // namespace

TEST_CASE("every way of starting a child gives the same process: argv, env, cwd, fds, pid, signals", "[spawner]") {
  // What the daemon has changed for itself must not reach the app: an ignored and a blocked signal.
  struct sigaction ignore {
  }, previous_action{};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGUSR1, &ignore, &previous_action);
  sigset_t usr2, previous_mask;
  sigemptyset(&usr2);
  sigaddset(&usr2, SIGUSR2);
  ::sigprocmask(SIG_BLOCK, &usr2, &previous_mask);
  const int passed = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const int kept_from_app = ::open("/dev/null", O_RDONLY);  // not close-on-exec: close_range must catch it
  REQUIRE(passed >= 0);
  REQUIRE(kept_from_app >= 0);

  for (SpawnMethod method : methods_here()) {
    INFO(method_name(method));
    auto req = request("/bin/sh", {"sh", "-c",
                                   "echo \"$LISTEN_PID $$ $LISTEN_FDS $MARK $(pwd)\"; "
                                   "[ -e /proc/$$/fd/3 ] && echo fd3; [ -e /proc/$$/fd/$STRAY ] || echo no-stray; "
                                   "grep -E '^Sig(Ign|Blk)' /proc/self/status; "
                                   "[ \"$(cut -d' ' -f6 /proc/$$/stat)\" = \"$$\" ] && echo own-session"});
    req.pass_fds = {passed};
    req.envp.push_back("STRAY=" + std::to_string(kept_from_app));
    req.method = method;
    auto spawned = spawn_process(req);
    REQUIRE(std::holds_alternative<SpawnedProcess>(spawned));
    const SpawnedProcess p = std::get<SpawnedProcess>(spawned);
    const Finished f = finish(p);
    CHECK(WIFEXITED(f.status));
    const std::string pid = std::to_string(p.pid);
    CHECK_THAT(f.out, Catch::StartsWith(pid + " " + pid + " 1 spawned /tmp\n"));
    CHECK_THAT(f.out, Catch::Contains("fd3\nno-stray\n"));
    CHECK_THAT(f.out, Catch::Contains("SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n"));
    CHECK_THAT(f.out, Catch::EndsWith("own-session\n"));
  }
  ::close(passed);
  ::close(kept_from_app);
  ::sigprocmask(SIG_SETMASK, &previous_mask, nullptr);
  ::sigaction(SIGUSR1, &previous_action, nullptr);
}

TEST_CASE("every way of starting a child reports a step that failed as a sentence", "[spawner]") {
  for (SpawnMethod method : methods_here()) {
    INFO(method_name(method));
    auto missing = request("/nonexistent/app", {"app"});
    missing.method = method;
    auto r = spawn_process(missing);
    REQUIRE(std::holds_alternative<std::string>(r));
    CHECK(std::get<std::string>(r) == "cannot execute /nonexistent/app: No such file or directory");

    auto no_cwd = request("/bin/true", {"true"});
    no_cwd.cwd = "/nonexistent/dir";
    no_cwd.method = method;
    r = spawn_process(no_cwd);
    REQUIRE(std::holds_alternative<std::string>(r));
    CHECK(std::get<std::string>(r) == "cannot enter /nonexistent/dir: No such file or directory");
  }
}

TEST_CASE("every way of starting a child puts it in its launch's cgroup before it runs", "[spawner][cgroup]") {
  auto tree = CgroupTree::create();
  if (!tree) PMD_SKIP(Need::kCgroup2, "no cgroup v2 subtree this test may manage");
  int n = 0;
  for (SpawnMethod method : methods_here()) {
    INFO(method_name(method));
    const std::string leaf = tree->make_leaf("spawn" + std::to_string(n++));
    REQUIRE_FALSE(leaf.empty());
    auto req = request("/bin/cat", {"cat", "/proc/self/cgroup"});
    req.cgroup_fd = ::open(leaf.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    REQUIRE(req.cgroup_fd >= 0);
    req.method = method;
    auto spawned = spawn_process(req);
    ::close(req.cgroup_fd);
    REQUIRE(std::holds_alternative<SpawnedProcess>(spawned));
    const Finished f = finish(std::get<SpawnedProcess>(spawned));
    // "0::/…/pmd-<pid>/spawnN": the leaf's path below the cgroup2 mount.
    CHECK_THAT(f.out, Catch::Contains(leaf.substr(leaf.rfind("/pmd-")) + "\n"));
    tree->retire(leaf);
  }
}

TEST_CASE("every way of starting a child switches it to the app's user before it runs", "[spawner]") {
  if (::geteuid() != 0) PMD_SKIP(Need::kRoot, "switching users needs root");
  if (!nobody_can_run_programs()) PMD_SKIP(Need::kOtherUser, "nobody cannot run /bin/true here (a root-only tree?)");
  for (SpawnMethod method : methods_here()) {
    INFO(method_name(method));
    // /proc/self/status of the exec'd program: the ids it runs with, all of them.
    auto req = request("/bin/grep", {"grep", "-E", "^(Uid|Gid|Groups)", "/proc/self/status"});
    req.switch_user = true;
    req.uid = 65534;
    req.gid = 65534;
    req.groups = {65534, 65533};
    req.cwd = "/";
    req.method = method;
    auto spawned = spawn_process(req);
    if (auto* error = std::get_if<std::string>(&spawned)) FAIL(*error);
    const Finished f = finish(std::get<SpawnedProcess>(spawned));
    CHECK(f.out == "Uid:\t65534\t65534\t65534\t65534\nGid:\t65534\t65534\t65534\t65534\nGroups:\t65533 65534 \n");
  }
}
