// Readiness policy.
#include "supervise/readiness.h"

namespace pmd::policy {

ReadinessPlan plan_readiness(const AppSpec& spec, bool shares_socket, bool node_app) {
  if (spec.wait_ready) return {ReadySignal::kMessage, spec.listen_timeout, false};
  if (shares_socket && node_app) return {ReadySignal::kListen, spec.listen_timeout, false};
  if (shares_socket) return {ReadySignal::kUptime, spec.min_uptime, true};
  return {};
}

std::string awaited_signal_name(ReadySignal signal) {
  switch (signal) {
    case ReadySignal::kAtLaunch: return "nothing (ready once started)";
    case ReadySignal::kMessage: return "process.send('ready') or READY=1";
    case ReadySignal::kListen: return "listen() on the shared socket or READY=1";
    case ReadySignal::kUptime: return "READY=1 or min_uptime without exiting";
  }
  return "?";
}

}  // namespace pmd::policy
