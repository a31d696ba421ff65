// The instance table, one block per phase. Each block names every event: a cell that does
// nothing says so with `ignore`, and the compiler (-Werror=switch) refuses a block that forgets
// one. A cell that cannot happen (an answer of an action not under way) is an explicit `ignore`
// too, commented where the reason is not obvious.
#include "supervise/instance_table.h"

namespace pmd {

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

namespace lifecycle {

namespace {

using A = Action;
using E = Event;
using P = Phase;

Step go(Phase next, A a = A::kNone, A b = A::kNone, A c = A::kNone, A d = A::kNone) { return Step{next, {a, b, c, d}}; }
Step ignore(Phase same) { return Step{same, {}, true}; }

// No process: only a start (or, while waiting, the delay or a stop) moves it.
Step from_down(Phase p, Event e) {
  switch (e) {
    case E::kStart:
      return p == P::kWaitingRestart ? go(P::kSpawning, A::kCancelTimer, A::kSpawn) : go(P::kSpawning, A::kSpawn);
    case E::kStop: return p == P::kWaitingRestart ? go(P::kStopped, A::kCancelTimer) : ignore(p);
    case E::kRestartDelay: return p == P::kWaitingRestart ? go(P::kRespawning, A::kCountRestart, A::kSpawn) : ignore(p);
    case E::kRestartFor:  // nothing runs to be replaced
    case E::kSpawned:
    case E::kSpawnedReady:
    case E::kSpawnFailed:
    case E::kReady:
    case E::kExited:
    case E::kExitedOutputOpen:
    case E::kOutputClosed:
    case E::kReadyDeadline:  // stale timers: the launch they were armed for is over
    case E::kKillDeadline:
    case E::kDrainDeadline:
    case E::kPolicyRestart:
    case E::kPolicyStop:
    case E::kPolicyGiveUp: return ignore(p);
  }
  return ignore(p);
}

// Spawning and respawning last only as long as the kSpawn action: its answers are the only
// events they can meet.
Step from_spawning(Phase p, Event e) {
  switch (e) {
    case E::kSpawned: return go(P::kLaunching, A::kArmReadyDeadline);
    case E::kSpawnedReady: return go(P::kOnline);
    // A failed exec by request leaves the instance errored; after a crash it is one more crash.
    case E::kSpawnFailed: return p == P::kSpawning ? go(P::kErrored) : go(P::kExited, A::kConsultPolicy);
    case E::kStart:
    case E::kStop:
    case E::kRestartFor:
    case E::kReady:
    case E::kExited:
    case E::kExitedOutputOpen:
    case E::kOutputClosed:
    case E::kReadyDeadline:
    case E::kKillDeadline:
    case E::kDrainDeadline:
    case E::kRestartDelay:
    case E::kPolicyRestart:
    case E::kPolicyStop:
    case E::kPolicyGiveUp: return ignore(p);
  }
  return ignore(p);
}

// Exited lasts only as long as the kConsultPolicy action.
Step from_exited(Phase p, Event e) {
  switch (e) {
    case E::kPolicyRestart: return go(P::kWaitingRestart, A::kArmRestartDelay);
    case E::kPolicyStop: return go(P::kStopped);
    case E::kPolicyGiveUp: return go(P::kErrored);
    case E::kStart:
    case E::kStop:
    case E::kRestartFor:
    case E::kSpawned:
    case E::kSpawnedReady:
    case E::kSpawnFailed:
    case E::kReady:
    case E::kExited:
    case E::kExitedOutputOpen:
    case E::kOutputClosed:
    case E::kReadyDeadline:
    case E::kKillDeadline:
    case E::kDrainDeadline:
    case E::kRestartDelay: return ignore(p);
  }
  return ignore(p);
}

// Launching and online: the process runs and should.
Step from_running(Phase p, Event e) {
  const bool launching = p == P::kLaunching;
  switch (e) {
    case E::kStop: return go(P::kStopping, A::kSignalStop, A::kArmKillDeadline);
    // Only an online process is replaced for its memory: a launching one has not settled yet.
    case E::kRestartFor:
      return launching ? ignore(p)
                       : go(P::kStoppingToRestart, A::kCountMemoryRestart, A::kSignalStop, A::kArmKillDeadline);
    case E::kReady: return launching ? go(P::kOnline, A::kCancelTimer) : ignore(p);
    case E::kReadyDeadline: return launching ? go(P::kOnline) : ignore(p);
    case E::kExited: return go(P::kExited, A::kCleanUp, A::kConsultPolicy);
    // A crash whose children still hold the output: they are stopped as the app would be.
    case E::kExitedOutputOpen: return go(P::kDraining, A::kSignalLeftovers, A::kArmKillDeadline);
    case E::kStart:         // runs already
    case E::kOutputClosed:  // the process closed its stdout and stderr but lives on
    case E::kSpawned:
    case E::kSpawnedReady:
    case E::kSpawnFailed:
    case E::kKillDeadline:
    case E::kDrainDeadline:
    case E::kRestartDelay:
    case E::kPolicyRestart:
    case E::kPolicyStop:
    case E::kPolicyGiveUp: return ignore(p);
  }
  return ignore(p);
}

// Asked to stop (to stay down, or to run again), SIGKILL not sent yet or sent already.
Step from_stopping(Phase p, Event e) {
  const bool restart = p == P::kStoppingToRestart || p == P::kKillingToRestart;
  const bool killed = p == P::kKilling || p == P::kKillingToRestart;
  switch (e) {
    // A stop asked now wins over a restart under way, and a start over a stop: the last word
    // counts, the process is not signalled twice.
    case E::kStart:
      if (restart) return ignore(p);
      return go(killed ? P::kKillingToRestart : P::kStoppingToRestart);
    case E::kStop:
      if (!restart) return ignore(p);
      return go(killed ? P::kKilling : P::kStopping);
    case E::kKillDeadline:
      if (killed) return ignore(p);
      return go(restart ? P::kKillingToRestart : P::kKilling, A::kKillTree);
    case E::kExited:
      if (restart) return go(P::kSpawning, A::kCleanUp, A::kCountRestart, A::kSpawn);
      return go(P::kStopped, A::kCleanUp);
    // Leftovers hold the output: before SIGKILL the kill deadline still runs for them; after
    // it, only the drain deadline is left to wait.
    case E::kExitedOutputOpen:
      if (killed) return go(restart ? P::kDrainingToRestart : P::kDrainingToStop, A::kArmDrainDeadline);
      return go(restart ? P::kDrainingToRestart : P::kDrainingToStop);
    case E::kRestartFor:  // going down already
    case E::kOutputClosed:
    case E::kReady:  // too late to matter
    case E::kReadyDeadline:
    case E::kSpawned:
    case E::kSpawnedReady:
    case E::kSpawnFailed:
    case E::kDrainDeadline:
    case E::kRestartDelay:
    case E::kPolicyRestart:
    case E::kPolicyStop:
    case E::kPolicyGiveUp: return ignore(p);
  }
  return ignore(p);
}

// The main process is gone; its leftovers hold the output.
Step from_draining(Phase p, Event e) {
  switch (e) {
    case E::kOutputClosed:
      if (p == P::kDrainingToStop) return go(P::kStopped, A::kCleanUp);
      if (p == P::kDrainingToRestart) return go(P::kSpawning, A::kCleanUp, A::kCountRestart, A::kSpawn);
      return go(P::kExited, A::kCleanUp, A::kConsultPolicy);
    case E::kKillDeadline: return go(p, A::kKillTree, A::kArmDrainDeadline);
    case E::kDrainDeadline: return go(p, A::kCloseOutput);
    case E::kStop: return p == P::kDrainingToStop ? ignore(p) : go(P::kDrainingToStop);
    case E::kStart: return p == P::kDrainingToStop ? go(P::kDrainingToRestart) : ignore(p);
    case E::kRestartFor:  // nothing runs to be replaced
    case E::kExited:      // exited already
    case E::kExitedOutputOpen:
    case E::kReady:
    case E::kReadyDeadline:
    case E::kSpawned:
    case E::kSpawnedReady:
    case E::kSpawnFailed:
    case E::kRestartDelay:
    case E::kPolicyRestart:
    case E::kPolicyStop:
    case E::kPolicyGiveUp: return ignore(p);
  }
  return ignore(p);
}

}  // namespace

Step transition(Phase phase, Event event) {
  switch (phase) {
    case P::kStopped:
    case P::kErrored:
    case P::kWaitingRestart: return from_down(phase, event);
    case P::kSpawning:
    case P::kRespawning: return from_spawning(phase, event);
    case P::kExited: return from_exited(phase, event);
    case P::kLaunching:
    case P::kOnline: return from_running(phase, event);
    case P::kStopping:
    case P::kStoppingToRestart:
    case P::kKilling:
    case P::kKillingToRestart: return from_stopping(phase, event);
    case P::kDraining:
    case P::kDrainingToStop:
    case P::kDrainingToRestart: return from_draining(phase, event);
  }
  return ignore(phase);
}

InstanceState status_of(Phase phase) {
  switch (phase) {
    case P::kStopped: return InstanceState::kStopped;
    case P::kErrored: return InstanceState::kErrored;
    case P::kWaitingRestart: return InstanceState::kWaitingRestart;
    case P::kSpawning:
    case P::kRespawning:
    case P::kLaunching: return InstanceState::kLaunching;
    case P::kOnline: return InstanceState::kOnline;
    case P::kExited:
    case P::kStopping:
    case P::kStoppingToRestart:
    case P::kKilling:
    case P::kKillingToRestart:
    case P::kDraining:
    case P::kDrainingToStop:
    case P::kDrainingToRestart: return InstanceState::kStopping;
  }
  return InstanceState::kErrored;
}

Goal goal_of(Phase phase) {
  switch (phase) {
    case P::kStopped:
    case P::kErrored:
    case P::kStopping:
    case P::kKilling:
    case P::kDrainingToStop: return Goal::kStop;
    case P::kWaitingRestart:
    case P::kSpawning:
    case P::kRespawning:
    case P::kLaunching:
    case P::kOnline:
    case P::kStoppingToRestart:
    case P::kKillingToRestart:
    case P::kDrainingToRestart: return Goal::kRun;
    case P::kExited:
    case P::kDraining: return Goal::kPolicyDecides;
  }
  return Goal::kStop;
}

bool is_transient(Phase phase) { return phase == P::kSpawning || phase == P::kRespawning || phase == P::kExited; }

bool process_may_run(Phase phase) {
  switch (phase) {
    case P::kLaunching:
    case P::kOnline:
    case P::kStopping:
    case P::kStoppingToRestart:
    case P::kKilling:
    case P::kKillingToRestart: return true;
    case P::kStopped:
    case P::kErrored:
    case P::kWaitingRestart:
    case P::kSpawning:
    case P::kRespawning:
    case P::kExited:
    case P::kDraining:
    case P::kDrainingToStop:
    case P::kDrainingToRestart: return false;
  }
  return false;
}

const char* phase_name(Phase phase) {
  switch (phase) {
    case P::kStopped: return "stopped";
    case P::kErrored: return "errored";
    case P::kWaitingRestart: return "waiting-restart";
    case P::kSpawning: return "spawning";
    case P::kRespawning: return "respawning";
    case P::kExited: return "exited";
    case P::kLaunching: return "launching";
    case P::kOnline: return "online";
    case P::kStopping: return "stopping";
    case P::kStoppingToRestart: return "stopping-to-restart";
    case P::kKilling: return "killing";
    case P::kKillingToRestart: return "killing-to-restart";
    case P::kDraining: return "draining";
    case P::kDrainingToStop: return "draining-to-stop";
    case P::kDrainingToRestart: return "draining-to-restart";
  }
  return "?";
}

const char* event_name(Event event) {
  switch (event) {
    case E::kStart: return "start";
    case E::kStop: return "stop";
    case E::kRestartFor: return "restart-for";
    case E::kSpawned: return "spawned";
    case E::kSpawnedReady: return "spawned-ready";
    case E::kSpawnFailed: return "spawn-failed";
    case E::kReady: return "ready";
    case E::kExited: return "exited";
    case E::kExitedOutputOpen: return "exited-output-open";
    case E::kOutputClosed: return "output-closed";
    case E::kReadyDeadline: return "ready-deadline";
    case E::kKillDeadline: return "kill-deadline";
    case E::kDrainDeadline: return "drain-deadline";
    case E::kRestartDelay: return "restart-delay";
    case E::kPolicyRestart: return "policy-restart";
    case E::kPolicyStop: return "policy-stop";
    case E::kPolicyGiveUp: return "policy-give-up";
  }
  return "?";
}

const char* action_name(Action action) {
  switch (action) {
    case A::kNone: return "";
    case A::kSpawn: return "spawn";
    case A::kSignalStop: return "signal-stop";
    case A::kSignalLeftovers: return "signal-leftovers";
    case A::kKillTree: return "kill-tree";
    case A::kArmReadyDeadline: return "arm-ready-deadline";
    case A::kArmKillDeadline: return "arm-kill-deadline";
    case A::kArmDrainDeadline: return "arm-drain-deadline";
    case A::kArmRestartDelay: return "arm-restart-delay";
    case A::kCancelTimer: return "cancel-timer";
    case A::kCloseOutput: return "close-output";
    case A::kCleanUp: return "clean-up";
    case A::kCountRestart: return "count-restart";
    case A::kCountMemoryRestart: return "count-memory-restart";
    case A::kConsultPolicy: return "consult-policy";
  }
  return "?";
}

}  // namespace lifecycle
}  // namespace pmd
