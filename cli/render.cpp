// Text rendering of daemon replies.
#include "render.h"
#include "bounded_json.h"

#include "units.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <sstream>
#include <vector>

namespace pmd::cli {

using nlohmann::json;

namespace {

// Display width of UTF-8 text: count code points, not bytes.
std::size_t width(const std::string& s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string pad(const std::string& s, std::size_t w) { return s + std::string(w > width(s) ? w - width(s) : 0, ' '); }

std::string repeat(const std::string& unit, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += unit;
  return out;
}

std::string status_color(const std::string& status) {
  if (status == "online") return "\033[32m";
  if (status == "errored") return "\033[31m";
  if (status == "stopping" || status == "waiting restart" || status == "launching") return "\033[33m";
  return "\033[90m";
}

std::string format_time(long long unix_ms) {
  std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  ::localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string cpu_text(const json& v) { return units::format_percent(v.value("cpu", 0.0)); }

std::string join(const json& array, const char* sep) {
  std::string out;
  for (const auto& item : array) {
    if (!out.empty()) out += sep;
    out += item.is_string() ? item.get<std::string>() : json_text(item);
  }
  return out;
}

}  // namespace

std::string render_list(const json& instances, bool color) {
  std::vector<std::string> header = {"id", "name", "mode", "pid", "uptime", "↺", "status", "cpu", "mem"};
  // Rows gathered from several machines (pmctl --host a,b) say which.
  const bool hosts = std::any_of(instances.begin(), instances.end(), [](const json& v) { return v.contains("host"); });
  if (hosts) header.insert(header.begin(), "host");
  std::vector<std::vector<std::string>> rows;
  for (const auto& v : instances) {
    bool running = !v["pid"].is_null();
    if (hosts)
      rows.emplace_back(1, v.value("host", ""));
    else
      rows.emplace_back();
    rows.back().insert(rows.back().end(),
                       {
                           std::to_string(v.value("id", 0)),
                           v.value("name", ""),
                           v.value("mode", "fork"),
                           running ? std::to_string(v["pid"].get<long long>()) : "0",
                           running ? units::format_uptime(std::chrono::milliseconds(v.value("uptime_ms", 0LL))) : "0",
                           std::to_string(v.value("restarts", 0)),
                           v.value("status", ""),
                           cpu_text(v),
                           units::format_size(v.value("memory", 0ULL)),
                       });
  }
  std::vector<std::size_t> widths(header.size());
  for (std::size_t c = 0; c < header.size(); ++c) {
    widths[c] = width(header[c]);
    for (const auto& r : rows) widths[c] = std::max(widths[c], width(r[c]));
  }
  auto rule = [&](const char* left, const char* mid, const char* right) {
    std::string line = left;
    for (std::size_t c = 0; c < widths.size(); ++c)
      line += repeat("─", widths[c] + 2) + (c + 1 < widths.size() ? mid : right);
    return line + "\n";
  };
  auto row = [&](const std::vector<std::string>& cells, bool colored) {
    std::string line = "│";
    for (std::size_t c = 0; c < cells.size(); ++c) {
      std::string cell = pad(cells[c], widths[c]);
      if (colored && header[c] == "status") cell = status_color(cells[c]) + cell + "\033[0m";
      line += " " + cell + " │";
    }
    return line + "\n";
  };
  std::string out = rule("┌", "┬", "┐") + row(header, false) + rule("├", "┼", "┤");
  for (const auto& r : rows) out += row(r, color);
  out += rule("└", "┴", "┘");
  if (rows.empty()) out += "No apps yet: start one with `pmctl start <script>`.\n";
  return out;
}

std::string render_describe(const json& instances) {
  std::ostringstream out;
  for (const auto& v : instances) {
    std::vector<std::pair<std::string, std::string>> fields;
    auto add = [&](const std::string& k, const std::string& val) { fields.emplace_back(k, val); };
    bool running = !v["pid"].is_null();
    add("status", v.value("status", ""));
    add("reason", v.value("reason", ""));
    if (v.contains("readiness") && v["readiness"].is_object()) {
      const json& r = v["readiness"];
      const std::string rule = r.value("rule", "");
      add("ready when", r.value("awaits", "") + (rule.empty() ? "" : " (" + rule + ")"));
      if (r.contains("became_ready") && r["became_ready"].is_string())
        add("became ready", r["became_ready"].get<std::string>());
    }
    if (v.contains("last_reload_error")) add("last reload error", v.value("last_reload_error", ""));
    add("name", v.value("name", ""));
    add("id", std::to_string(v.value("id", 0)));
    add("instance", std::to_string(v.value("instance", 0)));
    add("pid", running ? std::to_string(v["pid"].get<long long>()) : "-");
    add("mode", v.value("mode", ""));
    if (v.contains("server_program") && v["server_program"].is_string())
      add("recognised as", v["server_program"].get<std::string>() + " (its graceful stop signal and readiness " +
                               "are the defaults; see the README's recipes)");
    if (v.contains("address") && v["address"].is_string()) add("serves on", v["address"].get<std::string>());
    add("uptime", running ? units::format_duration(std::chrono::milliseconds(v.value("uptime_ms", 0LL))) : "-");
    add("restarts", std::to_string(v.value("restarts", 0)));
    add("unstable restarts", std::to_string(v.value("unstable_restarts", 0)));
    add("memory restarts", std::to_string(v.value("memory_restarts", 0)));
    if (v.contains("last_exit") && v["last_exit"].is_object()) {
      const auto& e = v["last_exit"];
      const std::string how = !e.value("known", true) ? "unknown (it ended while no pmd was its parent)"
                              : e["signal"].is_null() ? "exit code " + std::to_string(e.value("code", 0))
                                                      : "signal " + e["signal"].get<std::string>();
      add("last exit", how + " at " + format_time(e.value("at", 0LL)));
    }
    if (v.contains("lines_lost"))
      add("lines lost", std::to_string(v.value("lines_lost", 0ULL)) + " (dropped while no pmd read the output)");
    add("cpu", cpu_text(v));
    add("memory", units::format_size(v.value("memory", 0ULL)) + (running ? " (whole process tree)" : ""));
    if (running) add("processes", std::to_string(v.value("processes", 0)) + " (the main one and its descendants)");
    if (running)
      add("cpu time", units::format_duration(
                          std::chrono::milliseconds(static_cast<long long>(v.value("cpu_seconds", 0.0) * 1000))));
    add("created at", format_time(v.value("created_at", 0LL)));
    if (v.contains("watching") && v["watching"].is_object())
      add("watching",
          join(v["watching"].value("paths", json::array()), " ") + " (" +
              std::to_string(v["watching"].value("directories", 0)) + " directories)" +
              (v["watching"].value("problem", json()).is_string() ? "; " + v["watching"].value("problem", std::string())
                                                                  : std::string()));
    if (v.contains("cron_next_ms") && v["cron_next_ms"].is_number())
      add("next cron restart", format_time(v["cron_next_ms"].get<long long>()));
    if (v.contains("last_trigger") && v["last_trigger"].is_string())
      add("last restarted by", v["last_trigger"].get<std::string>());
    add("script", v.value("script", ""));
    add("interpreter", v.value("interpreter", ""));
    add("args", join(v.value("args", json::array()), " "));
    add("exec", join(v.value("exec", json::array()), " "));
    add("cwd", v.value("cwd", ""));
    add("out log", v.value("out_file", ""));
    add("error log", v.value("error_file", ""));
    if (v.contains("log_error")) add("log error", v["log_error"].get<std::string>());
    const json settings = v.value("settings", json::object());
    const json env = v.value("env", json::object());
    const json transitions = v.value("transitions", json::array());
    for (const auto& [k, val] : settings.items()) add(k, val.is_string() ? val.get<std::string>() : json_text(val));
    for (const auto& [k, val] : env.items()) add("env " + k, val.get<std::string>());

    std::size_t key_width = 0;
    for (const auto& [k, val] : fields) key_width = std::max(key_width, k.size());
    out << "Describing " << v.value("name", "") << " (id " << v.value("id", 0) << ")\n";
    for (const auto& [k, val] : fields) out << "  " << pad(k, key_width) << "  " << val << "\n";
    out << "  history (oldest first):\n";
    for (const auto& t : transitions)
      out << "    " << format_time(t.value("at", 0LL)) << "  " << t.value("from", "") << " -> " << t.value("to", "")
          << "  " << t.value("reason", "") << "\n";
    out << "\n";
  }
  return out.str();
}

}  // namespace pmd::cli
