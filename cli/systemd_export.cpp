// export_systemd: the mapping of an app's keys to unit settings, one function per unit kind.
#include "systemd_export.h"

#include "export_rules.h"
#include "interpreter.h"
#include "signals.h"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace pmd::cli {

namespace {

// A path in a setting that takes the rest of the line: only specifiers need escaping.
std::string escape_specifiers(const std::string& path) {
  std::string out;
  for (char c : path) out += c == '%' ? std::string("%%") : std::string(1, c);
  return out;
}

std::string ms_text(std::chrono::milliseconds d) { return std::to_string(d.count()) + "ms"; }

// PM2's runtime needs pmd between a Node app and the world: the shared socket of cluster mode
// (Node's listen() is redirected to it by pmd's preload) and the IPC channel of process.send.
bool needs_pmd(const AppSpec& app) {
  return uses_ipc_channel(app) || (config::is_node_interpreter(app.interpreter) && app.exec_mode == "cluster");
}

bool has_socket(const AppSpec& app) { return app.exec_mode == "cluster" && (app.port > 0 || !app.listen.empty()); }

std::string exec_line(const std::vector<std::string>& argv) {
  std::string line;
  for (const auto& word : argv) line += (line.empty() ? "" : " ") + systemd_quote(word, true);
  return line;
}

std::string describe(const AppSpec& app, const SystemdExportRequest& request) {
  return "Description=" + escape_specifiers(app.name) + " (from " + escape_specifiers(request.ecosystem_file) +
         ", by pmctl export systemd)\n";
}

// [Unit] lines every service of the app shares: PM2's max_restarts, as systemd's start limit.
std::string start_limit(const AppSpec& app) {
  const auto window =
      std::max(std::chrono::milliseconds(10'000), app.max_restarts * (app.min_uptime + app.restart_delay));
  return "StartLimitBurst=" + std::to_string(app.max_restarts) + "\nStartLimitIntervalSec=" + ms_text(window) + "\n";
}

// The [Service] lines of the app itself (not those of `pmd run`).
std::string service_body(const AppSpec& app, bool templated, const std::string& socket_unit,
                         std::vector<std::string>& notes) {
  std::ostringstream s;
  const bool notify = app.ready_on == "notify" || app.ready_on == "message" || app.wait_ready;
  s << "Type=" << (notify ? "notify" : "exec") << "\n";
  if (notify) s << "NotifyAccess=main\nTimeoutStartSec=" << ms_text(app.listen_timeout) << "\n";
  s << "ExecStart=" << exec_line(app.argv()) << "\n";
  if (!app.cwd.empty()) s << "WorkingDirectory=" << escape_specifiers(app.cwd) << "\n";
  if (!app.user.empty()) s << "User=" << app.user << "\n";
  if (!app.group.empty()) s << "Group=" << app.group << "\n";
  for (const auto& [key, value] : app.env) s << "Environment=" << systemd_quote(key + "=" + value, false) << "\n";
  if (templated) s << "Environment=" << app.instance_var << "=%i\n";
  if (!socket_unit.empty()) s << "Sockets=" << socket_unit << "\n";
  if (app.autorestart) {
    s << "Restart=always\nRestartSec=" << ms_text(std::max(app.restart_delay, std::chrono::milliseconds(100))) << "\n";
    if (!app.stop_exit_codes.empty()) {
      s << "RestartPreventExitStatus=";
      for (std::size_t i = 0; i < app.stop_exit_codes.size(); ++i) s << (i ? " " : "") << app.stop_exit_codes[i];
      s << "\n";
    }
  } else {
    s << "Restart=no\n";
  }
  s << "KillSignal=" << signal_name(app.kill_signal) << "\nTimeoutStopSec=" << ms_text(app.kill_timeout) << "\n";
  if (app.max_memory_restart > 0) {
    // pmd restarts gracefully past the limit; systemd can reclaim and throttle past MemoryHigh and
    // only kill (the OOM killer, in the unit's cgroup) past MemoryMax: a quarter more headroom.
    s << "MemoryHigh=" << app.max_memory_restart
      << "\nMemoryMax=" << app.max_memory_restart + app.max_memory_restart / 4 << "\n";
    notes.push_back(app.name + ": max_memory_restart becomes MemoryHigh (reclaim and throttling) and MemoryMax " +
                    "(a kill by the OOM killer, restarted by Restart=): systemd has no graceful restart at a limit");
  }
  if (!app.out_file.empty()) s << "StandardOutput=append:" << escape_specifiers(app.out_file) << "\n";
  if (!app.error_file.empty()) s << "StandardError=append:" << escape_specifiers(app.error_file) << "\n";
  return s.str();
}

void note_unexported(const AppSpec& app, std::vector<std::string>& notes) {
  if (app.exp_backoff_restart_delay.count() > 0)
    notes.push_back(app.name + ": exp_backoff_restart_delay is not exported (RestartSteps= needs systemd 254)");
  if (!app.cron_restart.empty())
    notes.push_back(app.name + ": cron_restart is not exported (a .timer running `systemctl restart` can do it)");
  if (!app.watch.empty()) notes.push_back(app.name + ": watch is not exported (a .path unit can do it)");
  if (!app.increment_var.empty())
    notes.push_back(app.name + ": increment_var " + app.increment_var + " is not exported (set it per instance)");
  if (app.log_max_size > 0 || !app.log_date_format.empty() || app.log_type == "json")
    notes.push_back(app.name + ": log rotation and line formats are journald's business under systemd");
  if (app.exec_mode == "cluster" && app.balance == "reuseport")
    notes.push_back(app.name + ": balance reuseport becomes one socket shared by the instances");
}

void export_direct(const AppSpec& app, const SystemdExportRequest& request, SystemdExport& out) {
  const bool several = app.instances > 1;
  const std::string prefix = unit_prefix(app.name);
  std::string socket_unit;
  if (has_socket(app)) {
    socket_unit = prefix + ".socket";
    const std::string where = !app.listen.empty() ? app.listen : std::to_string(app.port);
    // Accept=no: the instances share the listening socket and the kernel spreads connections.
    out.units.push_back({socket_unit, "[Unit]\n" + describe(app, request) + "\n[Socket]\nListenStream=" + where +
                                          "\nService=" + prefix + (several ? "@0" : "") +
                                          ".service\n\n[Install]\nWantedBy=sockets.target\n"});
  }
  std::string unit = "[Unit]\n" + describe(app, request) + "After=network.target\n" + start_limit(app);
  if (!socket_unit.empty()) unit += "Requires=" + socket_unit + "\nAfter=" + socket_unit + "\n";
  if (several) unit += "PartOf=" + prefix + ".target\n";
  unit += "\n[Service]\n" + service_body(app, several, socket_unit, out.notes);
  if (!several) {
    out.units.push_back({prefix + ".service", unit + "\n[Install]\nWantedBy=multi-user.target\n"});
    return;
  }
  out.units.push_back({prefix + "@.service", unit});
  std::string wants;
  for (int i = 0; i < app.instances; ++i) wants += " " + prefix + "@" + std::to_string(i) + ".service";
  out.units.push_back({prefix + ".target", "[Unit]\n" + describe(app, request) + "Wants=" + wants.substr(1) +
                                               "\n\n[Install]\nWantedBy=multi-user.target\n"});
}

void export_through_pmd(const AppSpec& app, const SystemdExportRequest& request, SystemdExport& out) {
  const auto argv = pmd_run_argv(app, request.pmd_path, request.ecosystem_file, request.env_name);
  std::ostringstream s;
  s << "[Unit]\n" << describe(app, request) << "After=network.target\n\n[Service]\n";
  // pmd run says READY=1 once every instance is up, and stops them all gracefully on SIGTERM.
  s << "Type=notify\nNotifyAccess=main\nExecStart=" << exec_line(argv) << "\n";
  if (!app.user.empty()) s << "User=" << app.user << "\n";
  if (!app.group.empty()) s << "Group=" << app.group << "\n";
  s << "Restart=on-failure\nKillSignal=SIGTERM\nTimeoutStopSec="
    << ms_text(app.kill_timeout + std::chrono::milliseconds(5000)) << "\n";
  s << "\n[Install]\nWantedBy=multi-user.target\n";
  out.units.push_back({unit_prefix(app.name) + ".service", s.str()});
  out.notes.push_back(app.name + ": runs under `pmd run` (Node " +
                      (app.exec_mode == "cluster" ? std::string("in cluster mode shares one socket through pmd")
                                                  : std::string("talks to pmd over its IPC channel")) +
                      "); the unit reads the app from " + request.ecosystem_file);
}

}  // namespace

std::string unit_prefix(const std::string& app_name) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < app_name.size(); ++i) {
    const auto c = static_cast<unsigned char>(app_name[i]);
    const bool kept = std::isalnum(c) != 0 || c == '_' || c == ':' || c == '-' || (c == '.' && i > 0);
    if (c < 0x80 && kept) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string systemd_quote(const std::string& word, bool in_exec_line) {
  std::string out = "\"";
  for (char c : word) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '%') out += '%';
    if (c == '$' && in_exec_line) out += '$';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

SystemdExport export_systemd(const std::vector<AppSpec>& apps, const SystemdExportRequest& request) {
  SystemdExport out;
  for (const auto& app : apps) {
    if (needs_pmd(app))
      export_through_pmd(app, request, out);
    else
      export_direct(app, request, out);
    note_unexported(app, out.notes);
  }
  return out;
}

}  // namespace pmd::cli
