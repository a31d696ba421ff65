// What `pmctl monit` shows, as lines of text: the process table with CPU and memory bars, the
// selected instance's details and its app's latest log lines. Pure (state in, lines out), so the
// layout is unit-tested; monit_command.cpp only puts the lines on the terminal.
#pragma once

#include <nlohmann/json.hpp>

#include <deque>
#include <map>
#include <string>
#include <vector>

namespace pmd::cli {

enum class LineStyle { kNormal, kTitle, kHeader, kSelected, kSection, kError, kDim };

struct ScreenLine {
  std::string text;
  LineStyle style = LineStyle::kNormal;
};

struct MonitState {
  nlohmann::json snapshot = nlohmann::json::object();      // interval_ms, daemon, processes
  std::map<std::string, std::deque<nlohmann::json>> logs;  // per app, oldest first
  std::size_t selected = 0;                                // index into the instances shown
  std::string notice;                                      // e.g. "the daemon went away"

  static constexpr std::size_t kLogLinesKept = 200;
  /// Takes a `monit.sample` snapshot (keeping the selection on the same instance id). Moved in:
  /// with thousands of processes each copy of a snapshot is megabytes.
  void apply_snapshot(nlohmann::json snapshot);
  void add_log(const nlohmann::json& record);
  void move_selection(int delta);
  /// The instances shown (draining ones left out), in list order: rows of `snapshot`, not copies.
  std::vector<const nlohmann::json*> instances() const;
};

/// The whole screen, exactly `height` lines, each at most `width` columns.
std::vector<ScreenLine> render_monit(const MonitState& state, int width, int height);

/// "[#####     ]": `fraction` of `width` inner columns filled.
std::string bar(double fraction, int width);

}  // namespace pmd::cli
