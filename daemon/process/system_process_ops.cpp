// SystemProcessOps: what Instance::launch, signal_tree and find_escapees used to do inline.
#include "process/system_process_ops.h"

#include "process/node_ipc_channel.h"
#include "process/pid_file.h"
#include "process/proc_table.h"
#include "process/spawner.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <unordered_map>

namespace pmd {

namespace asio = boost::asio;

namespace {

class AsioDeadlineTimer : public DeadlineTimer {
 public:
  explicit AsioDeadlineTimer(asio::io_context& io) : timer_(io), armed_(std::make_shared<std::uint64_t>(0)) {}
  ~AsioDeadlineTimer() override {
    try {
      cancel();
    } catch (const std::exception&) {
      // Cancelling can only fail if the timer is broken; nothing left to wake then.
    }
  }

  void arm(std::chrono::milliseconds after, std::function<void()> fire) override {
    timer_.expires_after(after);
    // The handler may run after this timer is gone (cancellation is delivered later): it only
    // touches the shared counter, which says whether it is still the armed one.
    timer_.async_wait([armed = armed_, mine = ++*armed_, fire = std::move(fire)](const boost::system::error_code& ec) {
      if (!ec && *armed == mine) fire();
    });
  }
  void cancel() override {
    ++*armed_;
    timer_.cancel();
  }

 private:
  asio::steady_timer timer_;
  std::shared_ptr<std::uint64_t> armed_;
};

// Processes that left the process group (setsid) are found as descendants of the main process.
// Those whose parent died (a double fork) were reparented to pmd, the child subreaper: they are
// recognised by the launch's PMD_UNIT marker in their environment.
void find_escapees(ProcessTree& tree) {
  auto table = read_proc_table();
  std::vector<pid_t> roots;
  if (tree.main > 0) roots.push_back(tree.main);
  const pid_t daemon = ::getpid();
  std::unordered_map<pid_t, pid_t> group_of;
  for (const auto& e : table) {
    group_of[e.pid] = e.pgid;
    if (!tree.unit.empty() && e.ppid == daemon && e.pid != tree.main &&
        environment_value(e.pid, "PMD_UNIT") == tree.unit)
      roots.push_back(e.pid);
  }
  auto found = descendants_of(table, roots);
  found.insert(found.end(), roots.begin() + (tree.main > 0 ? 1 : 0), roots.end());
  for (pid_t p : found) {
    auto it = group_of.find(p);
    if (it != group_of.end() && it->second != tree.pgid &&
        std::find(tree.escaped.begin(), tree.escaped.end(), p) == tree.escaped.end())
      tree.escaped.push_back(p);
  }
}

}  // namespace

SystemProcessOps::SystemProcessOps(asio::io_context& io, ChildReaper& reaper, std::string notify_socket)
    : io_(io),
      reaper_(reaper),
      notify_socket_(std::move(notify_socket)),
      node_preload_(node_preload_path()),
      cgroups_(CgroupTree::create()),
      orphans_(io) {}

std::variant<LaunchedProcess, std::string> SystemProcessOps::launch(const AppSpec& spec, const InstanceIdentity& who,
                                                                    const ClusterSocket& socket) {
  const bool node = is_node_app(spec);
  const std::uint64_t launch_number = ++launches_;
  LaunchExtras extras;
  extras.node_preload = node_preload_;
  extras.notify_socket = notify_socket_;
  extras.unit = std::to_string(::getpid()) + "." + std::to_string(who.id) + "." + std::to_string(launch_number);
  extras.socket = socket;
  std::shared_ptr<NodeIpcChannel> ipc = node ? NodeIpcChannel::create(io_) : nullptr;
  if (ipc) extras.ipc_fd = ipc->child_end();
  auto request = make_spawn_request(spec, who, extras);
  if (auto* error = std::get_if<std::string>(&request)) return *error;
  auto& req = std::get<SpawnRequest>(request);
  std::string leaf = cgroups_ ? cgroups_->make_leaf(std::to_string(who.id) + "." + std::to_string(launch_number)) : "";
  if (!leaf.empty()) req.cgroup_fd = ::open(leaf.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  auto spawned = spawn_process(req);
  if (req.cgroup_fd >= 0) ::close(req.cgroup_fd);
  if (ipc) ipc->child_end_passed();
  if (auto* error = std::get_if<std::string>(&spawned)) {
    if (!leaf.empty()) cgroups_->retire(leaf);
    return *error;
  }
  const auto& p = std::get<SpawnedProcess>(spawned);
  LaunchedProcess launched;
  launched.pid = p.pid;
  launched.stdout_fd = p.stdout_fd;
  launched.stderr_fd = p.stderr_fd;
  launched.cgroup = leaf;
  launched.unit = extras.unit;
  launched.ipc = ipc;
  launched.node = node;
  if (auto entry = read_proc_entry(p.pid)) launched.start_ticks = entry->start_ticks;
  launched.node_preload = node && !node_preload_.empty() && spec.exec_mode == "cluster";  // as launch_plan gives it
  if (!spec.pid_file.empty()) {
    // A pid file that cannot be written is reported, not fatal: the app runs all the same.
    launched.pid_file = instance_pid_path(spec.pid_file, who.id);
    if (auto error = write_pid_file(launched.pid_file, file_owner(spec), p.pid); !error.empty()) {
      spdlog::warn("app {} [id {}]: {}", spec.name, who.id, error);
      launched.pid_file.clear();
    } else {
      launched.pid_file_owner = file_owner(spec);
    }
  }
  return launched;
}

void SystemProcessOps::watch_exit(pid_t pid, std::function<void(int)> on_exit) {
  // Our child (anything we launched, also across our own re-exec): reaped, its status known.
  // An app adopted after a crash of the previous pmd has another parent now.
  auto entry = read_proc_entry(pid);
  if (!entry || entry->ppid == ::getpid() || entry->state == 'Z') return reaper_.watch(pid, std::move(on_exit));
  if (!orphans_.watch(pid, on_exit))
    asio::post(io_, [on_exit = std::move(on_exit)] { on_exit(PidfdWatcher::kUnknownStatus); });
}

void SystemProcessOps::forget(pid_t pid) {
  reaper_.forget(pid);
  orphans_.forget(pid);
}

void SystemProcessOps::signal(ProcessTree& tree, int signo) {
  if (tree.pgid > 0) ::kill(-tree.pgid, signo);
  // The cgroup holds everything the launch started, whatever it did to hide; without one, the
  // processes outside the group are looked for (and remembered for the SIGKILL that may follow).
  if (!tree.cgroup.empty()) {
    if (signo == SIGKILL)
      cgroup_kill(tree.cgroup);
    else
      for (pid_t p : cgroup_pids(tree.cgroup)) ::kill(p, signo);
    return;
  }
  find_escapees(tree);
  for (pid_t p : tree.escaped) ::kill(p, signo);
}

void SystemProcessOps::signal_process(pid_t pid, int signo) { ::kill(pid, signo); }

void SystemProcessOps::release(ProcessTree& tree) {
  if (!tree.pid_file.empty()) remove_pid_file(tree.pid_file, tree.pid_file_owner);
  tree.pid_file.clear();
  if (!tree.cgroup.empty() && cgroups_) cgroups_->retire(tree.cgroup);
  tree.cgroup.clear();
  tree.escaped.clear();
}

std::unique_ptr<DeadlineTimer> SystemProcessOps::make_timer() { return std::make_unique<AsioDeadlineTimer>(io_); }

void SystemProcessOps::sweep() {
  if (cgroups_) cgroups_->sweep();
}

bool SystemProcessOps::sweep_pending() const { return cgroups_ && cgroups_->sweep_pending(); }

}  // namespace pmd
