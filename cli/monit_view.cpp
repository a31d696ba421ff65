// Layout of `pmctl monit`.
#include "monit_view.h"

#include "units.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace pmd::cli {

using nlohmann::json;

namespace {

std::string fit(std::string text, int width) {
  if (width <= 0) return {};
  if (static_cast<int>(text.size()) > width) text.resize(static_cast<std::size_t>(width));
  return text;
}

std::string fixed_width(std::string text, std::size_t width) {
  if (text.size() > width) text.resize(width);
  return text + std::string(width - text.size(), ' ');
}

std::string rpad(const std::string& text, std::size_t width) {
  return text.size() >= width ? text : std::string(width - text.size(), ' ') + text;
}

std::string uptime_of(const json& p) {
  if (p["pid"].is_null()) return "-";
  return units::format_uptime(std::chrono::milliseconds(p.value("uptime_ms", 0LL)));
}

// A section rule: "── title ─────" (ASCII, so every terminal measures it alike).
std::string rule(const std::string& title, int width) {
  std::string line = "-- " + title + " ";
  if (static_cast<int>(line.size()) < width) line += std::string(static_cast<std::size_t>(width) - line.size(), '-');
  return fit(line, width);
}

}  // namespace

std::string bar(double fraction, int width) {
  fraction = std::clamp(fraction, 0.0, 1.0);
  const auto filled = static_cast<std::size_t>(fraction * width + 0.5);
  std::string out = "[";
  out.append(filled, '#');
  out.append(static_cast<std::size_t>(width) - filled, ' ');
  return out + ']';
}

std::vector<const json*> MonitState::instances() const {
  std::vector<const json*> out;
  auto processes = snapshot.find("processes");
  if (processes == snapshot.end() || !processes->is_array()) return out;
  for (const auto& p : *processes)
    if (!p.value("retiring", false)) out.push_back(&p);
  return out;
}

void MonitState::apply_snapshot(json fresh) {
  auto before = instances();
  int selected_id = selected < before.size() ? before[selected]->value("id", -1) : -1;
  snapshot = std::move(fresh);
  auto after = instances();
  for (std::size_t i = 0; i < after.size(); ++i)
    if (after[i]->value("id", -2) == selected_id) selected = i;
  if (!after.empty() && selected >= after.size()) selected = after.size() - 1;
}

void MonitState::add_log(const json& record) {
  auto& lines = logs[record.value("app", "")];
  lines.push_back(record);
  while (lines.size() > kLogLinesKept) lines.pop_front();
}

void MonitState::move_selection(int delta) {
  auto count = static_cast<int>(instances().size());
  if (count == 0) return;
  selected = static_cast<std::size_t>(std::clamp(static_cast<int>(selected) + delta, 0, count - 1));
}

std::vector<ScreenLine> render_monit(const MonitState& state, int width, int height) {
  std::vector<ScreenLine> lines;
  auto add = [&](const std::string& text, LineStyle style = LineStyle::kNormal) {
    if (static_cast<int>(lines.size()) < height) lines.push_back({fit(text, width), style});
  };
  const auto instances = state.instances();
  const json daemon = state.snapshot.value("daemon", json::object());

  // Title: what is watched, the daemon's own cost, the keys.
  char title[256];
  std::snprintf(
      title, sizeof title, " pmd monit  %zu instance%s  daemon %s %s cpu  every %s    q quit  up/down or j/k select",
      instances.size(), instances.size() == 1 ? "" : "s", units::format_size(daemon.value("memory", 0ULL)).c_str(),
      units::format_percent(daemon.value("cpu", 0.0)).c_str(),
      units::format_duration(std::chrono::milliseconds(state.snapshot.value("interval_ms", 1000LL))).c_str());
  add(title, LineStyle::kTitle);
  if (!state.notice.empty()) add(" " + state.notice, LineStyle::kError);

  // The table takes up to half of what is left; the rest is details and logs.
  std::size_t name_width = 4;
  for (const json* p : instances) name_width = std::max(name_width, p->value("name", "").size());
  name_width = std::min<std::size_t>(name_width, 24);
  const int bar_width = width >= 110 ? 20 : width >= 90 ? 10 : 0;
  auto row = [&](const std::string& id, const std::string& name, const std::string& status, const std::string& cpu,
                 const std::string& cpu_bar, const std::string& mem, const std::string& mem_bar,
                 const std::string& restarts, const std::string& uptime) {
    std::string r(1, ' ');
    r += rpad(id, 3) + "  " + fixed_width(name, name_width) + "  " + fixed_width(status, 15) + " " + rpad(cpu, 7) + " ";
    if (bar_width > 0) r += fixed_width(cpu_bar, static_cast<std::size_t>(bar_width) + 2) + " ";
    r += rpad(mem, 10) + " ";
    if (bar_width > 0) r += fixed_width(mem_bar, static_cast<std::size_t>(bar_width) + 2) + " ";
    return r + rpad(restarts, 8) + "  " + uptime;
  };
  add(row("id", "name", "status", "cpu", "", "memory", "", "restarts", "uptime"), LineStyle::kHeader);
  std::uint64_t largest = 1;
  for (const json* p : instances) largest = std::max<std::uint64_t>(largest, p->value("memory", 0ULL));
  const int rows_available = std::max(1, (height - static_cast<int>(lines.size())) / 2 - 1);
  const int count = static_cast<int>(instances.size());
  int first = 0;
  if (count > rows_available)
    first = std::clamp(static_cast<int>(state.selected) - rows_available / 2, 0, count - rows_available);
  if (instances.empty()) add("   no apps yet: start one with `pmctl start`", LineStyle::kDim);
  for (int i = first; i < count && i < first + rows_available; ++i) {
    const json& p = *instances[static_cast<std::size_t>(i)];
    auto memory = p.value("memory", 0ULL);
    auto limit = p.value("memory_limit", 0ULL);
    // Memory bars are relative to the limit when there is one, else to the largest instance.
    double mem_fraction = static_cast<double>(memory) / static_cast<double>(limit > 0 ? limit : largest);
    std::string status = p.value("status", "");
    add(row(std::to_string(p.value("id", 0)), p.value("name", ""), status, units::format_percent(p.value("cpu", 0.0)),
            bar(p.value("cpu", 0.0) / 100.0, bar_width), units::format_size(memory), bar(mem_fraction, bar_width),
            std::to_string(p.value("restarts", 0)), uptime_of(p)),
        static_cast<std::size_t>(i) == state.selected ? LineStyle::kSelected
        : status == "errored"                         ? LineStyle::kError
                                                      : LineStyle::kNormal);
  }
  if (count > rows_available)
    add("   (" + std::to_string(count - rows_available) + " more: scroll with up/down)", LineStyle::kDim);

  // Details of the selected instance.
  if (!instances.empty() && state.selected < instances.size()) {
    const json& p = *instances[state.selected];
    const std::string name = p.value("name", "");
    add(rule(name + " [id " + std::to_string(p.value("id", 0)) + "]", width), LineStyle::kSection);
    std::string pid = p["pid"].is_null() ? "-" : std::to_string(p["pid"].get<long long>());
    add(" status " + p.value("status", "") + "   pid " + pid + "   mode " + p.value("mode", "") + "   instance " +
        std::to_string(p.value("instance", 0)) + "   uptime " + uptime_of(p) + "   processes " +
        std::to_string(p.value("processes", 0)));
    std::string memory_line = " memory " + units::format_size(p.value("memory", 0ULL));
    if (p.value("memory_limit", 0ULL) > 0)
      memory_line += " of " + units::format_size(p.value("memory_limit", 0ULL)) + " limit";
    add(memory_line + "   cpu " + units::format_percent(p.value("cpu", 0.0)) + "   restarts " +
        std::to_string(p.value("restarts", 0)) + " (memory " + std::to_string(p.value("memory_restarts", 0)) +
        ", crashes in a row " + std::to_string(p.value("unstable_restarts", 0)) + ")");

    // Its app's latest lines fill the rest, newest at the bottom.
    add(rule("logs of " + name, width), LineStyle::kSection);
    auto it = state.logs.find(name);
    const int room = height - static_cast<int>(lines.size());
    if (it == state.logs.end() || it->second.empty()) {
      add("   (no lines yet)", LineStyle::kDim);
    } else if (room > 0) {
      const auto& recent = it->second;
      std::size_t start =
          recent.size() > static_cast<std::size_t>(room) ? recent.size() - static_cast<std::size_t>(room) : 0;
      for (std::size_t i = start; i < recent.size(); ++i) {
        const json& r = recent[i];
        const bool err = r.value("stream", "out") == "err";
        std::string line(1, ' ');
        line += std::to_string(r.value("id", 0)) + "| " + r.value("text", "");
        add(line, err ? LineStyle::kError : LineStyle::kNormal);
      }
    }
  }
  while (static_cast<int>(lines.size()) < height) lines.push_back({"", LineStyle::kNormal});
  return lines;
}

}  // namespace pmd::cli
