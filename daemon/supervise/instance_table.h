// The life of one instance as an explicit (phase, event) -> (phase, actions) table. Pure: no
// process, no clock, no I/O. Instance (instance.cpp) feeds it events and carries out the actions
// it returns; every cell is written out, the no-ops too, so a case nobody thought of is visible
// here instead of hiding in a combination of flags (the way s6-supervise keeps its table).
//
// The phase holds both what is observed (is a process there? has it exited?) and what is wanted
// after it (stay down, run again, or let the restart policy decide): `goal_of` and `status_of`
// read them apart.
#pragma once

#include <array>
#include <cstdint>

namespace pmd {

/// What `list` shows, as PM2 spells it (several phases share one).
enum class InstanceState { kLaunching, kOnline, kStopping, kStopped, kWaitingRestart, kErrored };
inline constexpr InstanceState kAllInstanceStates[] = {InstanceState::kLaunching,      InstanceState::kOnline,
                                                       InstanceState::kStopping,       InstanceState::kStopped,
                                                       InstanceState::kWaitingRestart, InstanceState::kErrored};
const char* state_name(InstanceState state);

namespace lifecycle {

enum class Phase : std::uint8_t {
  // No process.
  kStopped,         // by request, or the restart policy said so
  kErrored,         // could not be exec'd, or the restart budget is spent
  kWaitingRestart,  // crashed; the restart delay runs
  // Transient: only while an action that answers with an event is carried out.
  kSpawning,    // exec by request (a failure leaves it errored)
  kRespawning,  // exec after a crash (a failure counts as one more crash)
  kExited,      // the launch is over; the restart policy decides what next
  // A process runs, and should.
  kLaunching,  // waiting for its ready signal
  kOnline,
  // A process runs and was asked to stop; SIGKILL follows after kill_timeout.
  kStopping,           // then stays stopped
  kStoppingToRestart,  // then runs again (a memory limit, or a start asked meanwhile)
  // SIGKILL was sent to the tree.
  kKilling,
  kKillingToRestart,
  // The main process exited but something of its tree still holds the output pipes: those are
  // stopped like the app would be, and the pipes are given up after a drain deadline.
  kDraining,  // it exited by itself; then the restart policy decides
  kDrainingToStop,
  kDrainingToRestart,
};
inline constexpr int kPhaseCount = 15;

enum class Event : std::uint8_t {
  // Asked by a person or the supervisor.
  kStart,
  kStop,
  kRestartFor,  // replace the process (a memory limit): stop it, then run again
  // Answers of the kSpawn action.
  kSpawned,       // exec'd; its readiness signal is awaited
  kSpawnedReady,  // exec'd; online at once (fork mode)
  kSpawnFailed,
  // Observed.
  kReady,             // the awaited signal arrived (READY=1, process.send('ready'), listen())
  kExited,            // the main process was reaped and its output is closed
  kExitedOutputOpen,  // the main process was reaped; something else still holds its output
  kOutputClosed,      // the last output pipe reached EOF
  // Timers.
  kReadyDeadline,  // min_uptime or listen_timeout passed while launching
  kKillDeadline,   // kill_timeout passed since the stop signal
  kDrainDeadline,  // leftovers still hold the output after SIGKILL
  kRestartDelay,   // the delay before a restart after a crash passed
  // Answers of the kConsultPolicy action.
  kPolicyRestart,
  kPolicyStop,
  kPolicyGiveUp,
};
inline constexpr int kEventCount = 17;

enum class Action : std::uint8_t {
  kNone,
  kSpawn,             // exec the app; answers kSpawned, kSpawnedReady or kSpawnFailed
  kSignalStop,        // kill_signal to the tree (or the 'shutdown' message)
  kSignalLeftovers,   // kill_signal to what is left of the tree after the main process exited
  kKillTree,          // SIGKILL to the tree
  kArmReadyDeadline,  // each arm replaces the armed timer
  kArmKillDeadline,
  kArmDrainDeadline,
  kArmRestartDelay,
  kCancelTimer,
  kCloseOutput,  // stop waiting for EOF (answers kOutputClosed)
  kCleanUp,      // the launch is over: leftovers killed, cgroup, pipes, channel released
  kCountRestart,
  kCountMemoryRestart,
  kConsultPolicy,  // the restart policy decides; answers kPolicyRestart, kPolicyStop or kPolicyGiveUp
};

struct Step {
  Phase next;
  std::array<Action, 4> actions{};  // carried out in order; kNone pads
  bool ignored = false;             // the event means nothing in this phase
};

/// The table. Total: every (phase, event) has a cell.
Step transition(Phase phase, Event event);

/// What `list` shows for a phase.
InstanceState status_of(Phase phase);
/// Whether a process of this instance should be running once the phase settles.
enum class Goal { kRun, kStop, kPolicyDecides };
Goal goal_of(Phase phase);
/// Transient phases are never observed from outside (no log line, no transition recorded).
bool is_transient(Phase phase);
/// Whether the main process may still be alive in this phase.
bool process_may_run(Phase phase);

const char* phase_name(Phase phase);
const char* event_name(Event event);
const char* action_name(Action action);

}  // namespace lifecycle
}  // namespace pmd
