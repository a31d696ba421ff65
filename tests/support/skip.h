// A test that cannot run on this machine says so and is reported by ctest as skipped (the
// process exits 77, ctest's SKIP_RETURN_CODE), never as a pass. What a machine is expected to
// offer is listed in PMD_TEST_REQUIRE (comma-separated names below, or "all"; CI lists all):
// there a skip for a listed need fails the test instead.
#pragma once

#include <string>

namespace pmd::test {

enum class Need {
  kRoot,               // "root": switching users, planting files as another user
  kOtherUser,          // "other-user": an unprivileged user (nobody) who can run the build's programs
  kPromtool,           // "promtool": Prometheus's own checker (scripts/fetch-test-tools.sh)
  kCgroup2,            // "cgroup2": a cgroup v2 subtree pmd may manage
  kMount,              // "mount": mounting a small tmpfs (a full disk)
  kPidNamespace,       // "pidns": a new pid namespace (pmd as PID 1)
  kNoSystemd,          // "no-systemd": a machine without systemd as init
  kServers,            // "servers": gunicorn, uvicorn, puma, python-socketio (Debian's, scripts/install-deps.sh)
  kOomAdjust,          // "oom-adjust": lowering a process's oom_score_adj (CAP_SYS_RESOURCE)
  kSshd,               // "sshd": OpenSSH's server and client (Debian's openssh-server), run as root
  kKubernetesSchemas,  // "k8s-schemas": kubernetes-models from npm (scripts/fetch-test-tools.sh)
  kDockerCompose,      // "docker-compose": Debian's docker-compose, to check Compose files
  kBrowser,            // "browser": Debian's chromium, driven by playwright-core from npm (fetch-test-tools.sh)
};

const char* need_name(Need need);

/// Marks the running test skipped for `why` (or fails it, when `need` is required here). The
/// caller returns right after: use PMD_SKIP.
void skip_test(Need need, const std::string& why);

/// Whether the running test was skipped.
bool current_test_skipped();
/// Whether every test of this run was skipped (the test main then exits 77).
bool all_skipped();

}  // namespace pmd::test

#define PMD_SKIP(need, why)                \
  do {                                     \
    ::pmd::test::skip_test((need), (why)); \
    return;                                \
  } while (false)
