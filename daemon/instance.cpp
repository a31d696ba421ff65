// Instance: the per-process state machine. Every transition goes through set_state, which logs it
// and keeps it for `describe`.
#include "instance.h"

#include "app_normalizer.h"

#include "line_splitter.h"
#include "listeners.h"
#include "proc_table.h"
#include "signals.h"
#include "units.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <unordered_map>

namespace pmd {

namespace asio = boost::asio;
using nlohmann::json;
using std::chrono::milliseconds;

namespace {

constexpr std::size_t kKeptTransitions = 32;

long long unix_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

AppRuntime::~AppRuntime() {
  set_listener({});
  for (auto& [number, socket] : slots) close_listener(socket);
}

std::variant<ClusterSocket, std::string> AppRuntime::socket_for(int number) {
  if (!reuseport()) return listener;
  const ListenAddress& address = listener.address;
  if (address.port == 0) return ClusterSocket{};
  if (auto it = slots.find(number); it != slots.end()) return it->second;
  auto bound = bind_listener(address, true);
  if (auto* socket = std::get_if<ClusterSocket>(&bound)) slots[number] = *socket;
  return bound;
}

std::string AppRuntime::learn_address(const ListenAddress& address) {
  if (reuseport()) {
    listener.address = address;
    return {};
  }
  auto bound = bind_listener(address, false, file_owner(spec));
  if (auto* error = std::get_if<std::string>(&bound)) return *error;
  set_listener(std::get<ClusterSocket>(bound));
  return {};
}

std::string AppRuntime::use_address(const std::optional<ListenAddress>& address) {
  set_listener({});
  for (auto& [number, socket] : slots) close_listener(socket);
  slots.clear();
  if (!address) return {};
  if (!reuseport()) return learn_address(*address);
  listener.address = *address;
  auto first = socket_for(0);
  if (auto* error = std::get_if<std::string>(&first)) {
    listener.address = {};
    return *error;
  }
  return {};
}

void AppRuntime::close_slot(int number) {
  if (auto it = slots.find(number); it != slots.end()) {
    close_listener(it->second);
    slots.erase(it);
  }
}

void AppRuntime::set_listener(ClusterSocket socket) {
  if (listener.fd >= 0 && listener.fd != socket.fd) close_listener(listener);
  listener = std::move(socket);
}

const char* state_name(InstanceState state) {
  switch (state) {
    case InstanceState::kLaunching: return "launching";
    case InstanceState::kOnline: return "online";
    case InstanceState::kStopping: return "stopping";
    case InstanceState::kStopped: return "stopped";
    case InstanceState::kWaitingRestart: return "waiting restart";
    case InstanceState::kErrored: return "errored";
  }
  return "unknown";
}

// The read ends of one launch's stdout and stderr. A relaunch gets new pipes; events from old
// ones are recognised by their generation and ignored.
struct Instance::OutputPipes {
  OutputPipes(asio::io_context& io, int out_fd, int err_fd, std::uint64_t gen)
      : out(io, out_fd), err(io, err_fd), generation(gen) {}
  asio::posix::stream_descriptor out, err;
  LineSplitter out_lines, err_lines;
  int open = 2;
  std::uint64_t generation;
};

Instance::Instance(asio::io_context& io, ChildReaper& reaper, std::shared_ptr<AppRuntime> app, InstanceIdentity who,
                   std::string notify_socket, CgroupTree* cgroups)
    : io_(io),
      reaper_(reaper),
      app_(std::move(app)),
      who_(who),
      notify_socket_(std::move(notify_socket)),
      cgroups_(cgroups),
      timer_(io),
      changed_(io) {}

Instance::~Instance() {
  if (pid_ > 0) {
    reaper_.forget(pid_);
    ::kill(-pgid_, SIGKILL);
  }
}

void Instance::set_state(InstanceState to, const std::string& reason) {
  if (to != state_ || reason != status_reason_) {
    transitions_.push_back({std::chrono::system_clock::now(), state_, to, reason});
    if (transitions_.size() > kKeptTransitions) transitions_.pop_front();
    spdlog::info("app {} [id {}] {} -> {}: {}", app_->spec.name, who_.id, state_name(state_), state_name(to), reason);
  }
  state_ = to;
  status_reason_ = reason;
  changed_.notify_all();
}

std::string Instance::launch(const std::string& reason) {
  static const std::string preload = node_preload_path();
  const bool node = is_node_app(app_->spec);
  static std::uint64_t launches = 0;
  const std::string unit = std::to_string(::getpid()) + "." + std::to_string(who_.id) + "." + std::to_string(++launches);
  LaunchExtras extras;
  extras.node_preload = preload;
  extras.notify_socket = notify_socket_;
  extras.unit = unit;
  auto socket = app_->socket_for(who_.number);
  if (auto* bound = std::get_if<ClusterSocket>(&socket)) extras.socket = *bound;
  std::shared_ptr<NodeIpcChannel> ipc = node ? NodeIpcChannel::create(io_) : nullptr;
  if (ipc) extras.ipc_fd = ipc->child_end();
  // A slot socket that cannot be bound fails the launch like an exec that cannot happen.
  auto request = std::holds_alternative<std::string>(socket) ? std::variant<SpawnRequest, std::string>(std::get<std::string>(socket))
                                                             : make_spawn_request(app_->spec, who_, extras);
  std::string error;
  if (auto* req = std::get_if<SpawnRequest>(&request)) {
    std::string leaf = cgroups_ ? cgroups_->make_leaf(std::to_string(who_.id) + "." + std::to_string(launches)) : "";
    if (!leaf.empty()) req->cgroup_procs_fd = ::open((leaf + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
    auto spawned = spawn_process(*req);
    if (req->cgroup_procs_fd >= 0) ::close(req->cgroup_procs_fd);
    if (ipc) ipc->child_end_passed();
    if (auto* p = std::get_if<SpawnedProcess>(&spawned)) {
      ++generation_;
      unit_ = unit;
      if (cgroups_ && !cgroup_.empty()) cgroups_->retire(cgroup_);
      cgroup_ = leaf;
      pid_ = pgid_ = p->pid;
      exited_ = false;
      killed_ = false;
      exit_wait_status_.reset();
      escaped_.clear();
      pipes_ = std::make_shared<OutputPipes>(io_, p->stdout_fd, p->stderr_fd, generation_);
      asio::co_spawn(io_, read_pipe(pipes_, false), asio::detached);
      asio::co_spawn(io_, read_pipe(pipes_, true), asio::detached);
      std::weak_ptr<Instance> weak = shared_from_this();
      reaper_.watch(pid_, [weak](int status) {
        if (auto self = weak.lock()) self->on_exit(status);
      });
      if (ipc_) ipc_->close();
      ipc_ = ipc;
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
      should_run_ = true;
      // A Node app in cluster mode shares its socket through the preload even when the port is
      // only learned from its listen() call.
      const bool shares = app_->has_socket() || (node && app_->spec.exec_mode == "cluster");
      readiness_ = policy::plan_readiness(app_->spec, shares, node && !preload.empty());
      ready_timed_out_ = false;
      ready_how_.clear();
      const std::string started = reason + " (pid " + std::to_string(pid_) + ")";
      if (readiness_.signal == policy::ReadySignal::kAtLaunch) {
        ready_how_ = "online once started";
        set_state(InstanceState::kOnline, started);
      } else {
        set_state(InstanceState::kLaunching, started + "; waiting for " + policy::awaited_signal_name(readiness_.signal));
        arm_timer(TimerPurpose::kReadyDeadline, readiness_.deadline);
      }
      return {};
    } else {
      error = std::get<std::string>(spawned);
    }
  } else {
    error = std::get<std::string>(request);
  }
  should_run_ = false;
  set_state(InstanceState::kErrored, error);
  return error;
}

void Instance::notify_ready(const std::string& how) {
  if (readiness_.signal != policy::ReadySignal::kAtLaunch) become_ready(how);
}

void Instance::on_ipc_message(std::uint64_t generation, const json& message) {
  if (generation != generation_) return;
  // process.send('ready'), as PM2's wait_ready expects it.
  if (message == "ready" && readiness_.signal == policy::ReadySignal::kMessage) become_ready("said ready (process.send)");
  // An app's messages are its own business: anything of another shape is ignored.
  const json* kind = message.is_object() && message.contains("pmd") ? &message["pmd"] : nullptr;
  if (kind && *kind == "listen") answer_listen_request(message);
  // pmd's preload: the app took the shared socket.
  if (kind && *kind == "listening" && readiness_.signal == policy::ReadySignal::kListen)
    become_ready("listening on the shared socket");
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
      reply["error"] = error;
      ipc_->send(reply);
      return;
    }
    spdlog::info("app {} listens on {}: pmd bound it and shares it among the instances", app_->spec.name, wanted.describe());
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

void Instance::become_ready(const std::string& how) {
  if (state_ != InstanceState::kLaunching) return;
  timer_.cancel();
  timer_purpose_ = TimerPurpose::kNone;
  ++timer_generation_;
  auto after = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started_at_);
  ready_how_ = how + " after " + units::format_duration(after);
  set_state(InstanceState::kOnline, ready_how_ + " (pid " + std::to_string(pid_) + ")");
}

asio::awaitable<std::string> Instance::wait_ready() {
  auto keep_alive = shared_from_this();
  while (state_ == InstanceState::kLaunching) co_await changed_.wait();
  if (state_ == InstanceState::kOnline && !ready_timed_out_) co_return std::string{};
  if (state_ == InstanceState::kOnline)
    co_return "it did not signal readiness (" + policy::awaited_signal_name(readiness_.signal) + ") within listen_timeout " +
        units::format_duration(readiness_.deadline);
  if (last_exit_ && !is_running())
    co_return "it exited with " + last_exit_->describe() + " before it was ready";
  co_return "it is " + std::string(state_name(state_)) + " (" + status_reason_ + ")";
}

void Instance::continue_counters_of(const Instance& replaced, bool for_memory) {
  restarts_ = replaced.restarts_ + 1;
  memory_restarts_ = replaced.memory_restarts_ + (for_memory ? 1 : 0);
}

void Instance::request_stop(const std::string& reason) {
  should_run_ = false;
  switch (state_) {
    case InstanceState::kLaunching:
    case InstanceState::kOnline:
      set_state(InstanceState::kStopping, reason);
      if (!exited_) {
        // shutdown_with_message: the app is asked over its IPC channel, as PM2 does (for apps
        // where signals are awkward, e.g. on some platforms); kill_timeout still bounds it.
        if (!(app_->spec.shutdown_with_message && ipc_ && ipc_->send("shutdown"))) signal_tree(app_->spec.kill_signal);
        arm_timer(TimerPurpose::kKillEscalation, app_->spec.kill_timeout);
      }
      break;
    case InstanceState::kWaitingRestart:
      timer_.cancel();
      timer_purpose_ = TimerPurpose::kNone;
      set_state(InstanceState::kStopped, reason);
      break;
    case InstanceState::kStopping:
      // Going down already, maybe for a memory restart: a stop asked now wins, so the process
      // is not launched again when it exits (a daemon shutting down would wait for it forever).
      relaunch_reason_.reset();
      break;
    case InstanceState::kStopped:
    case InstanceState::kErrored:
      break;  // down: nothing to do
  }
}

asio::awaitable<void> Instance::wait_until_down() {
  auto keep_alive = shared_from_this();
  while (state_ != InstanceState::kStopped && state_ != InstanceState::kErrored) co_await changed_.wait();
}

void Instance::restart_for(const std::string& reason) {
  if (state_ != InstanceState::kOnline || exited_) return;  // already going down or between runs
  ++memory_restarts_;
  relaunch_reason_ = reason;
  request_stop("restarting: " + reason);
}

void Instance::reset_restart_history() {
  history_ = {};
  ++restarts_;
}

void Instance::record_usage(double cpu_percent, std::uint64_t cpu_ticks, std::uint64_t rss_bytes, int processes) {
  cpu_percent_ = cpu_percent;
  cpu_ticks_ = cpu_ticks;
  memory_bytes_ = rss_bytes;
  processes_ = processes;
}

void Instance::find_escapees() {
  // Processes that left the process group (setsid) are found as descendants of the main process.
  // Those whose parent died (a double fork) were reparented to pmd, the child subreaper: they are
  // recognised by this launch's PMD_UNIT marker in their environment.
  auto table = read_proc_table();
  std::vector<pid_t> roots;
  if (pid_ > 0) roots.push_back(pid_);
  const pid_t daemon = ::getpid();
  std::unordered_map<pid_t, pid_t> group_of;
  for (const auto& e : table) {
    group_of[e.pid] = e.pgid;
    if (!unit_.empty() && e.ppid == daemon && e.pid != pid_ && environment_value(e.pid, "PMD_UNIT") == unit_) roots.push_back(e.pid);
  }
  auto tree = descendants_of(table, roots);
  tree.insert(tree.end(), roots.begin() + (pid_ > 0 ? 1 : 0), roots.end());
  for (pid_t p : tree) {
    auto it = group_of.find(p);
    if (it != group_of.end() && it->second != pgid_ && std::find(escaped_.begin(), escaped_.end(), p) == escaped_.end())
      escaped_.push_back(p);
  }
}

void Instance::signal_tree(int signo) {
  if (pgid_ > 0) ::kill(-pgid_, signo);
  // The cgroup holds everything the launch started, whatever it did to hide; without one, the
  // processes outside the group are looked for (and remembered for the SIGKILL that may follow).
  if (!cgroup_.empty()) {
    if (signo == SIGKILL) cgroup_kill(cgroup_);
    else
      for (pid_t p : cgroup_pids(cgroup_)) ::kill(p, signo);
    return;
  }
  find_escapees();
  for (pid_t p : escaped_) ::kill(p, signo);
}

void Instance::arm_timer(TimerPurpose purpose, milliseconds after) {
  timer_purpose_ = purpose;
  timer_.expires_after(after);
  std::weak_ptr<Instance> weak = shared_from_this();
  std::uint64_t armed = ++timer_generation_;
  timer_.async_wait([weak, armed](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (ec || !self || self->timer_generation_ != armed) return;  // cancelled or re-armed since
    self->on_timer();
  });
}

void Instance::on_timer() {
  TimerPurpose purpose = timer_purpose_;
  timer_purpose_ = TimerPurpose::kNone;
  switch (purpose) {
    case TimerPurpose::kKillEscalation:
      spdlog::warn("app {} [id {}] still running {} after {}; sending SIGKILL to its process tree", app_->spec.name,
                   who_.id, units::format_duration(app_->spec.kill_timeout), signal_name(app_->spec.kill_signal));
      killed_ = true;
      signal_tree(SIGKILL);
      if (exited_) arm_timer(TimerPurpose::kDrain, kDrainDeadline);
      break;
    case TimerPurpose::kDrain:
      // Something outside our reach (a process that left the group and the tree) still holds the
      // output pipes: stop waiting for their EOF.
      spdlog::warn("app {} [id {}] output pipes still open {} after SIGKILL; closing them", app_->spec.name, who_.id,
                   units::format_duration(kDrainDeadline));
      if (pipes_) {
        boost::system::error_code ignored;
        pipes_->out.close(ignored);
        pipes_->err.close(ignored);
      }
      break;
    case TimerPurpose::kRestartDelay:
      if (state_ == InstanceState::kWaitingRestart && should_run_) {
        ++restarts_;
        auto error = launch("restarted after crash");
        if (!error.empty()) {
          should_run_ = true;
          after_unrequested_exit(policy::ExitStatus{false, 127, 0}, milliseconds(0), error);
        }
      }
      break;
    case TimerPurpose::kReadyDeadline:
      if (state_ != InstanceState::kLaunching) break;
      if (readiness_.deadline_means_ready) {
        become_ready("up " + units::format_duration(readiness_.deadline) + " (min_uptime) without exiting");
      } else {
        // PM2 treats an app that stays silent as online after listen_timeout; so does pmd, but
        // a reload does not take this for readiness.
        ready_timed_out_ = true;
        ready_how_ = "no ready signal within listen_timeout";
        set_state(InstanceState::kOnline, "no " + policy::awaited_signal_name(readiness_.signal) + " within listen_timeout " +
                                              units::format_duration(readiness_.deadline) + "; treated as online (pid " +
                                              std::to_string(pid_) + ")");
      }
      break;
    case TimerPurpose::kNone:
      break;
  }
}

void Instance::on_exit(int wait_status) {
  pid_ = -1;
  exited_ = true;
  exit_wait_status_ = wait_status;
  last_exit_ = policy::ExitStatus::from_wait_status(wait_status);
  last_exit_at_ = std::chrono::system_clock::now();
  if (pipes_ && pipes_->open > 0) {
    // The main process is gone but something in its tree still holds its output: stop the
    // leftovers the way a stop would, then give up waiting for EOF after the drain deadline.
    if (killed_) {
      arm_timer(TimerPurpose::kDrain, kDrainDeadline);
    } else if (timer_purpose_ != TimerPurpose::kKillEscalation) {
      signal_tree(app_->spec.kill_signal);
      arm_timer(TimerPurpose::kKillEscalation, app_->spec.kill_timeout);
    }
  }
  maybe_finish();
}

void Instance::on_pipe_closed(std::uint64_t generation) {
  if (!pipes_ || generation != generation_) return;
  if (--pipes_->open == 0) maybe_finish();
}

void Instance::maybe_finish() {
  if (exited_ && exit_wait_status_ && pipes_ && pipes_->open == 0) finish();
}

void Instance::finish() {
  timer_.cancel();
  timer_purpose_ = TimerPurpose::kNone;
  ++timer_generation_;
  // Whatever is left in the group, or escaped it, no longer holds our pipes but still belongs to
  // the app: nothing of this launch outlives it (a crash does not leave a daemonized child).
  signal_tree(SIGKILL);
  escaped_.clear();
  if (!cgroup_.empty()) {
    cgroups_->retire(cgroup_);
    cgroup_.clear();
  }
  pipes_.reset();
  if (ipc_) ipc_->close();
  ipc_.reset();
  exit_wait_status_.reset();
  auto uptime = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started_at_);
  cpu_percent_ = 0;
  memory_bytes_ = 0;
  const policy::ExitStatus exit = last_exit_.value_or(policy::ExitStatus{});
  if (relaunch_reason_) {
    std::string reason = "restarted: " + *relaunch_reason_;
    relaunch_reason_.reset();
    ++restarts_;
    launch(reason);
    return;
  }
  if (!should_run_) {
    std::string how = killed_ ? "killed with SIGKILL after kill_timeout " + units::format_duration(app_->spec.kill_timeout)
                              : "exited with " + exit.describe();
    set_state(InstanceState::kStopped, status_reason_ + "; " + how);
    return;
  }
  after_unrequested_exit(exit, uptime, {});
}

void Instance::after_unrequested_exit(const policy::ExitStatus& exit, milliseconds uptime, const std::string& extra) {
  const auto& s = app_->spec;
  policy::RestartSettings settings{s.autorestart, s.max_restarts, s.min_uptime, s.restart_delay,
                                   s.exp_backoff_restart_delay, s.stop_exit_codes};
  auto decision = policy::decide_after_exit(settings, exit, uptime, history_);
  history_ = decision.history;
  std::string reason = extra.empty() ? decision.reason : extra + "; " + decision.reason;
  switch (decision.action) {
    case policy::Action::kRestart:
      set_state(InstanceState::kWaitingRestart, reason);
      arm_timer(TimerPurpose::kRestartDelay, decision.delay);
      break;
    case policy::Action::kStop:
      should_run_ = false;
      set_state(InstanceState::kStopped, reason);
      break;
    case policy::Action::kGiveUp:
      should_run_ = false;
      set_state(InstanceState::kErrored, reason);
      break;
  }
}

asio::awaitable<void> Instance::read_pipe(std::shared_ptr<OutputPipes> pipes, bool is_stderr) {
  auto self = shared_from_this();
  auto& stream = is_stderr ? pipes->err : pipes->out;
  auto& lines = is_stderr ? pipes->err_lines : pipes->out_lines;
  auto write = [&](std::string_view line, bool continues) { app_->log.write_line(who_.id, who_.number, is_stderr, line, continues); };
  std::array<char, 16 * 1024> buf;
  for (;;) {
    boost::system::error_code ec;
    std::size_t n = co_await stream.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
    if (n > 0) lines.feed(std::string_view(buf.data(), n), write);
    if (ec) break;
  }
  lines.finish(write);
  on_pipe_closed(pipes->generation);
}

json Instance::view(bool detailed) const {
  const auto& s = app_->spec;
  const bool running = pid_ > 0;
  auto uptime = running ? std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started_at_).count() : 0;
  json v = {
      {"id", who_.id},
      {"name", s.name},
      {"instance", who_.number},
      {"mode", app_->spec.exec_mode == "cluster" ? "cluster" : "fork"},
      {"pid", running ? json(pid_) : json(nullptr)},
      {"status", state_name(state_)},
      {"restarts", restarts_},
      {"unstable_restarts", history_.unstable_restarts},
      {"memory_restarts", memory_restarts_},
      {"uptime_ms", uptime},
      {"cpu", cpu_percent_},
      {"memory", memory_bytes_},
      {"processes", processes_},
      {"memory_limit", s.max_memory_restart},
      {"cpu_seconds", cpu_seconds(cpu_ticks_)},
  };
  if (!detailed) return v;
  v["reason"] = status_reason_;
  if (!reload_error_.empty()) v["last_reload_error"] = reload_error_;
  v["readiness"] = {{"awaits", policy::awaited_signal_name(readiness_.signal)},
                    {"became_ready", ready_how_.empty() ? json(nullptr) : json(ready_how_)}};
  v["created_at"] = unix_ms(app_->created_at);
  v["started_at"] = started_wall_.time_since_epoch().count() ? json(unix_ms(started_wall_)) : json(nullptr);
  if (last_exit_) {
    v["last_exit"] = {{"code", last_exit_->signaled ? json(nullptr) : json(last_exit_->code)},
                      {"signal", last_exit_->signaled ? json(signal_name(last_exit_->signal)) : json(nullptr)},
                      {"at", unix_ms(last_exit_at_)}};
  } else {
    v["last_exit"] = nullptr;
  }
  v["script"] = s.script;
  v["args"] = s.args;
  v["interpreter"] = s.interpreter.empty() ? "none" : s.interpreter;
  v["interpreter_args"] = s.interpreter_args;
  v["exec"] = s.argv();
  v["cwd"] = s.cwd;
  v["cgroup"] = cgroup_.empty() ? json(nullptr) : json(cgroup_);
  v["out_file"] = app_->log.out_path(who_.id);
  v["error_file"] = app_->log.err_path(who_.id);
  if (auto error = app_->log.error(); !error.empty()) v["log_error"] = error;
  v["env"] = s.env;
  // The same normalized view `pmctl config` prints, so both read alike.
  json settings = config::config_view(s);
  for (const char* shown_elsewhere : {"name", "script", "args", "interpreter", "interpreter_args", "cwd", "env"})
    settings.erase(shown_elsewhere);
  v["settings"] = settings;
  json history = json::array();
  for (const auto& t : transitions_)
    history.push_back({{"at", unix_ms(t.at)}, {"from", state_name(t.from)}, {"to", state_name(t.to)}, {"reason", t.reason}});
  v["transitions"] = history;
  return v;
}

}  // namespace pmd
