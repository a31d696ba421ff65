// What to do when an instance's process has exited: restart now, restart after a delay, leave it
// stopped, or give up (errored). Pure functions of the settings, the exit and the history, so the
// whole table is unit-tested without processes or clocks.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pmd::policy {

using std::chrono::milliseconds;

/// Even with restart_delay 0 an app that crashed within min_uptime, or within
/// kImmediateRestartUptime whatever min_uptime says, waits this long before its next start, so a
/// crash loop cannot busy-loop the daemon. A crash after a longer, stable run is not delayed.
inline constexpr milliseconds kMinRestartDelay{100};
inline constexpr milliseconds kImmediateRestartUptime{1000};
/// PM2's exponential backoff: x1.5 per consecutive crash, capped, reset after a stable run.
inline constexpr milliseconds kMaxBackoffDelay{15'000};
inline constexpr milliseconds kBackoffResetUptime{30'000};
inline constexpr double kBackoffFactor = 1.5;

struct RestartSettings {
  bool autorestart = true;
  int max_restarts = 16;  // consecutive restarts of runs shorter than min_uptime
  milliseconds min_uptime{1000};
  milliseconds restart_delay{0};
  milliseconds exp_backoff_restart_delay{0};  // 0 = off
  std::vector<int> stop_exit_codes;
};

/// How a process ended, as waitpid reports it.
/// The wait status given for a process that was not pmd's child (see ExitStatus::known).
inline constexpr int kUnknownWaitStatus = -1;

struct ExitStatus {
  bool signaled = false;
  int code = 0;    // valid when !signaled
  int signal = 0;  // valid when signaled
  // False when the process ended while no pmd was its parent (adopted after a crash of pmd):
  // nobody can learn how it ended then.
  bool known = true;

  static ExitStatus from_wait_status(int status);
  /// "exit code 1", "signal SIGSEGV".
  std::string describe() const;
};

/// What the policy remembers between exits of one instance.
struct RestartHistory {
  int unstable_restarts = 0;  // consecutive exits that came before min_uptime
  milliseconds last_backoff{0};
};

enum class Action {
  kRestart,  // start again after `delay`
  kStop,     // leave it stopped: autorestart is off or the exit code is a clean one
  kGiveUp,   // errored: too many unstable restarts in a row
};

struct Decision {
  Action action = Action::kRestart;
  milliseconds delay{0};
  RestartHistory history;  // the history to keep after this exit
  std::string reason;      // a sentence for `describe` and the daemon log
};

/// The decision after an exit that nobody asked for (a crash or the app ending by itself).
Decision decide_after_exit(const RestartSettings& settings, const ExitStatus& exit, milliseconds uptime,
                           const RestartHistory& history);

/// When a process tree's memory is over max_memory_restart (0 = no limit), the reason to give
/// for its restart: "memory 312.4 MiB > limit 300.0 MiB".
std::optional<std::string> memory_restart_reason(std::uint64_t tree_bytes, std::uint64_t limit_bytes);

}  // namespace pmd::policy
