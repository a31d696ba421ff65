// When does a freshly launched instance count as ready (`online`)? Pure policy: which signal is
// awaited and for how long, decided from the spec and what is known of the program.
//
//   ready_on (wait_ready: ...)   explicit: "message" (wait_ready: true, as PM2: process.send
//                                ('ready') or READY=1), "notify" (READY=1 only), "listen" (the
//                                preload sees listen()), "uptime" (min_uptime alive)
//   the app speaks sd_notify     READY=1 only, within listen_timeout: an app that has sent
//                                READY=1 once (or a recognised one, gunicorn) is never taken
//                                for ready by min_uptime, which may come before it serves
//   cluster, Node (preload)      its listen() on the shared socket, or READY=1, within
//                                listen_timeout; an app whose code has run without listening
//                                there (a queue worker, listen(0)) is ready after min_uptime
//   cluster, any other program   READY=1, or min_uptime without exiting (it has no way to say it)
//   fork mode                    at once, as PM2 does
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
  kMessage,   // an explicit "ready" from the app (or READY=1)
  kNotify,    // READY=1 on NOTIFY_SOCKET, nothing else
  kListen,    // the preload saw the app take the shared socket (or READY=1)
  kUptime,    // survived min_uptime (READY=1 earlier also counts)
};

/// What is known of the launch besides its spec.
struct ReadinessFacts {
  bool shares_socket = false;  // cluster mode with a socket pmd binds (or learns from listen())
  bool node_preload = false;   // pmd's preload reports the app's listen()
  bool speaks_notify = false;  // an instance of the app has sent READY=1 before
};

struct ReadinessPlan {
  ReadySignal signal = ReadySignal::kAtLaunch;
  std::chrono::milliseconds deadline{0};  // 0 for kAtLaunch
  /// Whether reaching the deadline means ready (kUptime) or "never said so" (the others).
  bool deadline_means_ready = false;
  /// kListen: once the app's code has run without listening, min_uptime alive makes it ready.
  bool uptime_if_not_listening = false;
  /// Why this signal: "wait_ready", "it speaks sd_notify", "cluster mode, Node"...
  std::string rule;
};

ReadinessPlan plan_readiness(const AppSpec& spec, const ReadinessFacts& facts);

/// The words `describe` uses for what is awaited ("process.send('ready') or READY=1").
std::string awaited_signal_name(ReadySignal signal);

}  // namespace pmd::policy
