// When does a freshly launched instance count as ready (`online`)? Pure policy: which signal is
// awaited and for how long, decided from the spec and what the instance was given.
//
//   wait_ready                  process.send('ready') (Node IPC) or READY=1 (sd_notify), within
//                               listen_timeout
//   cluster, Node (preload)     its listen() on the shared socket, or READY=1, within listen_timeout
//   cluster, any other program  READY=1, or min_uptime without exiting (it has no way to say it)
//   fork mode                   at once, as PM2 does
//
// A deadline that passes without the awaited signal is not the same as readiness: the instance
// is shown online (as PM2 would), but a reload treats it as a failed replacement.
#pragma once

#include "app_spec.h"

#include <chrono>
#include <string>

namespace pmd::policy {

enum class ReadySignal {
  kAtLaunch,  // online as soon as it is exec'd
  kMessage,   // an explicit "ready" from the app
  kListen,    // the preload saw the app take the shared socket
  kUptime,    // survived min_uptime (READY=1 earlier also counts)
};

struct ReadinessPlan {
  ReadySignal signal = ReadySignal::kAtLaunch;
  std::chrono::milliseconds deadline{0};  // 0 for kAtLaunch
  /// Whether reaching the deadline means ready (kUptime) or "never said so" (the others).
  bool deadline_means_ready = false;
};

ReadinessPlan plan_readiness(const AppSpec& spec, bool shares_socket, bool node_app);

/// The words `describe` uses for what is awaited ("process.send('ready') or READY=1").
std::string awaited_signal_name(ReadySignal signal);

}  // namespace pmd::policy
