// One supervised process of an app and its state machine:
//   launching -> online -> stopping -> stopped, waiting_restart between crashes, errored when the
// restart budget is spent. The desired state (should it run?) is kept apart from the observed one.
// An instance is finished only when its process is reaped AND its stdout and stderr reached EOF
// (or a drain deadline passed), so the last lines of a crash are always in the log.
#pragma once

#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without including it

#include "app_log.h"
#include "app_spec.h"
#include "async_event.h"
#include "cgroup.h"
#include "child_reaper.h"
#include "launch_plan.h"
#include "node_ipc_channel.h"
#include "readiness.h"
#include "restart_policy.h"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <deque>
#include <map>
#include <variant>
#include <memory>
#include <optional>
#include <string>

namespace pmd {

/// What the instances of one app share: the spec they launch from and the log files.
struct AppRuntime {
  explicit AppRuntime(AppSpec s) : spec(std::move(s)), log(spec.name, log_settings_for(spec)) {}
  ~AppRuntime();
  AppRuntime(const AppRuntime&) = delete;
  AppRuntime& operator=(const AppRuntime&) = delete;

  /// Replaces the cluster socket (closing the old one); fd -1 means none.
  void set_listener(ClusterSocket socket);

  /// Whether the instances share a listening address (a socket, or reuseport slots).
  bool has_socket() const { return listener.fd >= 0 || !slots.empty(); }
  bool reuseport() const { return spec.balance == "reuseport"; }
  /// The socket instance `number` inherits: the shared one, or with reuseport its slot's own
  /// (bound on first use, kept across replacements). fd -1 when the app has no address yet.
  std::variant<ClusterSocket, std::string> socket_for(int number);
  /// The address became known from the app's own listen(): bind it (or, with reuseport, note it
  /// for the slots). Returns an error sentence, or empty.
  std::string learn_address(const ListenAddress& address);
  /// Closes whatever is bound and binds `address` (none: fork mode, or not known yet); with
  /// reuseport the first slot is bound at once, so a port in use is reported now. Returns an
  /// error sentence naming the address, or empty.
  std::string use_address(const std::optional<ListenAddress>& address);
  /// Scaling down: closes slot `number`'s socket (reuseport only).
  void close_slot(int number);

  AppSpec spec;
  AppLog log;
  ClusterSocket listener;  // cluster mode: the socket every instance inherits (reuseport: fd -1, the address only)
  std::map<int, ClusterSocket> slots;  // reuseport: one socket per instance number
  std::chrono::system_clock::time_point created_at = std::chrono::system_clock::now();
};

enum class InstanceState { kLaunching, kOnline, kStopping, kStopped, kWaitingRestart, kErrored };
inline constexpr InstanceState kAllInstanceStates[] = {InstanceState::kLaunching, InstanceState::kOnline,
                                                      InstanceState::kStopping,  InstanceState::kStopped,
                                                      InstanceState::kWaitingRestart, InstanceState::kErrored};

/// The names `list` shows, as PM2 spells them.
const char* state_name(InstanceState state);

struct Transition {
  std::chrono::system_clock::time_point at;
  InstanceState from, to;
  std::string reason;
};

class Instance : public std::enable_shared_from_this<Instance> {
 public:
  /// Grace given to leftover processes holding the output pipes after SIGKILL.
  static constexpr std::chrono::milliseconds kDrainDeadline{1000};

  /// `notify_socket` is the daemon's NOTIFY_SOCKET address, given to every process it starts.
  /// `cgroups` (may be null) gives each launch its own cgroup.
  Instance(boost::asio::io_context& io, ChildReaper& reaper, std::shared_ptr<AppRuntime> app, InstanceIdentity who,
           std::string notify_socket, CgroupTree* cgroups = nullptr);
  ~Instance();

  /// Starts the process now (from stopped, errored or waiting_restart). Returns an error sentence
  /// if it could not be exec'd; the instance is then errored.
  std::string launch(const std::string& reason);

  /// Asks the process tree to stop: kill_signal to the group (or the 'shutdown' message with
  /// shutdown_with_message), SIGKILL after kill_timeout.
  void request_stop(const std::string& reason);

  /// The process said it is ready (READY=1 on NOTIFY_SOCKET, matched by pid): `launching` ends.
  void notify_ready(const std::string& how);

  /// Waits while the instance is `launching`. Empty when it became ready by its awaited signal;
  /// otherwise why not (it exited, it was stopped, or the deadline passed without the signal).
  boost::asio::awaitable<std::string> wait_ready();

  /// Takes over the counters of the instance this one replaces (a reload is a restart).
  void continue_counters_of(const Instance& replaced, bool for_memory);
  /// How the current launch became ready ("listening on the shared socket after 80ms").
  const std::string& readiness_note() const { return ready_how_; }
  /// Kept for `describe` after a reload failed on this instance's slot.
  void set_reload_error(std::string text) { reload_error_ = std::move(text); }

  /// Waits until the instance is stopped or errored (after request_stop).
  boost::asio::awaitable<void> wait_until_down();

  /// Replaces a running process gracefully (stop, then start again) for `reason`, e.g. a memory
  /// limit. Counted apart from crashes: it does not consume max_restarts.
  void restart_for(const std::string& reason);

  /// Forgets the restart history (a person restarted it) and counts a restart.
  void reset_restart_history();

  /// Records a CPU/memory sample for the instance's process tree.
  void record_usage(double cpu_percent, std::uint64_t cpu_ticks, std::uint64_t rss_bytes, int processes);

  InstanceState state() const { return state_; }
  bool is_running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  /// This launch's PMD_UNIT marker (inherited by everything it starts).
  const std::string& unit() const { return unit_; }
  const InstanceIdentity& identity() const { return who_; }
  const AppRuntime& app() const { return *app_; }

  /// The row `list` shows, and with `detailed` everything `describe` shows.
  nlohmann::json view(bool detailed) const;

 private:
  enum class TimerPurpose { kNone, kKillEscalation, kDrain, kRestartDelay, kReadyDeadline };
  struct OutputPipes;

  void set_state(InstanceState to, const std::string& reason);
  void signal_tree(int signo);
  void find_escapees();
  void arm_timer(TimerPurpose purpose, std::chrono::milliseconds after);
  void on_timer();
  void on_exit(int wait_status);
  void on_pipe_closed(std::uint64_t generation);
  void on_ipc_message(std::uint64_t generation, const nlohmann::json& message);
  void become_ready(const std::string& how);
  /// The preload asks for a shared socket for the address the app listens on (no port was known
  /// before the app ran): bind it once for the whole app, or hand over the one already bound.
  void answer_listen_request(const nlohmann::json& request);
  void maybe_finish();
  void finish();
  void after_unrequested_exit(const policy::ExitStatus& exit, std::chrono::milliseconds uptime, const std::string& extra);
  boost::asio::awaitable<void> read_pipe(std::shared_ptr<OutputPipes> pipes, bool is_stderr);

  boost::asio::io_context& io_;
  ChildReaper& reaper_;
  std::shared_ptr<AppRuntime> app_;
  InstanceIdentity who_;
  std::string notify_socket_;

  InstanceState state_ = InstanceState::kStopped;
  bool should_run_ = false;  // desired state
  pid_t pid_ = -1;           // the running main process, -1 when reaped
  pid_t pgid_ = -1;          // its group, kept after reaping to kill leftovers
  std::vector<pid_t> escaped_;  // descendants seen outside the group at stop time
  std::string unit_;            // this launch's PMD_UNIT marker, inherited by everything it starts
  CgroupTree* cgroups_ = nullptr;
  std::string cgroup_;          // this launch's cgroup, when pmd can make them
  bool exited_ = true;
  bool killed_ = false;  // SIGKILL sent to this launch's tree
  std::optional<int> exit_wait_status_;
  std::uint64_t generation_ = 0;  // bumps at each launch; stale pipe events are ignored
  std::shared_ptr<OutputPipes> pipes_;
  std::shared_ptr<NodeIpcChannel> ipc_;  // Node apps: the channel of the current launch

  policy::ReadinessPlan readiness_;
  bool ready_timed_out_ = false;  // the deadline passed without the awaited signal
  std::string ready_how_;         // how the current launch became ready
  std::string reload_error_;

  boost::asio::steady_timer timer_;
  TimerPurpose timer_purpose_ = TimerPurpose::kNone;
  std::uint64_t timer_generation_ = 0;
  AsyncEvent changed_;

  std::chrono::steady_clock::time_point started_at_{};
  std::chrono::system_clock::time_point started_wall_{};
  int restarts_ = 0;
  int memory_restarts_ = 0;
  std::optional<std::string> relaunch_reason_;  // set while a restart_for() stop is under way
  policy::RestartHistory history_;
  std::optional<policy::ExitStatus> last_exit_;
  std::chrono::system_clock::time_point last_exit_at_{};
  std::string status_reason_;
  std::deque<Transition> transitions_;

  double cpu_percent_ = 0;
  std::uint64_t memory_bytes_ = 0;
  int processes_ = 0;  // in the tree at the last sample
  std::uint64_t cpu_ticks_ = 0;  // the tree's CPU time at the last sample
};

}  // namespace pmd
