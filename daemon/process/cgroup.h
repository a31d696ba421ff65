// Per-launch cgroups (v2), where pmd may create them (root, or a subtree delegated by systemd):
// every process an instance starts stays in its cgroup whatever it does (setsid, double fork,
// a cleared environment), and cgroup.kill ends them all at once. Where cgroups are not usable,
// pmd works without them (process group, /proc walk, PMD_UNIT marker).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

namespace pmd {

class CgroupTree {
 public:
  /// pmd's subtree, a child of the cgroup pmd runs in; nullptr when cgroup v2 is not mounted,
  /// not writable, or has no cgroup.kill (Linux < 5.14).
  static std::unique_ptr<CgroupTree> create();
  ~CgroupTree();
  CgroupTree(const CgroupTree&) = delete;
  CgroupTree& operator=(const CgroupTree&) = delete;

  /// A new leaf for one launch (its path), or "" if it cannot be made.
  std::string make_leaf(const std::string& name);
  /// Removes a leaf once its processes are gone; leaves still busy are retried by sweep().
  void retire(const std::string& leaf);
  void sweep();
  /// Whether some retired leaf still waits for sweep().
  bool sweep_pending() const { return !retired_.empty(); }

  const std::string& base() const { return base_; }

 private:
  explicit CgroupTree(std::string base) : base_(std::move(base)) {}
  std::string base_;
  std::vector<std::string> retired_;
};

/// The processes in a leaf.
std::vector<pid_t> cgroup_pids(const std::string& leaf);
/// SIGKILL to every process in the leaf, by the kernel, at once.
bool cgroup_kill(const std::string& leaf);

}  // namespace pmd
