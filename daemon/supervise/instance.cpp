// Instance: the I/O shell of the instance table. Events come in through handle(); every action
// the table answers with is carried out in perform(); every change of the status `list` shows is
// recorded by record(), which logs it and keeps it for `describe`.
#include "supervise/instance.h"
#include "loop/detached.h"

#include "process/node_ipc_channel.h"
#include "signals.h"
#include "supervise/output_pipes.h"
#include "units.h"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <array>

namespace pmd {

namespace asio = boost::asio;
using lifecycle::Action;
using lifecycle::Event;
using lifecycle::Phase;
using nlohmann::json;
using std::chrono::milliseconds;

namespace {

constexpr std::size_t kKeptTransitions = 32;

}  // namespace

Instance::Instance(asio::io_context& io, std::shared_ptr<ProcessOps> ops, std::shared_ptr<AppRuntime> app,
                   InstanceIdentity who)
    : io_(io), ops_(std::move(ops)), app_(std::move(app)), who_(who), timer_(ops_->make_timer()), changed_(io) {}

Instance::~Instance() {
  if (on_change_) on_change_(true);  // its record goes from the holder
  if (tree_.main > 0) {
    ops_->forget(tree_.main);
    ops_->signal(tree_, SIGKILL);
  }
  if (pipes_) {  // the readers' pending waits end (and with them the last hold on the pipes)
    boost::system::error_code ignored;
    pipes_->out.cancel(ignored);
    pipes_->err.cancel(ignored);
  }
}

// ---- the shell: events in, actions out ----

void Instance::handle(Event first, std::string note) {
  std::deque<std::pair<Event, std::string>> events;
  events.emplace_back(first, std::move(note));
  while (!events.empty()) {
    auto [event, text] = std::move(events.front());
    events.pop_front();
    const lifecycle::Step step = lifecycle::transition(phase_, event);
    if (step.ignored) {
      spdlog::debug("app {} [id {}] {}: {} ignored", app_->spec.name, who_.id, lifecycle::phase_name(phase_),
                    lifecycle::event_name(event));
      continue;
    }
    phase_ = step.next;
    for (Action action : step.actions)
      if (action != Action::kNone)
        if (auto answer = perform(action)) events.push_back(std::move(*answer));
    if (!lifecycle::is_transient(phase_)) record(event, text);
    changed_.notify_all();
  }
  release_previous_launch();
  if (on_change_) on_change_(true);
}

void Instance::record(Event event, const std::string& note) {
  const InstanceState to = state();
  // A stopped instance says why it was asked to stop, then how its process ended.
  std::string reason = note;
  if (phase_ == Phase::kStopped && (event == Event::kExited || event == Event::kOutputClosed)) {
    const policy::ExitStatus exit = last_exit_.value_or(policy::ExitStatus{});
    reason = status_reason_ + "; " +
             (killed_ ? "killed with SIGKILL after kill_timeout " + units::format_duration(app_->spec.kill_timeout)
                      : "exited with " + exit.describe());
  }
  // Without a word to say (a process that exits before its pipes are read, SIGKILL on the way)
  // the status line stays as it was.
  if (reason.empty()) return;
  if (to != status_ || reason != status_reason_) {
    if (transitions_.size() == kKeptTransitions) transitions_.erase(transitions_.begin());
    transitions_.push_back({std::chrono::system_clock::now(), status_, to, reason});
    spdlog::info("app {} [id {}] {} -> {}: {}", app_->spec.name, who_.id, state_name(status_), state_name(to), reason);
    if (on_transition_) on_transition_(*this, transitions_.back());
  }
  status_ = to;
  status_reason_ = reason;
}

Instance::Answer Instance::perform(Action action) {
  const AppSpec& spec = app_->spec;
  switch (action) {
    case Action::kNone: break;
    case Action::kSpawn: return spawn();
    case Action::kSignalStop:
      // A Node app in cluster mode is drained first, so that its own handler for the signal
      // finds nothing in flight. The drain gets most of kill_timeout; then the signal goes
      // anyway, and kill_timeout counts again from it.
      if (stop_signal_pending_) break;  // the drain under way ends with the signal
      if (has_preload_ && ipc_ && ipc_->send(json{{"cmd", "NODE_PMD_DRAIN"}})) {
        stop_signal_pending_ = true;
        std::weak_ptr<Instance> weak = weak_from_this();
        if (!drain_timer_) drain_timer_ = ops_->make_timer();
        drain_timer_->arm(spec.kill_timeout * 3 / 4, [weak] {
          if (auto self = weak.lock()) self->drained("still draining after 3/4 of kill_timeout");
        });
        break;
      }
      deliver_stop_signal();
      break;
    case Action::kSignalLeftovers: ops_->signal(tree_, spec.kill_signal); break;
    case Action::kKillTree:
      spdlog::warn("app {} [id {}] still running {} after {}; sending SIGKILL to its process tree", spec.name, who_.id,
                   units::format_duration(spec.kill_timeout), signal_name(spec.kill_signal));
      killed_ = true;
      ops_->signal(tree_, SIGKILL);
      break;
    case Action::kArmReadyDeadline: arm(Event::kReadyDeadline, readiness_.deadline); break;
    case Action::kArmKillDeadline: arm(Event::kKillDeadline, spec.kill_timeout); break;
    case Action::kArmDrainDeadline: arm(Event::kDrainDeadline, kDrainDeadline); break;
    case Action::kArmRestartDelay:
      // No delay: the replacement is launched now, not a loop turn (and a handover flush) later.
      if (restart_delay_ <= milliseconds(0)) return std::pair{Event::kRestartDelay, std::string()};
      arm(Event::kRestartDelay, restart_delay_);
      break;
    case Action::kCancelTimer: timer_->cancel(); break;
    case Action::kCloseOutput:
      // Something outside our reach (a process that left the group and the tree) still holds the
      // output pipes: stop waiting for their EOF. The readers end, and say so (kOutputClosed).
      spdlog::warn("app {} [id {}] output pipes still open {} after SIGKILL; closing them", spec.name, who_.id,
                   units::format_duration(kDrainDeadline));
      if (pipes_) {
        boost::system::error_code ignored;
        pipes_->out.close(ignored);
        pipes_->err.close(ignored);
      }
      break;
    case Action::kCleanUp: clean_up(); break;
    case Action::kCountRestart: ++restarts_; break;
    case Action::kCountMemoryRestart: ++memory_restarts_; break;
    case Action::kConsultPolicy: return consult_policy();
  }
  return std::nullopt;
}

void Instance::deliver_stop_signal() {
  // shutdown_with_message: the app is asked over its IPC channel, as PM2 does (for apps where
  // signals are awkward); kill_timeout still bounds it.
  const AppSpec& spec = app_->spec;
  if (!(spec.shutdown_with_message && ipc_ && ipc_->send("shutdown"))) ops_->signal(tree_, spec.kill_signal);
}

void Instance::drained(const std::string& how) {
  if (!stop_signal_pending_) return;
  stop_signal_pending_ = false;
  if (drain_timer_) drain_timer_->cancel();
  if (tree_.main <= 0) return;  // it exited meanwhile: the table already knows
  spdlog::debug("app {} [id {}] {}; sending {}", app_->spec.name, who_.id, how, signal_name(app_->spec.kill_signal));
  deliver_stop_signal();
  if (accepts(Event::kKillDeadline)) arm(Event::kKillDeadline, app_->spec.kill_timeout);
}

Instance::Answer Instance::spawn() {
  const AppSpec& spec = app_->spec;
  auto socket = app_->socket_for(who_.number);
  // A slot socket that cannot be bound fails the launch like an exec that cannot happen.
  auto launched = std::holds_alternative<std::string>(socket)
                      ? std::variant<LaunchedProcess, std::string>(std::get<std::string>(socket))
                      : ops_->launch(spec, who_, std::get<ClusterSocket>(socket));
  if (auto* error = std::get_if<std::string>(&launched)) {
    spawn_error_ = *error;
    crash_ = Crash{policy::ExitStatus{false, 127, 0}, milliseconds(0), *error};
    return std::pair{Event::kSpawnFailed, *error};
  }
  auto& p = std::get<LaunchedProcess>(launched);
  ++generation_;
  tree_ = ProcessTree{p.pid, p.pid, p.cgroup, p.unit, {}, p.pid_file, p.pid_file_owner};
  start_ticks_ = p.start_ticks;
  killed_ = false;
  pipes_ = std::make_shared<OutputPipes>(io_, p.stdout_fd, p.stderr_fd, generation_);
  pipes_->use_board(app_->output_board, serial_);
  std::weak_ptr<Instance> weak = weak_from_this();
  start_readers();
  ops_->watch_exit(p.pid, [weak](int status) {
    if (auto self = weak.lock()) self->on_exit(status);
  });
  if (ipc_) ipc_->close();
  ipc_ = p.ipc;
  has_preload_ = p.node_preload;
  stop_signal_pending_ = false;
  if (ipc_) {
    ipc_->start([weak, gen = generation_](const json& message) {
      if (auto self = weak.lock()) self->on_ipc_message(gen, message);
    });
  }
  started_at_ = std::chrono::steady_clock::now();
  started_wall_ = std::chrono::system_clock::now();
  cpu_ticks_ = 0;
  processes_ = 0;
  cpu_percent_ = 0;
  memory_bytes_ = 0;
  // A Node app in cluster mode shares its socket through the preload even when the port is
  // only learned from its listen() call.
  const bool shares = app_->has_socket() || (p.node && spec.exec_mode == "cluster");
  readiness_shares_ = shares;
  readiness_ = policy::plan_readiness(spec, {shares, p.node_preload, app_->speaks_notify});
  ready_timed_out_ = false;
  ready_how_.clear();
  const std::string started = launch_reason_ + " (pid " + std::to_string(p.pid) + ")";
  if (readiness_.signal == policy::ReadySignal::kAtLaunch) {
    ready_how_ = "online once started";
    return std::pair{Event::kSpawnedReady, started};
  }
  return std::pair{Event::kSpawned, started + "; waiting for " + policy::awaited_signal_name(readiness_.signal)};
}

void Instance::clean_up() {
  timer_->cancel();
  if (drain_timer_) drain_timer_->cancel();
  stop_signal_pending_ = false;
  // Whatever is left in the group, or escaped it, no longer holds our pipes but still belongs to
  // the app: nothing of this launch outlives it (a crash does not leave a daemonized child). That
  // happens once this event is handled, after a replacement it launches at once: the kill, the
  // /proc walk and the removals are not on the way from a crash to the next exec.
  previous_ = std::make_unique<ProcessTree>(tree_);
  tree_.cgroup.clear();
  tree_.pid_file.clear();
  tree_.escaped.clear();
  pipes_.reset();
  if (ipc_) ipc_->close();
  ipc_.reset();
  crash_ = Crash{last_exit_.value_or(policy::ExitStatus{}),
                 std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started_at_),
                 {}};
  cpu_percent_ = 0;
  memory_bytes_ = 0;
}

void Instance::release_previous_launch() {
  if (!previous_) return;
  const std::unique_ptr<ProcessTree> taken = std::move(previous_);
  ProcessTree& old = *taken;
  // A group with a member keeps its number, so a replacement with the same pgid means the old
  // group was empty and its number reused: the signal would reach the new launch.
  if (old.pgid == tree_.pgid && tree_.main > 0) old.pgid = -1;
  // The replacement wrote the same pid file: it names the new pid now and stays.
  if (old.pid_file == tree_.pid_file) old.pid_file.clear();
  ops_->signal(old, SIGKILL);
  ops_->release(old);
}

Instance::Answer Instance::consult_policy() {
  const auto& s = app_->spec;
  policy::RestartSettings settings{
      s.autorestart, s.max_restarts, s.min_uptime, s.restart_delay, s.exp_backoff_restart_delay, s.stop_exit_codes};
  auto decision = policy::decide_after_exit(settings, crash_.exit, crash_.uptime, history_);
  history_ = decision.history;
  restart_delay_ = decision.delay;
  std::string reason = crash_.extra.empty() ? decision.reason : crash_.extra + "; " + decision.reason;
  launch_reason_ = "restarted after crash";
  // Its port is taken: every restart would fail the same way.
  if (!app_->bind_failure.empty())
    return std::pair{Event::kPolicyGiveUp, "exited: " + app_->bind_failure + "; not restarted until started again"};
  switch (decision.action) {
    case policy::Action::kRestart: return std::pair{Event::kPolicyRestart, reason};
    case policy::Action::kStop: return std::pair{Event::kPolicyStop, reason};
    case policy::Action::kGiveUp: return std::pair{Event::kPolicyGiveUp, reason};
  }
  return std::pair{Event::kPolicyGiveUp, reason};
}

void Instance::arm(Event deadline, milliseconds after) {
  std::weak_ptr<Instance> weak = weak_from_this();
  timer_->arm(after, [weak, deadline] {
    if (auto self = weak.lock()) self->on_deadline(deadline);
  });
}

void Instance::on_deadline(Event deadline) {
  if (deadline != Event::kReadyDeadline || !accepts(deadline)) return handle(deadline);
  const std::string pid = " (pid " + std::to_string(tree_.main) + ")";
  if (readiness_.deadline_means_ready) {
    ready_how_ = "up " + units::format_duration(readiness_.deadline) + " (min_uptime) without exiting" +
                 (readiness_.signal == policy::ReadySignal::kListen ? ", not listening on the shared socket" : "");
    handle(deadline, ready_how_ + pid);
    return;
  }
  // PM2 treats an app that stays silent as online after listen_timeout; so does pmd, but a
  // reload does not take this for readiness.
  ready_timed_out_ = true;
  ready_how_ = "no ready signal within listen_timeout";
  handle(deadline, "no " + policy::awaited_signal_name(readiness_.signal) + " within listen_timeout " +
                       units::format_duration(readiness_.deadline) + "; treated as online" + pid);
}

void Instance::on_exit(int wait_status) {
  tree_.main = -1;
  last_exit_ = policy::ExitStatus::from_wait_status(wait_status);
  last_exit_at_ = std::chrono::system_clock::now();
  // The main process is gone; if something of its tree still holds the output, the table stops
  // the leftovers and bounds the wait for EOF.
  if (pipes_ && pipes_->open > 0)
    handle(Event::kExitedOutputOpen);
  else
    handle(Event::kExited);
}

void Instance::on_pipe_closed(std::uint64_t generation) {
  if (!pipes_ || generation != generation_) return;
  if (--pipes_->open == 0 && tree_.main <= 0) handle(Event::kOutputClosed);
}

// ---- the requests ----

std::string Instance::launch(const std::string& reason) {
  stop_requested_ = false;
  app_->bind_failure.clear();  // started again: perhaps the port is free now
  launch_reason_ = reason;
  spawn_error_.clear();
  handle(Event::kStart, reason);
  return spawn_error_;
}

void Instance::request_stop(const std::string& reason) {
  stop_requested_ = true;
  handle(Event::kStop, reason);
}

void Instance::restart_for(const std::string& reason) {
  if (!accepts(Event::kRestartFor)) return;  // already going down or between runs
  launch_reason_ = "restarted: " + reason;
  handle(Event::kRestartFor, "restarting: " + reason);
}

void Instance::notify_ready(const std::string& how) {
  // From now on READY=1 is what makes this app's launches ready, never min_uptime.
  app_->speaks_notify = true;
  if (readiness_.signal != policy::ReadySignal::kAtLaunch) become_ready(how);
}

void Instance::become_ready(const std::string& how) {
  if (!accepts(Event::kReady)) return;
  auto after = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started_at_);
  ready_how_ = how + " after " + units::format_duration(after);
  handle(Event::kReady, ready_how_ + " (pid " + std::to_string(tree_.main) + ")");
}

asio::awaitable<std::string> Instance::wait_ready() {
  auto keep_alive = shared_from_this();
  while (state() == InstanceState::kLaunching) co_await changed_.wait();
  if (state() == InstanceState::kOnline && !ready_timed_out_) co_return std::string{};
  if (state() == InstanceState::kOnline)
    co_return "it did not signal readiness (" + policy::awaited_signal_name(readiness_.signal) +
        ") within listen_timeout " + units::format_duration(readiness_.deadline) +
        " (a slow start? raise it: --listen-timeout 30s, or listen_timeout in the file)";
  if (last_exit_ && !is_running()) co_return "it exited with " + last_exit_->describe() + " before it was ready";
  co_return "it is " + std::string(state_name(state())) + " (" + status_reason_ + ")";
}

asio::awaitable<void> Instance::wait_until_down() {
  auto keep_alive = shared_from_this();
  while (state() != InstanceState::kStopped && state() != InstanceState::kErrored) co_await changed_.wait();
}

void Instance::continue_counters_of(const Instance& replaced, bool for_memory) {
  restarts_ = replaced.restarts_ + 1;
  memory_restarts_ = replaced.memory_restarts_ + (for_memory ? 1 : 0);
  if (on_change_) on_change_(true);
}

void Instance::reset_restart_history() {
  history_ = {};
  ++restarts_;
  if (on_change_) on_change_(true);
}

void Instance::reset_counters() {
  history_ = {};
  restarts_ = 0;
  memory_restarts_ = 0;
  if (on_change_) on_change_(true);
}

bool Instance::send_signal(int signo) {
  if (tree_.main <= 0) return false;
  ops_->signal_process(tree_.main, signo);
  return true;
}

void Instance::record_usage(double cpu_percent, std::uint64_t cpu_ticks, std::uint64_t rss_bytes, int processes) {
  cpu_percent_ = cpu_percent;
  cpu_ticks_ = cpu_ticks;
  memory_bytes_ = rss_bytes;
  processes_ = processes;
}

// ---- the process's own channels: IPC messages and output ----

void Instance::on_ipc_message(std::uint64_t generation, const json& message) {
  if (generation != generation_) return;
  // process.send('ready'), as PM2's wait_ready expects it.
  if (message == "ready" && readiness_.signal == policy::ReadySignal::kMessage)
    become_ready("said ready (process.send)");
  // An app's messages are its own business: anything of another shape is ignored.
  const json* kind = message.is_object() && message.contains("pmd") ? &message["pmd"] : nullptr;
  if (kind && *kind == "listen") answer_listen_request(message);
  if (kind && *kind == "drained") drained("drained");
  // pmd's preload: the app took the shared socket.
  if (kind && *kind == "listening" && readiness_.signal == policy::ReadySignal::kListen)
    become_ready("listening on the shared socket");
  // The preload: the app's code has run and it has not listened on the shared port (a worker,
  // listen(0), a server that binds later). min_uptime alive makes it ready, as a program that
  // says nothing would be.
  // (json::value would throw on a non-boolean `listening`; an app can send anything.)
  const bool listening = message.is_object() && message.contains("listening") && message["listening"] == true;
  if (kind && *kind == "started" && !listening && readiness_.uptime_if_not_listening &&
      accepts(Event::kReadyDeadline)) {
    readiness_.deadline = app_->spec.min_uptime;
    readiness_.deadline_means_ready = true;
    arm(Event::kReadyDeadline, readiness_.deadline);
  }
}

void Instance::answer_listen_request(const json& request) {
  ListenAddress wanted;
  const json& port = request.contains("port") ? request["port"] : json();
  wanted.port = port.is_number_integer() && port.get<std::int64_t>() > 0 && port.get<std::int64_t>() <= 65535
                    ? port.get<int>()
                    : -1;
  if (request.contains("host") && request["host"].is_string()) wanted.host = request["host"].get<std::string>();
  if (wanted.host == "localhost") wanted.host = "127.0.0.1";
  if (wanted.host == "::" || wanted.host == "0.0.0.0") wanted.host.clear();
  if (!ipc_) return;
  json reply = {{"cmd", "NODE_PMD_SOCKET"}, {"port", wanted.port}};
  if (wanted.port <= 0 || wanted.port > 65535) {
    reply["error"] = "not a port pmd can share";
    ipc_->send(reply);
    return;
  }
  if (!app_->has_socket() && app_->listener.address.port == 0) {
    if (auto error = app_->learn_address(wanted); !error.empty()) {
      spdlog::warn("app {} [id {}] asked to share {}: {}", app_->spec.name, who_.id, wanted.describe(), error);
      app_->bind_failure = error;
      reply["error"] = error;
      ipc_->send(reply);
      return;
    }
    spdlog::info("app {} listens on {}: pmd bound it and shares it among the instances", app_->spec.name,
                 wanted.describe());
  }
  if (!(app_->listener.address == wanted)) {
    // One shared address per app; a second server (an admin port) binds its own as usual.
    reply["error"] = "pmd shares one address per app (" + app_->listener.address.describe() + ")";
    ipc_->send(reply);
    return;
  }
  auto slot = app_->socket_for(who_.number);
  const int fd = std::holds_alternative<ClusterSocket>(slot) ? std::get<ClusterSocket>(slot).fd : -1;
  if (fd < 0) {
    reply["error"] = std::holds_alternative<std::string>(slot) ? std::get<std::string>(slot) : "no socket";
    ipc_->send(reply);
    return;
  }
  // Node adopts a received handle without making it non-blocking (libuv 1.44, Debian's Node 18),
  // and a blocking accept() would then stall its event loop after the first connection. The
  // flag belongs to the socket all instances share; Node sets it anyway on the other paths.
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  ipc_->send_handle(reply, fd);
}

Instance::PipeRead Instance::read_available(OutputPipes& pipes, bool is_stderr) {
  // One buffer for every reader: what a read brings is written before the loop turns again.
  thread_local std::vector<char> buffer(kReadChunk);
  auto& stream = is_stderr ? pipes.err : pipes.out;
  auto& lines = pipes.lines(is_stderr);
  std::int64_t read_at = 0;
  auto add = [&](std::string_view line, bool continues) {
    app_->log.add_line(who_.id, who_.number, is_stderr, line, continues, read_at);
  };
  for (int round = 0; round < kReadsPerTurn; ++round) {
    const bool had_pending = !lines.pending().empty();
    pipes.mark_reading(is_stderr);
    ssize_t n;
    do n = ::read(stream.native_handle(), buffer.data(), buffer.size());
    while (n < 0 && errno == EINTR);
    const int read_errno = errno;
    if (n > 0) {
      // The lines of one read share its time, and reach each file in one write; only then is the
      // slot settled, so a pmd killed before that leaves the read in doubt.
      read_at = unix_ms_now();
      lines.feed(std::string_view(buffer.data(), static_cast<std::size_t>(n)), add);
      app_->log.commit();
    }
    pipes.settle(is_stderr);
    // An unfinished line the board cannot hold goes to the holder's record (the slot stays in
    // doubt until it is there), so a pmd that dies now does not take it along.
    if (n > 0 && on_change_ && (pipes.pending_in_record(is_stderr) || (!pipes.on_board(is_stderr) && had_pending)))
      on_change_(false);
    if (n > 0) continue;
    return n < 0 && read_errno == EAGAIN ? PipeRead::kEmpty : PipeRead::kEnd;
  }
  return PipeRead::kMore;
}

// A reader is a chain of callbacks, not a coroutine: at a thousand instances the two coroutine
// frames per launch were ~1.9 KB of the daemon's memory for each; a pending wait is ~150 bytes.
// Each callback holds the pipes, and the instance weakly: one destroyed cancels its waits.
void Instance::pump_reader(const std::shared_ptr<OutputPipes>& pipes, bool is_stderr,
                           const boost::system::error_code& waited) {
  try {
    // Parked for an upgrade: the rest stays in the pipe, the line's start on the board or in
    // the record.
    auto park = [&] {
      if (pipes->parking) ++pipes->parked;
      return pipes->parking;
    };
    if (park()) return;
    if (waited) return end_reader(*pipes, is_stderr);
    // Until the pipe is empty before waiting: a wake-up comes only for new data (edge-triggered).
    const PipeRead outcome = read_available(*pipes, is_stderr);
    if (park()) return;
    if (outcome == PipeRead::kEnd) return end_reader(*pipes, is_stderr);
    auto next = [weak = weak_from_this(), pipes, is_stderr](const boost::system::error_code& ec) {
      if (auto self = weak.lock()) self->pump_reader(pipes, is_stderr, ec);
    };
    if (outcome == PipeRead::kMore)
      asio::post(io_, [next = std::move(next)] { next({}); });  // a chatty app leaves the others their turn
    else
      (is_stderr ? pipes->err : pipes->out).async_wait(asio::posix::descriptor_base::wait_read, std::move(next));
  } catch (const std::exception& e) {
    // A reader that fails counts its pipe as closed, or the launch could never finish.
    spdlog::error("app {} [id {}] reading its output failed: {}", app_->spec.name, who_.id, e.what());
    on_pipe_closed(pipes->generation);
  }
}

void Instance::end_reader(OutputPipes& pipes, bool is_stderr) {
  pipes.lines(is_stderr).finish([&](std::string_view line, bool continues) {
    app_->log.write_line(who_.id, who_.number, is_stderr, line, continues);
  });
  pipes.settle(is_stderr);
  on_pipe_closed(pipes.generation);
}

void Instance::start_readers() {
  // From the next loop turn, as a spawned coroutine started: not inside the event that launched.
  for (const bool is_stderr : {false, true})
    asio::post(io_, [weak = weak_from_this(), pipes = pipes_, is_stderr] {
      if (auto self = weak.lock()) self->pump_reader(pipes, is_stderr, {});
    });
}

void Instance::resume_output() {
  if (!pipes_ || !pipes_->parking) return;
  pipes_->parking = false;
  pipes_->parked = 0;
  start_readers();
}

void Instance::park_output() {
  if (!pipes_ || pipes_->parking) return;
  pipes_->parking = true;
  boost::system::error_code ignored;
  pipes_->out.cancel(ignored);
  pipes_->err.cancel(ignored);
}

bool Instance::output_parked() const { return !pipes_ || pipes_->parked + (2 - pipes_->open) >= 2; }

}  // namespace pmd
