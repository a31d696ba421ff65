// The restart table. See restart_policy.h for the contract.
#include "supervise/restart_policy.h"

#include "signals.h"
#include "units.h"

#include <sys/wait.h>

#include <algorithm>
#include <cmath>

namespace pmd::policy {

ExitStatus ExitStatus::from_wait_status(int status) {
  ExitStatus e;
  if (status == kUnknownWaitStatus) {
    e.known = false;
    e.code = -1;
  } else if (WIFSIGNALED(status)) {
    e.signaled = true;
    e.signal = WTERMSIG(status);
  } else {
    e.code = WEXITSTATUS(status);
  }
  return e;
}

std::string ExitStatus::describe() const {
  if (!known) return "an unknown status (it ended while no pmd was its parent)";
  return signaled ? "signal " + signal_name(signal) : "exit code " + std::to_string(code);
}

Decision decide_after_exit(const RestartSettings& s, const ExitStatus& exit, milliseconds uptime,
                           const RestartHistory& history) {
  Decision d;
  d.history = history;
  const std::string how = "exited with " + exit.describe() + " after " + units::format_duration(uptime);

  // An exit nobody could see is taken for a crash: restarting is the safe side.
  if (exit.known && !exit.signaled &&
      std::find(s.stop_exit_codes.begin(), s.stop_exit_codes.end(), exit.code) != s.stop_exit_codes.end()) {
    d.action = Action::kStop;
    d.reason = how + "; exit code " + std::to_string(exit.code) + " is in stop_exit_codes, not restarting";
    return d;
  }
  if (!s.autorestart) {
    d.action = Action::kStop;
    d.reason = how + "; autorestart is off";
    return d;
  }

  if (s.max_restarts == 0) {
    d.action = Action::kGiveUp;
    d.reason = how + "; max_restarts is 0, so it is not restarted";
    return d;
  }
  const bool unstable = uptime < s.min_uptime;
  d.history.unstable_restarts = unstable ? history.unstable_restarts + 1 : 0;
  if (d.history.unstable_restarts > s.max_restarts) {
    d.action = Action::kGiveUp;
    d.reason = how + "; it ended " + std::to_string(d.history.unstable_restarts) +
               " times in a row within min_uptime " + units::format_duration(s.min_uptime) + ", over max_restarts " +
               std::to_string(s.max_restarts) + "; giving up until you restart it";
    return d;
  }

  milliseconds delay = s.restart_delay;
  if (s.exp_backoff_restart_delay.count() > 0) {
    if (history.last_backoff.count() == 0 || uptime >= kBackoffResetUptime) {
      delay = s.exp_backoff_restart_delay;
    } else {
      auto grown =
          static_cast<long long>(std::llround(static_cast<double>(history.last_backoff.count()) * kBackoffFactor));
      delay = std::min(milliseconds(grown), std::max(kMaxBackoffDelay, s.exp_backoff_restart_delay));
    }
    d.history.last_backoff = delay;
  }
  // A crash loop waits at least a little, so it cannot busy-loop the daemon (even with
  // min_uptime 0); a crash after a stable run restarts at once, as users of a web service want.
  if (unstable || uptime < kImmediateRestartUptime) delay = std::max(delay, kMinRestartDelay);
  d.action = Action::kRestart;
  d.delay = delay;
  d.reason = how + "; restarting in " + units::format_duration(delay);
  return d;
}

std::optional<std::string> memory_restart_reason(std::uint64_t tree_bytes, std::uint64_t limit_bytes) {
  if (limit_bytes == 0 || tree_bytes <= limit_bytes) return std::nullopt;
  return "memory " + units::format_size(tree_bytes) + " > limit " + units::format_size(limit_bytes);
}

}  // namespace pmd::policy
