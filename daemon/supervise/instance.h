// One supervised process of an app: the I/O shell around the instance table (instance_table.h).
// It turns what happens (a request, an exit, EOF on the output, a timer) into events, and carries
// out the actions the table answers with through ProcessOps. An instance is finished only when
// its process is reaped AND its stdout and stderr reached EOF (or a drain deadline passed), so
// the last lines of a crash are always in the log.
#pragma once

#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without including it

#include "handover/holder_link.h"
#include "loop/async_event.h"
#include "process/process_ops.h"
#include "supervise/app_runtime.h"
#include "supervise/instance_table.h"
#include "supervise/readiness.h"
#include "supervise/restart_policy.h"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pmd {

class JsonWriter;

class NodeIpcChannel;

struct Transition {
  std::chrono::system_clock::time_point at;
  InstanceState from, to;
  std::string reason;
};

class Instance : public std::enable_shared_from_this<Instance> {
 public:
  /// Grace given to leftover processes holding the output pipes after SIGKILL.
  static constexpr std::chrono::milliseconds kDrainDeadline{1000};

  /// `ops` is shared: an instance may outlive its supervisor in a coroutine frame at shutdown.
  Instance(boost::asio::io_context& io, std::shared_ptr<ProcessOps> ops, std::shared_ptr<AppRuntime> app,
           InstanceIdentity who);
  ~Instance();
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  /// Starts the process now (from stopped, errored or waiting restart; a start asked while it
  /// stops runs it again once it is down). Returns an error sentence if it could not be exec'd;
  /// the instance is then errored.
  std::string launch(const std::string& reason);

  /// Asks the process tree to stop: kill_signal to the group (or the 'shutdown' message with
  /// shutdown_with_message), SIGKILL after kill_timeout. A stop wins over a restart under way.
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
  /// Forgets the crash history without counting a restart (a stopped app started again).
  void forget_crash_history() { history_ = {}; }
  /// `pmctl reset`: restarts, memory restarts and unstable restarts back to zero.
  void reset_counters();
  /// Sends `signo` to the instance's main process only, as PM2's sendSignal does. False when
  /// there is no process.
  bool send_signal(int signo);

  /// Records a CPU/memory sample for the instance's process tree.
  void record_usage(double cpu_percent, std::uint64_t cpu_ticks, std::uint64_t rss_bytes, int processes);

  /// Whether it was last asked to stop (pmctl stop), rather than having exited by itself.
  bool stopped_by_request() const { return stop_requested_; }

  InstanceState state() const { return lifecycle::status_of(phase_); }
  lifecycle::Phase phase() const { return phase_; }
  bool is_running() const { return tree_.main > 0; }
  pid_t pid() const { return tree_.main; }
  /// This launch's PMD_UNIT marker (inherited by everything it starts).
  const std::string& unit() const { return tree_.unit; }
  const InstanceIdentity& identity() const { return who_; }
  const AppRuntime& app() const { return *app_; }
  int restarts() const { return restarts_; }
  int memory_restarts() const { return memory_restarts_; }

  /// The row `list` shows, and with `detailed` everything `describe` shows (instance_view.cpp).
  nlohmann::json view(bool detailed) const;
  /// The `list` row (view(false), with `retiring` when true) written straight into `out`.
  void write_list_row(JsonWriter& out, bool retiring) const;

  // ---- across a change of pmd (instance_handover.cpp) ----
  /// What the fd holder keeps for this instance (format handover::kFormat), and its fds.
  nlohmann::json handover_record() const;
  std::vector<std::pair<char, int>> handover_fds() const;
  /// Continues from a record a previous pmd left (after its crash, a kill or an upgrade): the
  /// same process if it still runs (checked by start time and launch marker), its counters,
  /// status and output pipes (with what the holder kept of them). Takes the fds it uses.
  void adopt(const nlohmann::json& record, std::vector<handover::HeldFd>& fds, const std::string& how);
  /// Its record reached the holder (an unfinished line too long for the output board is safe).
  void record_delivered();
  /// Called after every change worth handing over (set by the supervisor): true for a change of
  /// state, false when only the unfinished line of its output changed.
  void on_change(std::function<void(bool state)> hook) { on_change_ = std::move(hook); }
  /// Called with every transition recorded (the dashboard charts some of them).
  void on_transition(std::function<void(const Instance&, const Transition&)> hook) { on_transition_ = std::move(hook); }
  /// Names this instance's record in the fd holder.
  void set_serial(std::uint64_t serial) { serial_ = serial; }
  std::uint64_t serial() const { return serial_; }
  /// Before an upgrade's exec: the output readers stop once what they already read is written,
  /// leaving the rest in the pipes. output_parked() says when both have.
  void park_output();
  bool output_parked() const;
  /// The exec failed: reading goes on.
  void resume_output();
  /// Lines of output the holder had to drop while no pmd read them.
  std::uint64_t lines_lost() const { return lines_lost_; }

 private:
  template <typename Sink>
  void visit_list_row(Sink& put, bool retiring) const;
  using Event = lifecycle::Event;
  using Action = lifecycle::Action;
  using Answer = std::optional<std::pair<Event, std::string>>;
  struct OutputPipes;
  /// What the restart policy is asked about after a launch ended by itself.
  struct Crash {
    policy::ExitStatus exit;
    std::chrono::milliseconds uptime{0};
    std::string extra;  // why, when it never ran (a failed exec)
  };

  /// Whether the table gives `event` a meaning in the current phase.
  bool accepts(Event event) const { return !lifecycle::transition(phase_, event).ignored; }
  /// Feeds `event` (with `note`, the reason shown if it changes the status) to the table and
  /// carries out its actions, and the events those answer with, in order.
  void handle(Event event, std::string note = {});
  Answer perform(Action action);
  Answer spawn();
  Answer consult_policy();
  void clean_up();
  /// What clean_up left for after the event: the old launch's leftovers killed, its pid file and
  /// cgroup released. Deferred so that a replacement launched in the same event is exec'd first.
  void release_previous_launch();
  void record(Event event, const std::string& note);
  void arm(Event deadline, std::chrono::milliseconds after);
  void on_deadline(Event deadline);
  void on_exit(int wait_status);
  void on_pipe_closed(std::uint64_t generation);
  void on_ipc_message(std::uint64_t generation, const nlohmann::json& message);
  void become_ready(const std::string& how);
  /// kill_signal to the tree, or the 'shutdown' message with shutdown_with_message.
  void deliver_stop_signal();
  /// The preload finished draining (or ran out of time): the stop signal follows, and
  /// kill_timeout counts from it.
  void drained(const std::string& how);
  /// The preload asks for a shared socket for the address the app listens on (no port was known
  /// before the app ran): bind it once for the whole app, or hand over the one already bound.
  void answer_listen_request(const nlohmann::json& request);
  /// One step of a pipe's reader, at its start or after a wait that ended with `waited`: reads
  /// what the pipe holds, then waits for more (or yields its turn), until EOF or parking.
  void pump_reader(const std::shared_ptr<OutputPipes>& pipes, bool is_stderr, const boost::system::error_code& waited);
  /// EOF: the unfinished line is written, and the pipe counts as closed.
  void end_reader(OutputPipes& pipes, bool is_stderr);
  /// Reads what the pipe holds, a bounded number of chunks, writing every line completed.
  enum class PipeRead { kEmpty, kMore, kEnd };
  static constexpr std::size_t kReadChunk = 64 * 1024;
  static constexpr int kReadsPerTurn = 4;
  PipeRead read_available(OutputPipes& pipes, bool is_stderr);
  /// One reader per pipe of the current launch.
  void start_readers();

  boost::asio::io_context& io_;
  std::shared_ptr<ProcessOps> ops_;
  std::shared_ptr<AppRuntime> app_;
  InstanceIdentity who_;

  lifecycle::Phase phase_ = lifecycle::Phase::kStopped;
  ProcessTree tree_;
  std::unique_ptr<ProcessTree> previous_;  // a launch cleaned up, not yet released (see clean_up)
  std::uint64_t generation_ = 0;           // bumps at each launch; stale pipe and IPC events are ignored
  std::shared_ptr<OutputPipes> pipes_;
  std::shared_ptr<NodeIpcChannel> ipc_;  // Node apps: the channel of the current launch
  std::unique_ptr<DeadlineTimer> timer_;
  // Node apps with pmd's preload are drained before the stop signal (node_preload.js): this
  // timer (made on first use) bounds the drain, and the signal is pending until it ends.
  std::unique_ptr<DeadlineTimer> drain_timer_;
  bool has_preload_ = false;
  bool stop_signal_pending_ = false;
  AsyncEvent changed_;

  std::string launch_reason_;    // what the next spawn is for ("restarted after crash")
  std::string spawn_error_;      // why the last spawn failed
  bool killed_ = false;          // SIGKILL was sent to this launch's tree
  bool stop_requested_ = false;  // the last request was a stop
  Crash crash_;
  std::chrono::milliseconds restart_delay_{0};

  policy::ReadinessPlan readiness_;
  bool ready_timed_out_ = false;  // the deadline passed without the awaited signal
  std::string ready_how_;         // how the current launch became ready
  std::string reload_error_;

  std::chrono::steady_clock::time_point started_at_{};
  std::chrono::system_clock::time_point started_wall_{};
  int restarts_ = 0;
  int memory_restarts_ = 0;
  policy::RestartHistory history_;
  std::optional<policy::ExitStatus> last_exit_;
  std::chrono::system_clock::time_point last_exit_at_{};
  InstanceState status_ = InstanceState::kStopped;  // as last recorded
  std::string status_reason_;
  std::vector<Transition> transitions_;  // the last kKeptTransitions (a deque's first block is 512 bytes)

  std::uint64_t start_ticks_ = 0;  // the process's start time (/proc): with the pid, one process
  bool readiness_shares_ = false;  // the launch shared the app's socket (a readiness fact)
  std::uint64_t lines_lost_ = 0;   // output dropped by the holder while no pmd read it
  std::function<void(bool state)> on_change_;
  std::function<void(const Instance&, const Transition&)> on_transition_;
  std::uint64_t serial_ = 0;

  double cpu_percent_ = 0;
  std::uint64_t memory_bytes_ = 0;
  int processes_ = 0;            // in the tree at the last sample
  std::uint64_t cpu_ticks_ = 0;  // the tree's CPU time at the last sample
};

}  // namespace pmd
