// The kernel's OOM killer should pick a leaking app, not the supervisor that would restart it:
// pmd lowers its own oom_score_adj where it is permitted (root, or CAP_SYS_RESOURCE), the way
// systemd's OOMScoreAdjust= does for services. Apps get the original value back in the spawner.
#pragma once

#include <string>

namespace pmd {

/// pmd's own score when permitted (systemd's own is -1000; pmd leaves that to pid 1).
inline constexpr int kDaemonOomScore = -900;

struct OomProtection {
  int original = 0;  // what pmd had, and what its apps get
  int now = 0;       // what pmd has after trying
  std::string note;  // said in pmd.log
};

/// Reads /proc/self/oom_score_adj and lowers it to kDaemonOomScore if permitted.
OomProtection protect_from_oom();

}  // namespace pmd
