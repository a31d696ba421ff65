// The transitions charted. Reasons come from the supervisor (instance.cpp, supervisor*.cpp,
// restart_policy.cpp): "restarting: memory 69.7 MiB > limit 60.0 MiB", "restarting: reloaded by
// request", "restarting by request", "exited with exit code 1 after 1.2s; restarting in 0ms".
#include "web/marker_rules.h"

namespace pmd {

namespace {

bool running(InstanceState s) { return s == InstanceState::kLaunching || s == InstanceState::kOnline; }

}  // namespace

std::optional<MarkerKind> marker_for(InstanceState from, InstanceState to, std::string_view reason) {
  // A process ended by itself: the restart policy restarts it later, or gives up.
  if (running(from) && (to == InstanceState::kWaitingRestart || to == InstanceState::kErrored))
    return MarkerKind::kCrash;
  // A stop begins: its reason says who asked.
  if (running(from) && to == InstanceState::kStopping) {
    if (reason.find("memory") != std::string_view::npos && reason.find("limit") != std::string_view::npos)
      return MarkerKind::kMemoryRestart;
    if (reason.find("reload") != std::string_view::npos) return MarkerKind::kReload;
    if (reason.starts_with("restart")) return MarkerKind::kRestart;
    return MarkerKind::kStop;
  }
  // A first start (the restarts that follow a stop above were marked by it).
  if ((from == InstanceState::kStopped || from == InstanceState::kErrored) && running(to) &&
      reason.starts_with("started"))
    return MarkerKind::kStart;
  return std::nullopt;
}

}  // namespace pmd
