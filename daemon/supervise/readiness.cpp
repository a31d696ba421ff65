// Readiness policy.
#include "supervise/readiness.h"

namespace pmd::policy {

ReadinessPlan plan_readiness(const AppSpec& spec, const ReadinessFacts& facts) {
  const std::string chosen = spec.wait_ready ? "message" : spec.ready_on;
  if (chosen == "message") return {ReadySignal::kMessage, spec.listen_timeout, false, false, "wait_ready"};
  if (chosen == "notify")
    return {ReadySignal::kNotify, spec.listen_timeout, false, false,
            spec.server_program.empty() ? "wait_ready: notify" : spec.server_program + " speaks sd_notify"};
  if (chosen == "listen" && facts.node_preload)
    return {ReadySignal::kListen, spec.listen_timeout, false, false, "wait_ready: listen"};
  if (chosen == "uptime" || chosen == "listen")
    return {ReadySignal::kUptime, spec.min_uptime, true, false, "wait_ready: " + chosen};
  if (facts.speaks_notify)
    return {ReadySignal::kNotify, spec.listen_timeout, false, false,
            spec.server_program.empty() ? "it speaks sd_notify (sent READY=1 before)"
                                        : spec.server_program + " speaks sd_notify"};
  if (facts.shares_socket && facts.node_preload)
    return {ReadySignal::kListen, spec.listen_timeout, false, true, "cluster mode, Node app"};
  if (facts.shares_socket) return {ReadySignal::kUptime, spec.min_uptime, true, false, "cluster mode"};
  return {ReadySignal::kAtLaunch, std::chrono::milliseconds(0), false, false, "fork mode"};
}

std::string awaited_signal_name(ReadySignal signal) {
  switch (signal) {
    case ReadySignal::kAtLaunch: return "nothing (ready once started)";
    case ReadySignal::kMessage: return "process.send('ready') or READY=1";
    case ReadySignal::kNotify: return "READY=1 (sd_notify)";
    case ReadySignal::kListen: return "listen() on the shared socket or READY=1";
    case ReadySignal::kUptime: return "READY=1 or min_uptime without exiting";
  }
  return "?";
}

}  // namespace pmd::policy
