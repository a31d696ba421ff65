// Instance on a fake ProcessOps: the table's cells played through the real shell, in orders that
// integration tests can only hit by luck.
#include "supervise/instance.h"
#include "fake_process_ops.h"

#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <signal.h>

using namespace pmd;
using namespace pmd::test;
using lifecycle::Event;
using lifecycle::Phase;
using lifecycle::Step;
using namespace std::chrono_literals;

namespace {

int exit_code(int code) { return code << 8; }  // a wait status
int killed_by(int signo) { return signo; }

AppSpec sample_spec() {
  AppSpec s;
  s.name = "app";
  s.script = "/bin/true";
  s.cwd = "/";
  s.kill_signal = SIGINT;
  s.kill_timeout = 1600ms;
  s.min_uptime = 1000ms;
  s.restart_delay = 100ms;
  s.listen_timeout = 3000ms;
  return s;
}

struct Rig {
  explicit Rig(AppSpec spec = sample_spec())
      : runtime(std::make_shared<AppRuntime>(std::move(spec))),
        inst(std::make_shared<Instance>(io, fake, runtime, InstanceIdentity{0, 0})) {}
  pid_t pid() const { return inst->pid(); }
  bool settle(Phase phase) {
    return run_until(io, [&] { return inst->phase() == phase; });
  }
  bool launches(std::size_t n) {
    return run_until(io, [&] { return ops.launched().size() == n; });
  }
  boost::asio::io_context io;
  std::shared_ptr<FakeProcessOps> fake = std::make_shared<FakeProcessOps>();
  FakeProcessOps& ops = *fake;
  std::shared_ptr<AppRuntime> runtime;
  std::shared_ptr<Instance> inst;
};

// A coroutine's parameters live in its frame (a lambda's captures would not outlive co_spawn).
boost::asio::awaitable<void> await_ready(std::shared_ptr<Instance> inst,
                                         std::shared_ptr<std::optional<std::string>> out) {
  *out = co_await inst->wait_ready();
}

std::shared_ptr<std::optional<std::string>> start_waiting(Rig& r) {
  auto out = std::make_shared<std::optional<std::string>>();
  boost::asio::co_spawn(r.io, await_ready(r.inst, out), boost::asio::detached);
  return out;
}

}  // namespace

TEST_CASE("a fork-mode launch is online at once, and a crash waits restart_delay before the next", "[instance]") {
  Rig r;
  REQUIRE(r.inst->launch("started").empty());
  CHECK(r.inst->phase() == Phase::kOnline);
  const pid_t first = r.pid();
  r.ops.exit(first, exit_code(1));
  REQUIRE(r.settle(Phase::kWaitingRestart));
  CHECK(r.ops.armed_for(0) == 100ms);
  CHECK(r.ops.released() == 1);
  CHECK(r.ops.signals_to(first, SIGKILL) == 1);  // leftovers of the launch, if any
  REQUIRE(r.ops.fire_timer(0));
  CHECK(r.inst->phase() == Phase::kOnline);
  CHECK(r.pid() != first);
  CHECK(r.inst->restarts() == 1);
}

TEST_CASE("a replacement launched at once is exec'd before the old launch is released, and keeps the pid file",
          "[instance]") {
  AppSpec spec = sample_spec();
  spec.pid_file = "/run/app-0.pid";
  Rig r(spec);
  r.inst->launch("started");
  const pid_t first = r.pid();
  r.inst->restart_for("memory");
  r.ops.exit(first, killed_by(SIGINT));
  REQUIRE(r.launches(2));
  const pid_t second = r.pid();
  // The kill of leftovers and the removals come after the exec; the pid file names the new pid
  // now, so the old launch's release leaves it alone.
  CHECK(r.ops.journal() == std::vector<std::string>{"launch " + std::to_string(first),
                                                    "launch " + std::to_string(second),
                                                    "release " + std::to_string(first) + " "});
  CHECK(r.ops.signals_to(first, SIGKILL) == 1);
  // A stop releases the launch with its pid file.
  r.inst->request_stop("stopped by request");
  r.ops.exit(second, killed_by(SIGINT));
  REQUIRE(r.settle(Phase::kStopped));
  CHECK(r.ops.journal().back() == "release " + std::to_string(second) + " /run/app-0.pid");
}

TEST_CASE("the old launch's leftovers are not signalled through a group number the replacement reuses", "[instance]") {
  Rig r;
  r.inst->launch("started");
  const pid_t first = r.pid();
  r.inst->restart_for("memory");
  r.ops.give_next_pid(first);  // the old group was empty, and the kernel handed its number out again
  r.ops.exit(first, killed_by(SIGINT));
  REQUIRE(r.launches(2));
  CHECK(r.pid() == first);
  CHECK(r.ops.signals_to(first, SIGKILL) == 0);
  CHECK(r.ops.released() == 1);
}

TEST_CASE("a stop during a memory restart wins: the app is not launched again", "[instance]") {
  Rig r;
  r.inst->launch("started");
  const pid_t pid = r.pid();
  r.inst->restart_for("memory 300MB > 200MB");
  CHECK(r.inst->phase() == Phase::kStoppingToRestart);
  CHECK(r.inst->memory_restarts() == 1);
  CHECK(r.ops.signals_to(pid, SIGINT) == 1);
  r.inst->request_stop("stopped by request");
  CHECK(r.inst->phase() == Phase::kStopping);
  CHECK(r.ops.signals_to(pid, SIGINT) == 1);  // not signalled twice
  r.ops.exit(pid, killed_by(SIGINT));
  REQUIRE(r.settle(Phase::kStopped));
  CHECK(r.ops.launched().size() == 1);
  CHECK(r.ops.armed_for(0) == -1ms);
}

TEST_CASE("without the stop, a memory restart launches the app again once it is down", "[instance]") {
  Rig r;
  r.inst->launch("started");
  const pid_t pid = r.pid();
  r.inst->restart_for("memory");
  r.ops.exit(pid, killed_by(SIGINT));
  REQUIRE(r.launches(2));
  CHECK(r.inst->phase() == Phase::kOnline);
  CHECK(r.inst->restarts() == 1);
  CHECK(r.inst->memory_restarts() == 1);
}

TEST_CASE("a memory restart is only for an online instance, not one still launching or going down", "[instance]") {
  AppSpec spec = sample_spec();
  spec.wait_ready = true;
  Rig r(spec);
  r.inst->launch("started");
  CHECK(r.inst->phase() == Phase::kLaunching);
  r.inst->restart_for("memory");
  CHECK(r.inst->phase() == Phase::kLaunching);
  CHECK(r.inst->memory_restarts() == 0);
  CHECK(r.ops.signals().empty());
}

TEST_CASE("a crash while launching ends the wait for readiness with the exit, and counts as a crash", "[instance]") {
  AppSpec spec = sample_spec();
  spec.wait_ready = true;
  Rig r(spec);
  r.inst->launch("started");
  REQUIRE(r.inst->phase() == Phase::kLaunching);
  CHECK(r.ops.armed_for(0) == 3000ms);  // listen_timeout
  auto why = start_waiting(r);
  r.io.restart();
  r.io.poll();
  r.ops.exit(r.pid(), exit_code(2));
  REQUIRE(run_until(r.io, [&] { return why->has_value(); }));
  CHECK(**why == "it exited with exit code 2 before it was ready");
  REQUIRE(r.settle(Phase::kWaitingRestart));
  CHECK(r.ops.armed_for(0) == 100ms);  // the ready deadline was replaced by the restart delay
}

TEST_CASE("readiness: the awaited signal, or the deadline, which a reload does not take for readiness", "[instance]") {
  AppSpec spec = sample_spec();
  spec.wait_ready = true;
  Rig r(spec);
  r.inst->launch("started");
  r.inst->notify_ready("said READY=1 (sd_notify)");
  CHECK(r.inst->phase() == Phase::kOnline);
  CHECK(r.ops.armed_for(0) == -1ms);  // the deadline is cancelled
  CHECK_THAT(r.inst->readiness_note(), Catch::StartsWith("said READY=1 (sd_notify) after "));

  Rig late(spec);
  late.inst->launch("started");
  REQUIRE(late.ops.fire_timer(0));
  CHECK(late.inst->phase() == Phase::kOnline);
  auto why = start_waiting(late);
  REQUIRE(run_until(late.io, [&] { return why->has_value(); }));
  CHECK_THAT(**why, Catch::StartsWith("it did not signal readiness"));
}

TEST_CASE("a stop escalates to SIGKILL after kill_timeout and says so", "[instance]") {
  Rig r;
  r.inst->launch("started");
  const pid_t pid = r.pid();
  r.inst->request_stop("stopped by request");
  CHECK(r.inst->phase() == Phase::kStopping);
  CHECK(r.ops.armed_for(0) == 1600ms);
  REQUIRE(r.ops.fire_timer(0));
  CHECK(r.inst->phase() == Phase::kKilling);
  CHECK(r.ops.signals_to(pid, SIGKILL) == 1);
  r.ops.exit(pid, killed_by(SIGKILL));
  REQUIRE(r.settle(Phase::kStopped));
  auto view = r.inst->view(true);
  CHECK(view["reason"] == "stopped by request; killed with SIGKILL after kill_timeout 1.6s");
}

TEST_CASE("leftovers holding the output after a crash are stopped, killed, then given up on", "[instance]") {
  Rig r;
  r.inst->launch("started");
  const pid_t pid = r.pid();
  r.ops.exit(pid, exit_code(1), /*close_output_first=*/false);
  CHECK(r.inst->phase() == Phase::kDraining);
  CHECK(r.ops.signals_to(pid, SIGINT) == 1);  // kill_signal to what is left of the tree
  CHECK(r.ops.armed_for(0) == 1600ms);
  REQUIRE(r.ops.fire_timer(0));
  CHECK(r.ops.signals_to(pid, SIGKILL) == 1);
  CHECK(r.ops.armed_for(0) == Instance::kDrainDeadline);
  REQUIRE(r.ops.fire_timer(0));  // the pipes are closed by pmd, the readers end
  REQUIRE(r.settle(Phase::kWaitingRestart));
  CHECK(r.ops.released() == 1);
}

TEST_CASE("a stop while a crashed launch drains leaves it stopped, with no restart", "[instance]") {
  Rig r;
  r.inst->launch("started");
  const pid_t pid = r.pid();
  r.ops.exit(pid, exit_code(1), false);
  r.inst->request_stop("stopped by request");
  CHECK(r.inst->phase() == Phase::kDrainingToStop);
  r.ops.close_output(pid);
  REQUIRE(r.settle(Phase::kStopped));
  CHECK(r.ops.launched().size() == 1);
  CHECK(r.inst->view(true)["reason"] == "stopped by request; exited with exit code 1");
}

TEST_CASE("a start asked while the instance stops runs it again once it is down", "[instance]") {
  Rig r;
  r.inst->launch("started");
  const pid_t pid = r.pid();
  r.inst->request_stop("stopped by request");
  CHECK(r.inst->launch("started by request").empty());
  CHECK(r.inst->phase() == Phase::kStoppingToRestart);
  CHECK(r.ops.launched().size() == 1);  // not twice at once
  r.ops.exit(pid, killed_by(SIGINT));
  REQUIRE(r.launches(2));
  CHECK(r.inst->phase() == Phase::kOnline);
}

TEST_CASE("an exec that fails by request leaves the instance errored, after a crash it counts as one", "[instance]") {
  Rig r;
  r.ops.fail_next_launch("no such file: /bin/gone");
  CHECK(r.inst->launch("started") == "no such file: /bin/gone");
  CHECK(r.inst->phase() == Phase::kErrored);

  Rig c;
  c.inst->launch("started");
  c.ops.exit(c.pid(), exit_code(1));
  REQUIRE(c.settle(Phase::kWaitingRestart));
  c.ops.fail_next_launch("no such file: /bin/gone");
  REQUIRE(c.ops.fire_timer(0));
  CHECK(c.inst->phase() == Phase::kWaitingRestart);  // the policy tries again after its delay
  CHECK_THAT(c.inst->view(true)["reason"].get<std::string>(), Catch::StartsWith("no such file: /bin/gone; "));
}

TEST_CASE("unstable restarts past max_restarts leave the instance errored", "[instance]") {
  AppSpec spec = sample_spec();
  spec.max_restarts = 2;
  Rig r(spec);
  r.inst->launch("started");
  for (int crash = 0; crash < 3; ++crash) {
    r.ops.exit(r.pid(), exit_code(1));
    REQUIRE(run_until(r.io,
                      [&] { return r.inst->phase() == Phase::kWaitingRestart || r.inst->phase() == Phase::kErrored; }));
    if (r.inst->phase() == Phase::kWaitingRestart) REQUIRE(r.ops.fire_timer(0));
  }
  CHECK(r.inst->phase() == Phase::kErrored);
  CHECK(r.ops.launched().size() == 3);
}

TEST_CASE("a stop while waiting to restart cancels the restart", "[instance]") {
  Rig r;
  r.inst->launch("started");
  r.ops.exit(r.pid(), exit_code(1));
  REQUIRE(r.settle(Phase::kWaitingRestart));
  r.inst->request_stop("stopped by request");
  CHECK(r.inst->phase() == Phase::kStopped);
  CHECK_FALSE(r.ops.fire_timer(0));
  CHECK(r.ops.launched().size() == 1);
}

TEST_CASE("an instance destroyed with a live process kills its tree and stops watching it", "[instance]") {
  Rig r;
  r.inst->launch("started");
  const pid_t pid = r.pid();
  r.inst.reset();
  CHECK(r.ops.signals_to(pid, SIGKILL) == 1);
  CHECK_FALSE(r.ops.watched(pid));
}

// Every phase an instance can rest in, reached through the real shell, then every event the
// outside world can deliver there: what the instance does must be what the table says.
namespace {

struct Reached {
  std::unique_ptr<Rig> rig;
  pid_t pid = -1;
};

// A rig whose instance rests in `phase` (wait_ready spec: launches wait for a ready signal).
Reached reach(Phase phase) {
  AppSpec spec = sample_spec();
  spec.wait_ready = true;
  Reached out{std::make_unique<Rig>(spec)};
  Rig& r = *out.rig;
  auto launched = [&] {
    r.inst->launch("started");
    out.pid = r.pid();
  };
  auto online = [&] {
    launched();
    r.inst->notify_ready("said READY=1 (sd_notify)");
  };
  switch (phase) {
    case Phase::kStopped: break;
    case Phase::kErrored:
      r.ops.fail_next_launch("cannot exec");
      r.inst->launch("started");
      break;
    case Phase::kWaitingRestart:
      launched();
      r.ops.exit(out.pid, exit_code(1));
      r.settle(Phase::kWaitingRestart);
      break;
    case Phase::kLaunching: launched(); break;
    case Phase::kOnline: online(); break;
    case Phase::kStopping:
      online();
      r.inst->request_stop("stopped by request");
      break;
    case Phase::kStoppingToRestart:
      online();
      r.inst->restart_for("memory");
      break;
    case Phase::kKilling:
      online();
      r.inst->request_stop("stopped by request");
      r.ops.fire_timer(0);
      break;
    case Phase::kKillingToRestart:
      online();
      r.inst->restart_for("memory");
      r.ops.fire_timer(0);
      break;
    case Phase::kDraining:
      online();
      r.ops.exit(out.pid, exit_code(1), false);
      break;
    case Phase::kDrainingToStop:
      online();
      r.ops.exit(out.pid, exit_code(1), false);
      r.inst->request_stop("stopped by request");
      break;
    case Phase::kDrainingToRestart:
      online();
      r.ops.exit(out.pid, exit_code(1), false);
      r.inst->request_stop("stopped by request");
      r.inst->launch("started by request");
      break;
    case Phase::kSpawning:
    case Phase::kRespawning:
    case Phase::kExited: break;  // transient: never at rest
  }
  return out;
}

enum class Outside { kStart, kStop, kRestartFor, kReady, kExit, kExitOutputOpen, kOutputClosed, kTimer };

// The table's events an outside happening becomes in `phase` (the timer: whichever is armed).
std::vector<Event> events_of(Outside o, Phase phase) {
  switch (o) {
    case Outside::kStart: return {Event::kStart};
    case Outside::kStop: return {Event::kStop};
    case Outside::kRestartFor: return {Event::kRestartFor};
    case Outside::kReady: return {Event::kReady};
    case Outside::kExit: return {Event::kExited};
    case Outside::kExitOutputOpen: return {Event::kExitedOutputOpen};
    case Outside::kOutputClosed: return {Event::kOutputClosed};
    case Outside::kTimer:
      switch (phase) {
        case Phase::kLaunching: return {Event::kReadyDeadline};
        case Phase::kWaitingRestart: return {Event::kRestartDelay};
        case Phase::kStopping:
        case Phase::kStoppingToRestart:
        case Phase::kDraining:
        case Phase::kDrainingToStop:
        case Phase::kDrainingToRestart: return {Event::kKillDeadline};
        default: return {};
      }
  }
  return {};
}

// Where the table leads from `phase` on `event`, following the answers a fake launch and the
// policy give (exec'd and waiting for readiness; a crash is restarted), to the phase it rests in.
Phase expected_rest(Phase phase, Event event) {
  Step step = lifecycle::transition(phase, event);
  Phase p = step.next;
  for (int hops = 0; lifecycle::is_transient(p) && hops < 4; ++hops) {
    Event answer = p == Phase::kExited ? Event::kPolicyRestart : Event::kSpawned;
    p = lifecycle::transition(p, answer).next;
  }
  return p;
}

// Phases that wait on something that may never come (a ready signal, a process ignoring its
// stop signal, leftovers holding the output) must have a deadline armed, or they could hang.
bool needs_deadline(Phase p) {
  switch (p) {
    case Phase::kLaunching:
    case Phase::kWaitingRestart:
    case Phase::kStopping:
    case Phase::kStoppingToRestart:
    case Phase::kDraining:
    case Phase::kDrainingToStop:
    case Phase::kDrainingToRestart: return true;
    default: return false;
  }
}

}  // namespace

TEST_CASE("every phase at rest, every event from outside: the shell does what the table says", "[instance]") {
  int played = 0;
  for (int i = 0; i < lifecycle::kPhaseCount; ++i) {
    const Phase phase = static_cast<Phase>(i);
    if (lifecycle::is_transient(phase)) continue;
    for (Outside o : {Outside::kStart, Outside::kStop, Outside::kRestartFor, Outside::kReady, Outside::kExit,
                      Outside::kExitOutputOpen, Outside::kOutputClosed, Outside::kTimer}) {
      auto events = events_of(o, phase);
      if (events.empty()) continue;
      Reached at = reach(phase);
      Rig& r = *at.rig;
      REQUIRE(r.inst->phase() == phase);
      const Event event = events.front();
      INFO(lifecycle::phase_name(phase) << " x " << lifecycle::event_name(event));
      const Phase want = expected_rest(phase, event);
      switch (o) {
        case Outside::kStart: r.inst->launch("started by request"); break;
        case Outside::kStop: r.inst->request_stop("stopped by request"); break;
        case Outside::kRestartFor: r.inst->restart_for("memory"); break;
        case Outside::kReady: r.inst->notify_ready("said READY=1 (sd_notify)"); break;
        case Outside::kExit:
          // EOF first, read through, then the exit: the event is a plain exit. (With no process
          // left, only the exit is delivered: nobody watches the pid any more.)
          if (!lifecycle::process_may_run(phase)) {
            r.ops.exit(at.pid, exit_code(1), false);
            break;
          }
          r.ops.close_output(at.pid);
          drain(r.io);
          r.ops.exit(at.pid, exit_code(1));
          break;
        case Outside::kExitOutputOpen: r.ops.exit(at.pid, exit_code(1), false); break;
        case Outside::kOutputClosed: r.ops.close_output(at.pid); break;
        case Outside::kTimer: REQUIRE(r.ops.fire_timer(0)); break;
      }
      // Let EOF and other posted work land; a phase that needs EOF to move on gets it.
      drain(r.io);
      CHECK(lifecycle::phase_name(r.inst->phase()) == std::string(lifecycle::phase_name(want)));
      if (needs_deadline(r.inst->phase())) CHECK(r.ops.armed_for(0) >= std::chrono::milliseconds(0));
      ++played;
    }
  }
  CHECK(played > 80);
}
