// Instance across a change of pmd: the record it leaves with the fd holder (handover/), and how
// an instance continues from one when a new pmd adopts it after a crash, a kill or an upgrade.
// The record is versioned (handover::kFormat); every field has a default, so a record of an
// older format reads as that format meant it.
#include "loop/detached.h"
#include "supervise/instance.h"

#include "handover/holder_protocol.h"
#include "handover/output_board.h"
#include "process/node_ipc_channel.h"
#include "process/proc_table.h"
#include "supervise/output_pipes.h"
#include "units.h"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <fcntl.h>
#include <unistd.h>

namespace pmd {

namespace asio = boost::asio;
using lifecycle::Event;
using lifecycle::Phase;
using nlohmann::json;
using std::chrono::milliseconds;

namespace {

std::string to_hex(std::string_view bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string from_hex(std::string_view text) {
  auto value = [](char c) { return c >= 'a' ? c - 'a' + 10 : c - '0'; };
  std::string out;
  for (std::size_t i = 0; i + 1 < text.size(); i += 2)
    out += static_cast<char>((value(text[i]) << 4) | value(text[i + 1]));
  return out;
}

std::int64_t ms_since_epoch(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count();
}

Phase phase_named(const std::string& name) {
  for (int i = 0; i < lifecycle::kPhaseCount; ++i)
    if (name == lifecycle::phase_name(static_cast<Phase>(i))) return static_cast<Phase>(i);
  return Phase::kStopped;
}

// The process's start time (clock ticks since boot, /proc/<pid>/stat field 22): with the pid it
// names one process for the life of the machine, so a reused pid is never taken for an app.
std::uint64_t process_start_ticks(pid_t pid) {
  auto entry = read_proc_entry(pid);
  return entry ? entry->start_ticks : 0;
}

// A pipe whose writer is gone: stands for an output that did not come back from the holder, so
// the launch ends the usual way (EOF on both pipes).
int at_end_of_stream() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return -1;
  ::close(fds[1]);
  return fds[0];
}

}  // namespace

json Instance::handover_record() const {
  json r = {{"format", handover::kFormat},
            {"app", app_->spec.name},
            {"id", who_.id},
            {"number", who_.number},
            {"phase", lifecycle::phase_name(phase_)},
            {"pid", tree_.main},
            {"pgid", tree_.pgid},
            {"start_ticks", start_ticks_},
            {"unit", tree_.unit},
            {"cgroup", tree_.cgroup},
            {"pid_file", tree_.pid_file},
            {"started_at_ms", ms_since_epoch(started_wall_)},
            {"restarts", restarts_},
            {"memory_restarts", memory_restarts_},
            {"unstable_restarts", history_.unstable_restarts},
            {"last_backoff_ms", history_.last_backoff.count()},
            {"restart_delay_ms", restart_delay_.count()},
            {"stop_requested", stop_requested_},
            {"killed", killed_},
            {"status", state_name(status_)},
            {"status_reason", status_reason_},
            {"ready_how", ready_how_},
            {"ready_timed_out", ready_timed_out_},
            {"has_preload", has_preload_},
            {"shares_socket", readiness_shares_},
            {"lines_lost", lines_lost_}};
  if (last_exit_)
    r["last_exit"] = {{"signaled", last_exit_->signaled},
                      {"code", last_exit_->code},
                      {"signal", last_exit_->signal},
                      {"known", last_exit_->known},
                      {"at_ms", ms_since_epoch(last_exit_at_)}};
  // The start of a line the app has not finished yet: the next pmd continues it. It is on the
  // output board when it fits there (the board is current after every read, a record is not).
  if (pipes_) {
    if (pipes_->pending_in_record(false)) r["pending_stdout"] = to_hex(pipes_->out_lines.pending());
    if (pipes_->pending_in_record(true)) r["pending_stderr"] = to_hex(pipes_->err_lines.pending());
    for (bool is_stderr : {false, true}) {
      const auto& note = pipes_->note(is_stderr);
      if (pipes_->on_board(is_stderr))
        r[is_stderr ? "board_stderr" : "board_stdout"] = {{"slot", note.slot}, {"owner", note.owner}};
    }
  }
  return r;
}

void Instance::record_delivered() {
  if (pipes_) pipes_->records_delivered();
}

std::vector<std::pair<char, int>> Instance::handover_fds() const {
  std::vector<std::pair<char, int>> fds;
  if (pipes_ && pipes_->out.is_open()) fds.emplace_back(handover::role::kStdout, pipes_->out.native_handle());
  if (pipes_ && pipes_->err.is_open()) fds.emplace_back(handover::role::kStderr, pipes_->err.native_handle());
  if (ipc_ && ipc_->fd() >= 0) fds.emplace_back(handover::role::kIpc, ipc_->fd());
  return fds;
}

void Instance::adopt(const json& r, std::vector<handover::HeldFd>& fds, const std::string& how) {
  restarts_ = r.value("restarts", 0);
  memory_restarts_ = r.value("memory_restarts", 0);
  history_.unstable_restarts = r.value("unstable_restarts", 0);
  history_.last_backoff = milliseconds(r.value("last_backoff_ms", 0));
  restart_delay_ = milliseconds(r.value("restart_delay_ms", 0));
  stop_requested_ = r.value("stop_requested", false);
  status_reason_ = r.value("status_reason", "");
  ready_how_ = r.value("ready_how", "");
  ready_timed_out_ = r.value("ready_timed_out", false);
  lines_lost_ = r.value("lines_lost", std::uint64_t{0});
  started_wall_ = std::chrono::system_clock::time_point(milliseconds(r.value("started_at_ms", std::int64_t{0})));
  started_at_ = std::chrono::steady_clock::now() -
                std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::max(
                    std::chrono::system_clock::duration::zero(), std::chrono::system_clock::now() - started_wall_));
  if (r.contains("last_exit") && r["last_exit"].is_object()) {
    const json& e = r["last_exit"];
    last_exit_ = policy::ExitStatus{e.value("signaled", false), e.value("code", 0), e.value("signal", 0),
                                    e.value("known", true)};
    last_exit_at_ = std::chrono::system_clock::time_point(milliseconds(e.value("at_ms", std::int64_t{0})));
  }
  const Phase was = phase_named(r.value("phase", "stopped"));
  const pid_t pid = r.value("pid", -1);
  const std::uint64_t ticks = r.value("start_ticks", std::uint64_t{0});
  const std::string unit = r.value("unit", "");
  // The same process, not a stranger with a reused pid: same start time, and (when its
  // environment is readable) the launch's own marker.
  bool alive = pid > 0 && ticks > 0 && process_start_ticks(pid) == ticks;
  if (alive && !unit.empty()) {
    std::string marker = environment_value(pid, "PMD_UNIT");
    alive = marker.empty() || marker == unit;
  }
  tree_ =
      ProcessTree{alive ? pid : -1, r.value("pgid", -1), r.value("cgroup", ""), unit, {}, r.value("pid_file", ""), {}};
  start_ticks_ = alive ? ticks : 0;
  has_preload_ = r.value("has_preload", false);
  readiness_shares_ = r.value("shares_socket", false);
  readiness_ = policy::plan_readiness(app_->spec, {readiness_shares_, has_preload_, app_->speaks_notify});
  status_ = InstanceState::kStopped;
  for (InstanceState s : kAllInstanceStates)
    if (r.value("status", "") == state_name(s)) status_ = s;

  // The channels of this launch come back from the holder: output first (with what the holder
  // kept meanwhile), then the Node IPC channel.
  int out_fd = -1, err_fd = -1, ipc_fd = -1;
  const handover::HeldFd* out_held = nullptr;
  const handover::HeldFd* err_held = nullptr;
  for (auto& f : fds) {
    if (f.role == handover::role::kStdout && out_fd < 0)
      std::tie(out_fd, out_held) = std::pair{f.fd, &f};
    else if (f.role == handover::role::kStderr && err_fd < 0)
      std::tie(err_fd, err_held) = std::pair{f.fd, &f};
    else if (f.role == handover::role::kIpc && ipc_fd < 0)
      ipc_fd = f.fd;
    else
      continue;
    f.fd = -1;  // ours now
  }
  const bool process_phase = lifecycle::process_may_run(was);
  if (!process_phase) {
    for (int fd : {out_fd, err_fd, ipc_fd})
      if (fd >= 0) ::close(fd);
    tree_ = ProcessTree{};
    phase_ = was == Phase::kWaitingRestart || was == Phase::kErrored ? was : Phase::kStopped;
    if (phase_ == Phase::kWaitingRestart) arm(Event::kRestartDelay, restart_delay_);
    spdlog::info("app {} [id {}] adopted {} ({})", app_->spec.name, who_.id, state_name(status_), how);
    return;
  }

  ++generation_;
  if (out_fd < 0) out_fd = at_end_of_stream();
  if (err_fd < 0) err_fd = at_end_of_stream();
  pipes_ = std::make_shared<OutputPipes>(io_, out_fd, err_fd, generation_);
  auto board_note = [&](const char* key) {
    OutputPipes::Note n;
    if (!app_->output_board || !r.contains(key) || !r[key].is_object()) return n;
    n.slot = r[key].value("slot", -1);
    n.owner = r[key].value("owner", std::uint64_t{0});
    return n;
  };
  const OutputPipes::Note out_note = board_note("board_stdout"), err_note = board_note("board_stderr");
  pipes_->use_board(app_->output_board, serial_, out_note, err_note);
  auto write_kept = [this](bool is_stderr, const handover::HeldFd* held, const std::string& pending_hex) {
    auto& lines = is_stderr ? pipes_->err_lines : pipes_->out_lines;
    auto write = [&](std::string_view line, bool continues) {
      app_->log.write_line(who_.id, who_.number, is_stderr, line, continues);
    };
    const auto& slot = pipes_->note(is_stderr);
    const auto left =
        app_->output_board ? app_->output_board->left(slot.slot, slot.owner) : handover::OutputBoard::Left{};
    auto continuation = handover::continue_from(left, from_hex(pending_hex));
    if (continuation.in_doubt) {
      // pmd was killed between taking output from the pipe and writing it: that output is gone
      // (how much, nobody can say), and what follows may be the rest of a line whose start went with it.
      const std::string note_text = std::string("[pmd] output of ") + (is_stderr ? "stderr" : "stdout") +
                                    " may be lost: pmd was killed while it was reading it (at most one read, " +
                                    std::to_string(kReadChunk / 1024) + " KiB; the line it was in is skipped)";
      spdlog::warn("app {} [id {}] {}", app_->spec.name, who_.id, note_text.substr(6));
      app_->log.write_line(who_.id, who_.number, true, note_text, false);
      lines.skip_to_line_end();
    } else {
      lines.restore_pending(std::move(continuation.pending));
    }
    if (!held) return;
    lines.feed(held->kept, write);
    if (held->lost.lines > 0) {
      lines_lost_ += held->lost.lines;
      const std::string note = "[pmd] " + std::to_string(held->lost.lines) + " line(s) of " +
                               (is_stderr ? "stderr" : "stdout") +
                               " lost while no pmd was reading (the holder keeps up to 256 KiB per pipe)";
      spdlog::warn("app {} [id {}] {}", app_->spec.name, who_.id, note.substr(6));
      lines.finish(write);
      app_->log.write_line(who_.id, who_.number, true, note, false);
    }
    if (held->lost.inside_line) lines.skip_to_line_end();
  };
  write_kept(false, out_held, r.value("pending_stdout", ""));
  write_kept(true, err_held, r.value("pending_stderr", ""));
  for (bool is_stderr : {false, true}) pipes_->settle(is_stderr);  // the slots are this pmd's now
  std::weak_ptr<Instance> weak = weak_from_this();
  start_readers();
  if (ipc_fd >= 0) {
    ipc_ = NodeIpcChannel::adopt(io_, ipc_fd);
    ipc_->start([weak, gen = generation_](const json& message) {
      if (auto self = weak.lock()) self->on_ipc_message(gen, message);
    });
  }

  // Running phases continue as they were; a stop under way is asked again (its timer is gone).
  const bool stopping = lifecycle::goal_of(was) == lifecycle::Goal::kStop;
  const bool restarting =
      was == Phase::kStoppingToRestart || was == Phase::kKillingToRestart || was == Phase::kDrainingToRestart;
  phase_ = was == Phase::kLaunching ? Phase::kLaunching : Phase::kOnline;
  if (!alive) phase_ = stopping ? Phase::kStopping : restarting ? Phase::kStoppingToRestart : phase_;
  spdlog::info("app {} [id {}] adopted pid {} ({}; {})", app_->spec.name, who_.id, pid,
               alive ? "still running" : "gone meanwhile", how);
  if (!alive) {
    // It ended while no pmd watched: how, nobody can say. The restart rules decide as after a crash.
    last_exit_ = policy::ExitStatus::from_wait_status(policy::kUnknownWaitStatus);
    last_exit_at_ = std::chrono::system_clock::now();
    handle(Event::kExitedOutputOpen, "ended while no pmd was running");
    return;
  }
  ops_->watch_exit(pid, [weak](int status) {
    if (auto self = weak.lock()) self->on_exit(status);
  });
  if (phase_ == Phase::kLaunching) arm(Event::kReadyDeadline, readiness_.deadline);
  if (stopping) request_stop(status_reason_.empty() ? "stop asked before pmd changed" : status_reason_);
  if (restarting) restart_for("a restart asked before pmd changed");
}

}  // namespace pmd
