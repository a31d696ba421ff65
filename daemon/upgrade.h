// Upgrading pmd in place (`pmctl update`, SIGUSR2, `pmd --upgrade`): the running image execs the
// new binary in the same process, so the apps stay its children and nothing is restarted. What
// must stay open crosses the exec (the locks that make it the one daemon of its home, and the
// control socket, whose backlog keeps clients waiting instead of refused); everything else
// (the apps' pipes, channels and sockets, with their records) goes through the fd holder, the
// same path as a recovery after a crash. The new binary is tried first (`--handover-format`),
// and a new image that cannot take over execs the previous binary again.
#pragma once

#include <string>
#include <vector>

namespace pmd {

/// Set by the image that execs, read (and removed) by the next one.
inline constexpr const char* kUpgradeVariable = "PMD_UPGRADE_FDS";

struct Inherited {
  bool present = false;
  int flock_fd = -1;      // PMD_HOME/pmd.lock, flock'ed
  int name_fd = -1;       // the abstract name that makes this the one daemon of its home
  int rpc_fd = -1;        // the listening control socket
  int previous_exe = -1;  // the binary that exec'd us, to go back to
  std::string from_version;
};

/// What the previous image handed over, if this image was exec'd by an upgrade.
Inherited take_inherited();

/// Empty if `binary` can take over from this pmd (it runs and reads our handover format), else
/// why not. Bounded: a binary that hangs is refused after 5 s.
std::string probe_upgrade(const std::string& binary);

/// Execs `binary` with `argv`, passing `fds` across. Returns only on failure, with why (the
/// fds are close-on-exec again then).
std::string exec_image(const std::string& binary, int binary_fd, const std::vector<std::string>& argv,
                       const Inherited& fds);

/// This binary's path for SIGUSR2 and `pmd --upgrade` (what the package manager replaces).
std::string own_binary_path();

}  // namespace pmd
