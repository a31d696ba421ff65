// The real ProcessOps: fork+exec through the spawner, the one ChildReaper, kill(2), cgroup v2
// and the /proc walk for escapees, asio timers.
#pragma once

#include "process/cgroup.h"
#include "process/child_reaper.h"
#include "process/pidfd_watcher.h"
#include "process/process_ops.h"

#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace pmd {

class SystemProcessOps : public ProcessOps {
 public:
  /// `notify_socket` is the daemon's NOTIFY_SOCKET address, given to every process it starts.
  SystemProcessOps(boost::asio::io_context& io, ChildReaper& reaper, std::string notify_socket);

  std::variant<LaunchedProcess, std::string> launch(const AppSpec& spec, const InstanceIdentity& who,
                                                    const ClusterSocket& socket) override;
  void watch_exit(pid_t pid, std::function<void(int wait_status)> on_exit) override;
  void forget(pid_t pid) override;
  void signal(ProcessTree& tree, int signo) override;
  void signal_process(pid_t pid, int signo) override;
  void release(ProcessTree& tree) override;
  std::unique_ptr<DeadlineTimer> make_timer() override;
  void sweep() override;
  bool sweep_pending() const override;
  std::uint64_t launches() const override { return launches_; }
  void continue_launches(std::uint64_t after) override { launches_ = std::max(launches_, after); }

 private:
  boost::asio::io_context& io_;
  ChildReaper& reaper_;
  std::string notify_socket_;
  std::string node_preload_;
  std::unique_ptr<CgroupTree> cgroups_;  // null where cgroup v2 is not usable
  PidfdWatcher orphans_;                 // adopted apps whose parent is no longer pmd
  std::uint64_t launches_ = 0;
};

}  // namespace pmd
