// The seam between an instance and the operating system: exec, reaping, signals to a launch's
// process tree, cgroups, and timers. SystemProcessOps does the real thing; tests give a fake
// (tests/support/fake_process_ops.h) and drive Instance and Supervisor without processes, the
// way ninja tests its builder with a fake CommandRunner.
#pragma once

#include "app_spec.h"
#include "process/app_credentials.h"
#include "process/launch_plan.h"
#include "process/listeners.h"

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace pmd {

class NodeIpcChannel;

/// One launch as exec'd.
struct LaunchedProcess {
  pid_t pid = -1;      // also its process group
  int stdout_fd = -1;  // read ends, O_CLOEXEC, owned by the instance from now on
  int stderr_fd = -1;
  std::string cgroup;                   // its own cgroup, when pmd can make them
  std::string unit;                     // its PMD_UNIT marker, inherited by everything it starts
  std::shared_ptr<NodeIpcChannel> ipc;  // Node apps: the channel (process.send), else null
  bool node = false;                    // a Node app
  bool node_preload = false;            // it got pmd's preload (so its listen() is seen)
  std::uint64_t start_ticks = 0;        // its start time (/proc), so a later pmd knows it is the same process
  std::string pid_file;                 // written with its pid; removed when the launch is released
  AppCredentials pid_file_owner;        // who it was written as
};

/// Everything of one launch a signal must reach.
struct ProcessTree {
  pid_t main = -1;  // -1 once reaped
  pid_t pgid = -1;  // kept after reaping, for leftovers
  std::string cgroup;
  std::string unit;
  std::vector<pid_t> escaped;  // seen outside the group (without a cgroup), kept for the SIGKILL
  std::string pid_file;        // "" when none was written
  AppCredentials pid_file_owner;
};

/// One pending deadline; arming again replaces it, destroying it cancels it.
class DeadlineTimer {
 public:
  virtual ~DeadlineTimer() = default;
  virtual void arm(std::chrono::milliseconds after, std::function<void()> fire) = 0;
  virtual void cancel() = 0;
};

class ProcessOps {
 public:
  virtual ~ProcessOps() = default;
  /// Execs instance `who` of `spec`, inheriting `socket` (fd -1: none). An error sentence if it
  /// could not be exec'd.
  virtual std::variant<LaunchedProcess, std::string> launch(const AppSpec& spec, const InstanceIdentity& who,
                                                            const ClusterSocket& socket) = 0;
  /// `on_exit` gets the wait status once `pid` is reaped.
  virtual void watch_exit(pid_t pid, std::function<void(int wait_status)> on_exit) = 0;
  virtual void forget(pid_t pid) = 0;
  /// `signo` to the whole tree of a launch: its group, its cgroup or what escaped the group.
  virtual void signal(ProcessTree& tree, int signo) = 0;
  /// `signo` to one process (sendSignal: the app's main process, as PM2).
  virtual void signal_process(pid_t pid, int signo) = 0;
  /// The launch is over: its cgroup is given back.
  virtual void release(ProcessTree& tree) = 0;
  virtual std::unique_ptr<DeadlineTimer> make_timer() = 0;
  /// Periodic housekeeping (cgroups still busy when released are removed later).
  virtual void sweep() = 0;
  /// Whether sweep() has something left to do (so it is called soon, not at rest's pace).
  virtual bool sweep_pending() const { return false; }
  /// Launches are numbered (PMD_UNIT markers, cgroup leaves); a pmd that took over from another
  /// continues after the number it was handed, so no name is used twice.
  virtual std::uint64_t launches() const { return 0; }
  virtual void continue_launches(std::uint64_t) {}
};

}  // namespace pmd
