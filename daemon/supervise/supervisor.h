// The registry of apps and their instances. The verbs of the protocol (start, stop, restart,
// delete, list, describe) land here and are carried out on the instances' state machines.
#pragma once

#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without including it

#include "app_spec.h"
#include "handover/holder_link.h"
#include "logs/log_hub.h"
#include "paths.h"
#include "process/child_reaper.h"
#include "process/notify_socket.h"
#include "process/process_ops.h"
#include "rpc/rpc_connection.h"
#include "store/dump_format.h"
#include "supervise/instance.h"
#include "triggers/cron_timer.h"
#include "triggers/file_watcher.h"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace pmd {

class ReadableWatch;

/// Receives one line per step of a reload or scale, as it happens.
using Progress = std::function<void(const std::string& line)>;

/// How `apply` treats an existing app: restart (stop all, start all) or reload (rolling).
enum class ApplyMode { kIfChanged, kRestart, kReload };

class Supervisor {
 public:
  /// Supervises real processes, reaped by `reaper`. A pmd that takes over from another gives
  /// the notify socket it was handed (fd and address), so its apps' NOTIFY_SOCKET still works.
  Supervisor(boost::asio::io_context& io, ChildReaper& reaper, HomePaths paths, int notify_fd = -1,
             std::string notify_address = {});
  ~Supervisor();
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;
  /// Supervises through `ops` (tests give a fake).
  Supervisor(boost::asio::io_context& io, HomePaths paths, std::shared_ptr<ProcessOps> ops);

  /// Registers the app and launches its instances (`launch` false: registers them stopped). If
  /// the first launch fails, nothing stays registered and the error names the reason
  /// (rpc::Error kSpawnFailed).
  nlohmann::json start(AppSpec spec, bool launch = true);
  /// PM2's startOrReload for one app of an ecosystem file: a new app is started; an existing one
  /// whose spec changed (or any, with `force`) gets the new spec and is restarted, with its
  /// instance count adjusted; an unchanged running one is left alone. `update_env` also replaces
  /// the environment inherited from the shell.
  boost::asio::awaitable<nlohmann::json> apply(AppSpec spec, ApplyMode mode, bool update_env, Progress progress = {});
  /// `pmctl stop --watch`: stops watching `target`'s apps (their spec keeps no watch).
  nlohmann::json unwatch(const std::string& target);
  /// `pmctl start api` of an existing app: stopped or errored instances start again (not counted
  /// as a restart), running ones are restarted, as PM2 does.
  boost::asio::awaitable<nlohmann::json> start_existing(const std::string& target);
  boost::asio::awaitable<nlohmann::json> stop(const std::string& target);
  /// Stops and relaunches; with `new_base_env` the apps get that environment (--update-env).
  boost::asio::awaitable<nlohmann::json> restart(const std::string& target, const std::optional<Env>& new_base_env);
  boost::asio::awaitable<nlohmann::json> remove(const std::string& target);
  /// `pmctl reset`: the restart counters of `target`'s instances back to zero.
  nlohmann::json reset_counters(const std::string& target);
  /// `pmctl sendSignal`: `signo` to the main process of each running instance of `target`.
  nlohmann::json send_signal(const std::string& target, int signo);
  /// The specs of the apps `target` names, as they travel (for restart with new flags).
  nlohmann::json specs(const std::string& target) const;
  /// `pmctl env`: per instance {id, name, env}, the environment its launch gives it.
  nlohmann::json environments(const std::string& target) const;

  /// Rolling reload of `target`, `parallel` instances at a time. Cluster apps: each replacement
  /// starts next to the instance it replaces and only once it is ready is the old one stopped;
  /// a replacement that exits or is not ready within listen_timeout is stopped and the reload
  /// aborts (rpc::Error kReloadAborted) with the old instances serving. Fork-mode apps cannot
  /// share a port, so their instances are restarted one after another, each waited on until ready.
  boost::asio::awaitable<nlohmann::json> reload(const std::string& target, int parallel,
                                                const std::optional<Env>& new_base_env, Progress progress);
  /// Sets the number of instances of app `name`: "4", "+2" or "-1". New instances take the
  /// lowest free numbers and are waited on until ready; scaling down stops the highest numbers.
  boost::asio::awaitable<nlohmann::json> scale(const std::string& name, const std::string& how, Progress progress);
  boost::asio::awaitable<void> stop_all();

  /// Every app as `pmctl save` records it, in creation order: spec, instance count, and whether
  /// it should run (any instance not stopped by request).
  std::vector<DumpEntry> snapshot() const;
  /// Brings saved apps back: running ones are started and waited on, stopped ones registered
  /// stopped; an app whose name is taken is left as it is. One row per entry: {name, action,
  /// error?} with action "started", "registered stopped", "already present" or "failed".
  boost::asio::awaitable<nlohmann::json> restore(std::vector<DumpEntry> entries);
  bool empty() const { return apps_.empty(); }
  /// Whether any app has max_memory_restart (its instances are measured every round).
  bool any_memory_limit() const;

  nlohmann::json list() const;
  /// The same list as JSON text, written directly (the same bytes as list()'s dump, faster).
  std::string list_text() const;
  /// The `list` rows of `target`'s instances.
  nlohmann::json describe_list(const std::string& target) const { return views(resolve(target)); }
  /// Why app `name`'s own listen() could not be given its address (a port in use), or "".
  std::string bind_failure(const std::string& name) const;
  /// Waits until every instance of `name` is past `launching`.
  boost::asio::awaitable<void> wait_ready(const std::string& name);
  nlohmann::json describe(const std::string& target) const;

  /// The recent lines of `target` (oldest first, across apps by time), and with `follow` every
  /// new line after them as `log` notifications on `connection` until it closes. A follower too
  /// slow for the stream gets a `log.missed` notification counting what it lost.
  nlohmann::json logs(const std::string& target, std::size_t lines, bool follow,
                      const std::shared_ptr<RpcConnection>& connection);
  /// Empties the log files (and tails) of `target`'s apps.
  nlohmann::json flush_logs(const std::string& target);
  /// Every line of every app, current and started later, also goes to `echo` (`pmd run` prints
  /// them on its own stdout and stderr).
  using LogEcho = LogHub::Echo;
  void echo_logs(LogEcho echo);
  /// Reopens every log file (after an external logrotate moved them).
  void reopen_logs();
  /// Retries log files that failed, and offers paused log followers to take lines again.
  void retry_logs();

  /// Instances with a process, for the monitor to measure.
  std::vector<std::shared_ptr<Instance>> running_instances() const;
  /// The monitor found `inst` over its memory limit: replaced without downtime in cluster mode,
  /// restarted in fork mode; left to the next sample while its app is reloading or scaling.
  void restart_for_memory(const std::shared_ptr<Instance>& inst, const std::string& reason);
  /// Periodic housekeeping of the process layer (cgroups to remove).
  void sweep();
  /// Whether sweep(), retry_logs() or check_holder() has work to do soon (a busy cgroup, a
  /// failed log file, a log follower, a holder that could not be started): the ticks that call
  /// them then keep the sampling interval instead of rest's pace.
  bool upkeep_pending() const;
  /// Called when upkeep becomes pending between ticks (a log write failed, a new holder could
  /// not be started), so that the next tick comes within one interval.
  void on_upkeep_needed(std::function<void()> callback);
  /// Every instance's transitions, as they are recorded (for the dashboard's markers).
  using TransitionObserver = std::function<void(const Instance&, const Transition&)>;
  void observe_transitions(TransitionObserver observer) { *transition_observer_ = std::move(observer); }

  // ---- across a change of pmd (supervisor_handover.cpp) ----
  /// A setting of the daemon itself that must outlive this image (the dashboard's address, when
  /// `pmctl web` turned it on): kept in the daemon's record in the fd holder, so the pmd that
  /// takes over after a crash or an upgrade finds it with daemon_setting().
  void keep_daemon_setting(const std::string& key, nlohmann::json value);
  static nlohmann::json daemon_setting(const std::vector<handover::TakenRecord>& records, const std::string& key);
  /// From now on every change is handed to `holder` (nullptr: no more). Hands everything now.
  void keep_in(handover::HolderLink* holder);
  /// Hands every record to the holder now (a fresh holder, or just before an upgrade's exec).
  void hand_over_everything();
  /// The notify socket in the records a previous pmd left (-1 if none), and its address.
  static int take_notify_fd(std::vector<handover::TakenRecord>& records, std::string& address);
  /// Adopts the apps and instances of the records a previous pmd left; `how` says why ("crash
  /// of pmd", "upgrade"). Returns a summary for the log.
  std::string adopt(std::vector<handover::TakenRecord>& records, const std::string& how);
  /// Before an upgrade's exec: every output reader stops after what it already read (see
  /// Instance::park_output); true once all have.
  void park_output();
  bool output_parked() const;
  void resume_output();
  /// A holder that went away (killed) is replaced, and given everything again.
  void check_holder();
  /// Whether a reload or scale is under way somewhere.
  bool any_busy() const;

 private:
  struct App {
    std::shared_ptr<AppRuntime> runtime;
    std::vector<std::shared_ptr<Instance>> instances;  // one per instance number
    std::vector<std::shared_ptr<Instance>> incoming;   // replacements not yet ready
    std::vector<std::shared_ptr<Instance>> retiring;   // replaced, still draining
    std::uint64_t epoch = 0;                           // renewed when a verb changes the app under a reload's feet
    bool busy = false;                                 // a reload or scale is under way
    std::unique_ptr<FileWatcher> watcher;              // watch: restarts (reloads in cluster mode) on changes
    std::unique_ptr<CronTimer> cron;                   // cron_restart
    std::string last_trigger;                          // what last restarted it by itself, for describe
  };

  /// Marks the app busy for the scope of a reload or scale (throws kAppBusy if it already is).
  class BusyGuard {
   public:
    BusyGuard(Supervisor& sup, std::string name);
    ~BusyGuard();
    BusyGuard(const BusyGuard&) = delete;
    BusyGuard& operator=(const BusyGuard&) = delete;

   private:
    Supervisor& sup_;
    std::string name_;
  };
  /// A replacement started next to `old` (nullptr: a stopped slot started in place).
  struct Swap {
    std::shared_ptr<Instance> old, fresh;
    pid_t fresh_pid = -1;
    std::string error;
  };

  boost::asio::awaitable<nlohmann::json> apply_spec(AppSpec spec, ApplyMode mode, bool update_env, Progress progress);
  /// (Re)creates the app's file watch and cron timer from its spec; an error sentence (a tree too
  /// large to watch, a missing path) leaves it without them.
  std::string arm_triggers(App& app);
  /// A watch or cron_restart fired: running instances restart (a rolling reload in cluster
  /// mode), those that exited by themselves start; instances stopped by request stay stopped.
  void on_trigger(const std::string& name, const std::string& reason);
  boost::asio::awaitable<void> run_trigger(std::string name, std::string reason);
  /// `serial` names its record in the fd holder (0: a new one).
  std::shared_ptr<Instance> make_instance(const std::shared_ptr<AppRuntime>& runtime, InstanceIdentity who,
                                          std::uint64_t serial = 0);
  /// Changes to hand to the holder, flushed once per turn of the loop.
  struct HandoverQueue : std::enable_shared_from_this<HandoverQueue> {
    explicit HandoverQueue(boost::asio::io_context& context) : io(context) {}
    /// `state`: its state changed (false: only the unfinished line of its output).
    void mark_instance(std::uint64_t serial, bool state);
    void post();
    boost::asio::io_context& io;
    std::set<std::uint64_t> instances;
    bool states_changed = false;  // the daemon's and apps' records are compared again
    bool posted = false;
    std::function<void()> flush;  // cleared when the supervisor goes
  };
  void flush_handover();
  /// Watches the connected holder's socket (see holder_watch_); none without a holder.
  void watch_holder();
  nlohmann::json daemon_record() const;
  std::pair<nlohmann::json, std::vector<std::pair<char, int>>> app_record(const App& app, int order) const;
  void on_notify(pid_t sender, const std::map<std::string, std::string>& fields);
  /// Cluster apps: replacements for the instances numbered `batch` start next to them; each
  /// ready one takes its slot and the old one drains. Empty on success, else the first failure.
  boost::asio::awaitable<std::string> replace_batch(const std::string& name, const std::vector<int>& batch,
                                                    std::uint64_t epoch, const std::string& reason,
                                                    const Progress& progress);
  /// Fork-mode apps: the instances numbered `batch` stop, start again, and are waited on.
  boost::asio::awaitable<std::string> restart_batch(const std::string& name, const std::vector<int>& batch,
                                                    std::uint64_t epoch, const std::string& reason,
                                                    const Progress& progress);
  /// Starts a replacement for `old` and registers it as incoming.
  Swap start_replacement(App& app, const std::shared_ptr<Instance>& old, const std::string& reason);
  /// Puts a ready replacement in its slot and asks the old instance to drain.
  void swap_in(App& app, const Swap& swap, const std::string& reason, bool for_memory);
  /// Reloads the instances of one app; throws kReloadAborted after the first failure.
  boost::asio::awaitable<void> roll_app(const std::string& name, const std::vector<int>& numbers, int parallel,
                                        const std::string& reason, const Progress& progress);
  /// Starts or stops instances until app `name` has `wanted`; throws kSpawnFailed if some failed.
  boost::asio::awaitable<void> set_instance_count(const std::string& name, int wanted, const Progress& progress);
  /// Appends the app's replacements not yet ready and its instances still draining.
  static void add_transients(const App& app, std::vector<std::shared_ptr<Instance>>& out);
  /// Tells reloads in flight on these instances' apps that the ground moved (stop, delete...).
  void interrupt_reloads(const std::vector<std::shared_ptr<Instance>>& instances);
  boost::asio::awaitable<void> wait_retired(const std::string& name);
  /// Cluster mode memory limit: replace the instance without downtime (fork mode: restart_for).
  boost::asio::awaitable<void> replace_for_memory(std::string name, std::shared_ptr<Instance> inst, std::string reason);

  /// A target (see supervise/target.h: all, an id, a name, /regex/, a namespace, a script's
  /// path) -> instances; throws rpc::Error(kAppNotFound) with a suggestion when nothing matches.
  std::vector<std::shared_ptr<Instance>> resolve(const std::string& target) const;
  /// The same for a verb that must act on something: "all" of no apps throws too.
  std::vector<std::shared_ptr<Instance>> resolve_some(const std::string& target, const char* verb) const;
  App* find_app(const std::string& name);
  void resolve_log_paths(AppSpec& spec) const;
  nlohmann::json views(const std::vector<std::shared_ptr<Instance>>& instances) const;
  /// Stops the instances, then launches them again for `reason` and waits until they are ready.
  boost::asio::awaitable<void> restart_instances(std::vector<std::shared_ptr<Instance>> instances, std::string reason);
  static boost::asio::awaitable<void> stop_and_wait(const std::vector<std::shared_ptr<Instance>>& instances,
                                                    const std::string& reason);

  boost::asio::io_context& io_;
  HomePaths paths_;
  NotifySocket notify_;
  std::shared_ptr<ProcessOps> ops_;  // shared with the instances
  std::vector<App> apps_;            // in creation order
  LogHub log_hub_;
  std::function<void()> upkeep_needed_;
  nlohmann::json daemon_settings_ = nlohmann::json::object();  // see keep_daemon_setting
  // Shared with the instances' hooks: an instance may outlive its supervisor in a coroutine frame.
  std::shared_ptr<TransitionObserver> transition_observer_ = std::make_shared<TransitionObserver>();
  AsyncEvent busy_ended_;  // a reload or scale finished (an app's busy flag went down)
  int next_id_ = 0;
  std::size_t max_watches_ = 0;  // PMD_MAX_WATCHES: a bound on inotify watches per app below the kernel's
  std::uint64_t epoch_counter_ = 0;
  std::shared_ptr<HandoverQueue> handover_;
  handover::HolderLink* holder_ = nullptr;
  // The holder's socket turns readable only when it hangs up: a killed holder is replaced at once.
  std::unique_ptr<ReadableWatch> holder_watch_;
  std::uint64_t next_serial_ = 1;
  std::map<std::string, std::string> sent_apps_;  // app name -> the record the holder has
  // What the output readers are doing, kept by the holder too (handover/output_board.h).
  std::shared_ptr<handover::OutputBoard> output_board_;
};

}  // namespace pmd
