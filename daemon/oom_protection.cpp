// Lowering pmd's oom_score_adj.
#include "oom_protection.h"

#include <fstream>

namespace pmd {

namespace {

constexpr const char* kScoreFile = "/proc/self/oom_score_adj";

bool read_score(int& score) {
  std::ifstream in(kScoreFile);
  return static_cast<bool>(in >> score);
}

}  // namespace

OomProtection protect_from_oom() {
  OomProtection p;
  if (!read_score(p.original)) {
    p.note = "cannot read /proc/self/oom_score_adj; the OOM killer treats pmd like any process";
    return p;
  }
  p.now = p.original;
  if (p.original <= kDaemonOomScore) {
    p.note = "oom_score_adj already " + std::to_string(p.original);
    return p;
  }
  {
    std::ofstream out(kScoreFile);
    out << kDaemonOomScore << std::flush;
  }
  read_score(p.now);
  p.note = p.now == kDaemonOomScore
               ? "oom_score_adj lowered from " + std::to_string(p.original) + " to " + std::to_string(p.now) +
                     " (apps keep " + std::to_string(p.original) + ")"
               : "oom_score_adj stays " + std::to_string(p.now) +
                     ": lowering it needs root or CAP_SYS_RESOURCE (under systemd: OOMScoreAdjust=)";
  return p;
}

}  // namespace pmd
