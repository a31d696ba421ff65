// The field-by-field mapping from pmd's describe rows to PM2's jlist entries.
#include "pm2_process_list.h"

#include <filesystem>
#include <string>

namespace pmd::cli {

using nlohmann::json;

namespace {

std::string text(const json& row, const char* key) {
  auto it = row.find(key);
  return it != row.end() && it->is_string() ? it->get<std::string>() : std::string();
}

json or_default(const json& row, const char* key, json fallback) {
  auto it = row.find(key);
  return it != row.end() && !it->is_null() ? *it : fallback;
}

}  // namespace

json pm2_process_list(const json& described) {
  json out = json::array();
  for (const auto& row : described) {
    const json settings = or_default(row, "settings", json::object());
    const std::string interpreter = text(row, "interpreter");
    json env = or_default(row, "env", json::object());
    const bool running = row.contains("pid") && row["pid"].is_number();
    json pm2_env = {
        {"name", row.value("name", "")},
        {"pm_id", row.value("id", 0)},
        {"namespace", settings.value("namespace", "default")},
        {"status", row.value("status", "")},
        {"restart_time", row.value("restarts", 0)},
        {"unstable_restarts", row.value("unstable_restarts", 0)},
        // PM2's pm_uptime is when the process started (ms since the epoch), not a duration.
        {"pm_uptime", or_default(row, "started_at", 0)},
        {"created_at", or_default(row, "created_at", 0)},
        {"exec_mode", row.value("mode", "fork") == "cluster" ? "cluster_mode" : "fork_mode"},
        {"instances", settings.value("instances", 1)},
        {"NODE_APP_INSTANCE", row.value("instance", 0)},
        {"pm_exec_path", text(row, "script")},
        {"pm_cwd", text(row, "cwd")},
        {"exec_interpreter", interpreter.empty() || interpreter == "none"
                                 ? "none"
                                 : std::filesystem::path(interpreter).filename().string()},
        {"node_args", or_default(row, "interpreter_args", json::array())},
        {"args", or_default(row, "args", json::array())},
        {"pm_out_log_path", text(row, "out_file")},
        {"pm_err_log_path", text(row, "error_file")},
        {"pm_log_path", or_default(settings, "log_file", json(nullptr))},
        {"autorestart", settings.value("autorestart", true)},
        {"max_memory_restart", or_default(settings, "max_memory_restart", json(nullptr))},
        {"kill_timeout", or_default(settings, "kill_timeout", json(nullptr))},
        {"env", env},
    };
    // PM2 also spreads the app's environment over pm2_env; its own fields win.
    for (const auto& [key, value] : env.items())
      if (!pm2_env.contains(key)) pm2_env[key] = value;
    out.push_back({
        {"pid", running ? row["pid"] : json(0)},
        {"name", row.value("name", "")},
        {"pm_id", row.value("id", 0)},
        {"monit", {{"memory", row.value("memory", 0)}, {"cpu", row.value("cpu", 0.0)}}},
        {"pm2_env", pm2_env},
    });
  }
  return out;
}

}  // namespace pmd::cli
