// The command table: one entry per pmctl command. Most call one daemon method and print its
// answer (call_and_print); the others say what they do in their own file.
#include "command_table.h"

#include "bounded_json.h"
#include "monit_command.h"
#include "more_commands.h"
#include "pm2_process_list.h"
#include "pmd_version.h"
#include "render.h"
#include "session.h"
#include "start_command.h"
#include "target_argument.h"
#include "units.h"

#include <algorithm>
#include <iostream>

namespace pmd::cli {

using nlohmann::json;

namespace {

/// The shared shape of a command: connect (starting the daemon if needed), call `method`, print
/// the answer, and with `then_list` show the process table after it.
int call_and_print(const std::string& method, const json& params, const std::function<void(const json&)>& print,
                   bool then_list = false, bool progress = false) {
  Session session(true);
  session.print_progress(progress);
  json result;
  if (int rc = session.call(method, params, result); rc != kExitOk) return rc;
  if (print) print(result);
  return then_list ? show_list(session, false) : kExitOk;
}

// Applies one verb to several targets, as `pm2 stop a b` does; stops at the first failure.
int for_each_target(Session& session, const std::string& method, const std::vector<std::string>& targets,
                    const json& extra, const std::string& past_tense) {
  for (const auto& target : targets) {
    json params = extra;
    params["target"] = target_argument(target);
    json result;
    if (int rc = session.call(method, params, result); rc != kExitOk) return rc;
    for (const auto& v : result)
      std::cout << past_tense << " " << v.value("name", "") << " (id " << v.value("id", 0) << ")\n";
  }
  return kExitOk;
}

void add_file_flags(CLI::App& cmd, CommandArgs& a) {
  cmd.add_option("--only", a.only, "with an ecosystem file: only these apps (a,b)");
  cmd.add_option("--env", a.env_name, "with an ecosystem file: use env_<NAME>");
}

/// stop, restart, delete: targets, or an ecosystem file's apps.
Command verb(std::string name, std::vector<std::string> aliases, std::string help, std::string past_tense,
             bool reapplies, bool takes_update_env) {
  Command c{name, std::move(aliases), std::move(help), name, nullptr, nullptr};
  c.add_flags = [takes_update_env, stops = name == "stop"](CLI::App& cmd, CommandArgs& a) {
    cmd.add_option("target", a.targets, "app name, id, all, or an ecosystem file")->required();
    add_file_flags(cmd, a);
    if (takes_update_env) {
      cmd.add_flag("--update-env,-a", a.update_env, "give the apps this shell's environment");
      add_spec_flags(cmd, a.start);
    }
    if (stops) cmd.add_flag("--watch", a.unwatch, "also stop watching the apps' files (as pm2 stop --watch)");
  };
  c.run = [method = name, past_tense, reapplies](CommandArgs& a) {
    Session session(true);
    if (a.targets.size() == 1 && is_ecosystem_argument(a.targets[0])) {
      FileOptions f{a.targets[0], a.env_name, split_commas(a.only), a.update_env};
      return reapplies ? apply_file(session, f, method) : verb_on_file(session, f, method, past_tense.c_str());
    }
    if (config::changes_spec(a.start)) {
      if (int rc = update_and_redo(session, a.targets, a.start, method, a.update_env); rc != kExitOk) return rc;
      return show_list(session, false);
    }
    json extra = json::object();
    if (a.update_env) extra["base_env"] = config::current_environment();
    if (int r = for_each_target(session, method, a.targets, extra, past_tense); r != kExitOk) return r;
    for (const auto& target : a.unwatch ? a.targets : std::vector<std::string>{}) {
      json names;
      if (int r = session.call("unwatch", json{{"target", target_argument(target)}}, names); r != kExitOk) return r;
      for (const auto& n : names) std::cout << "stopped watching " << n.get<std::string>() << "\n";
    }
    return show_list(session, false);
  };
  return c;
}

int run_reload(CommandArgs& a) {
  Session session(true);
  session.print_progress(true);
  if (a.targets.size() == 1 && is_ecosystem_argument(a.targets[0]))
    return apply_file(session, FileOptions{a.targets[0], a.env_name, split_commas(a.only), a.update_env}, "reload");
  if (config::changes_spec(a.start)) {
    if (int rc = update_and_redo(session, a.targets, a.start, "reload", a.update_env); rc != kExitOk) return rc;
    return show_list(session, false);
  }
  for (const auto& target : a.targets) {
    json params{{"target", target_argument(target)}, {"parallel", a.parallel}};
    if (a.update_env) params["base_env"] = config::current_environment();
    json result;
    if (int rc = session.call("reload", params, result); rc != kExitOk) return rc;
    for (const auto& app : result.value("apps", json::array()))
      std::cout << "reloaded " << app.value("name", "") << ": " << app.value("replaced", 0) << " instance"
                << (app.value("replaced", 0) == 1 ? "" : "s") << " in "
                << units::format_duration(std::chrono::milliseconds(app.value("ms", 0))) << "\n";
  }
  return show_list(session, false);
}

int run_resurrect(CommandArgs&) {
  Session session(true);
  return resurrect_and_report(session);
}

// `kill` and `version` must not start a daemon only to talk to it.
int run_kill(CommandArgs&) {
  auto paths = home_paths(default_home());
  auto connection = connect_to_daemon(paths, false);
  if (!connection.client) {
    if (!connection.no_daemon) {
      print_error(connection.error);
      return kExitNoDaemon;
    }
    std::cout << "no daemon is running for " << paths.home.string() << "\n";
    return kExitOk;
  }
  try {
    auto r = connection.client->call("kill");
    if (!r.ok) {
      print_error(r.error_message);
      return kExitFailed;
    }
  } catch (const std::exception& e) {
    print_error(e.what());
    return kExitNoDaemon;
  }
  std::cout << "stopped every app and the daemon\n";
  return kExitOk;
}

int run_version(CommandArgs&) {
  std::cout << "pmctl " << kVersion << "\n";
  auto connection = connect_to_daemon(home_paths(default_home()), false);
  if (!connection.client) {
    std::cout << "pmd (not running)\n";
    return kExitOk;
  }
  try {
    auto r = connection.client->call("version");
    std::string daemon_version = r.ok ? r.result.value("version", "?") : "?";
    std::cout << "pmd " << daemon_version << " (pid " << (r.ok ? r.result.value("pid", 0) : 0) << ")\n";
    if (r.ok && !r.result.value("adopted", std::string()).empty())
      std::cout << "it adopted at start " << r.result.value("adopted", std::string()) << "\n";
    if (r.ok && r.result.contains("pace_ms")) {
      const std::chrono::milliseconds pace{r.result.value("pace_ms", 0LL)};
      std::cout << (r.result.value("at_rest", false) ? "at rest: it wakes up every " : "it samples every ")
                << units::format_duration(pace) << "\n";
    }
    if (daemon_version != kVersion)
      std::cout << "warning: the daemon runs another version; `pmctl update` upgrades it in place (no app restarts)\n";
  } catch (const std::exception& e) {
    print_error(e.what());
    return kExitNoDaemon;
  }
  return kExitOk;
}

void no_flags(CLI::App&, CommandArgs&) {}

std::vector<Command> make_table() {
  std::vector<Command> t;
  t.push_back({"start",
               {},
               "start a script, a binary, an ecosystem file, or an existing app by name or id",
               "start",
               [](CLI::App& cmd, CommandArgs& a) { add_start_flags(cmd, a.start, a.scripts, a.only, a.update_env); },
               [](CommandArgs& a) {
                 Session session(true);
                 return run_start(session, a.start, a.scripts, a.only, a.update_env);
               }});
  t.push_back(verb("stop", {}, "stop apps (kill signal, then SIGKILL after kill_timeout)", "stopped", false, false));
  t.push_back(verb("restart", {"startOrRestart"}, "restart apps", "restarted", true, true));
  t.push_back({"reload",
               {"gracefulReload", "startOrReload", "startOrGracefulReload"},
               "rolling zero-downtime reload: each replacement is ready before the old instance stops",
               "reload",
               [](CLI::App& cmd, CommandArgs& a) {
                 cmd.add_option("target", a.targets, "app name, id, all, or an ecosystem file")->required();
                 add_file_flags(cmd, a);
                 cmd.add_option("--parallel", a.parallel, "instances replaced at a time (default 1)")
                     ->check(CLI::PositiveNumber);
                 cmd.add_flag("--update-env,-a", a.update_env, "give the apps this shell's environment");
                 add_spec_flags(cmd, a.start);
               },
               run_reload});
  t.push_back({"scale",
               {},
               "set the number of instances: 4, +2 or -1",
               "scale",
               [](CLI::App& cmd, CommandArgs& a) {
                 cmd.add_option("app", a.target, "app name or id")->required();
                 cmd.add_option("instances", a.count, "N, +N or -N")->required();
               },
               [](CommandArgs& a) {
                 return call_and_print(
                     "scale", {{"target", a.target}, {"instances", a.count}},
                     [](const json& r) {
                       std::cout << "scaled " << r.value("name", "") << " from " << r.value("from", 0) << " to "
                                 << r.value("to", 0) << " instances\n";
                     },
                     true, true);
               }});
  t.push_back(verb("delete", {"del"}, "stop apps and forget them", "deleted", false, false));
  t.push_back({"config",
               {},
               "validate an ecosystem file and show the apps pmd would run",
               "",
               [](CLI::App& cmd, CommandArgs& a) {
                 cmd.add_option("file", a.file.file, "ecosystem file")->required();
                 cmd.add_option("--env", a.file.env_name, "use env_<NAME>");
                 cmd.add_option("--only", a.only, "only these apps (a,b)");
                 cmd.add_flag("--json", a.json, "machine-readable output");
                 cmd.add_flag("--force,-f", a.file.force, "allow more instances than 4 per CPU (or 1024)");
                 cmd.add_flag("--strict", a.file.strict, "warnings (unknown keys, ...) are errors: for CI");
               },
               [](CommandArgs& a) {
                 a.file.only = split_commas(a.only);
                 return show_config(a.file, a.json);
               }});
  t.push_back({"list",
               {"ls", "status", "l", "ps"},
               "show every app and its state",
               "list",
               [](CLI::App& cmd, CommandArgs& a) {
                 cmd.add_flag("--json", a.json, "machine-readable output");
                 cmd.add_option("--sort", a.sort, "name|id|pid|memory|cpu|uptime|restarts|status, then :asc or :desc");
               },
               [](CommandArgs& a) {
                 Session session(true);
                 return show_list(session, a.json, a.sort);
               }});
  t.push_back({"describe",
               {"show", "info", "desc"},
               "everything about an app",
               "describe",
               [](CLI::App& cmd, CommandArgs& a) {
                 cmd.add_option("target", a.target, "app name, id, or all")->required();
                 cmd.add_flag("--json", a.json, "machine-readable output");
               },
               [](CommandArgs& a) {
                 return call_and_print("describe", {{"target", target_argument(a.target)}}, [&a](const json& r) {
                   if (a.json)
                     std::cout << json_text(r) << "\n";
                   else
                     std::cout << render_describe(r);
                 });
               }});
  for (const bool pretty : {false, true}) {
    t.push_back({pretty ? "prettylist" : "jlist",
                 {},
                 pretty ? "the process list in PM2's JSON shape, indented"
                        : "the process list in PM2's JSON shape (as pm2 jlist)",
                 "describe",
                 no_flags,
                 [pretty](CommandArgs&) {
                   return call_and_print("describe", {{"target", "all"}}, [pretty](const json& r) {
                     std::cout << pm2_process_list(r).dump(pretty ? 2 : -1, ' ', false, json::error_handler_t::replace)
                               << "\n";
                   });
                 }});
  }
  t.push_back({"pid",
               {},
               "the pids of an app's running processes (or of all), one per line, as pm2 pid",
               "describe",
               [](CLI::App& cmd, CommandArgs& a) {
                 a.target = "all";
                 cmd.add_option("app", a.target, "app name, id, or all");
               },
               [](CommandArgs& a) {
                 return call_and_print("describe", {{"target", target_argument(a.target)}}, [](const json& r) {
                   for (const auto& row : r)
                     if (row.contains("pid") && row["pid"].is_number())
                       std::cout << row["pid"].get<long long>() << "\n";
                 });
               }});
  t.push_back({"id",
               {},
               "the ids of an app's processes, as pm2 id prints them",
               "describe",
               [](CLI::App& cmd, CommandArgs& a) { cmd.add_option("app", a.target, "app name")->required(); },
               [](CommandArgs& a) {
                 return call_and_print("describe", {{"target", a.target}}, [](const json& r) {
                   std::string ids;
                   for (const auto& row : r) ids += (ids.empty() ? " " : ", ") + std::to_string(row.value("id", 0));
                   std::cout << "[" << ids << (ids.empty() ? "]" : " ]") << "\n";
                 });
               }});
  t.push_back({"logs",
               {},
               "recent lines of an app (or all), then the live stream",
               "logs",
               [](CLI::App& cmd, CommandArgs& a) {
                 cmd.add_option("target", a.logs.target, "app name, id, or all");
                 cmd.add_option("--lines", a.logs.lines, "how many recent lines (15)")->check(CLI::NonNegativeNumber);
                 cmd.add_flag("--nostream", a.logs.no_stream, "print the recent lines and exit");
                 cmd.add_flag("--follow,-f", a.follow, "stream live lines after the recent ones (the default)");
                 cmd.add_flag("--out", a.logs.only_out, "stdout lines only");
                 cmd.add_flag("--err", a.logs.only_err, "stderr lines only");
                 cmd.add_flag("--json", a.logs.json, "one JSON object per line");
                 cmd.add_option_function<std::string>(
                        "--timestamp",
                        [&a](const std::string& format) {
                          a.logs.timestamp = true;
                          a.logs.timestamp_format = format;
                        },
                        "show when each line was written, optionally in this format (YYYY-MM-DD HH:mm:ss)")
                     ->expected(0, 1);
                 cmd.add_flag("--raw", a.logs.raw, "the apps' text only, without the `id|name |` prefix");
                 cmd.add_flag("--format", a.logs.format, "key=value lines: [timestamp=...] app= id= type= message=");
                 cmd.add_option("--highlight", a.logs.highlight, "show this text in reverse video (on a terminal)");
               },
               [](CommandArgs& a) {
                 Session session(true);
                 a.logs.target = target_argument(a.logs.target);
                 return show_logs(session, a.logs);
               }});
  t.push_back({"flush",
               {},
               "empty the log files of an app (or all)",
               "flush",
               [](CLI::App& cmd, CommandArgs& a) {
                 a.target = "all";
                 cmd.add_option("target", a.target, "app name, id, or all");
               },
               [](CommandArgs& a) {
                 return call_and_print("flush", {{"target", target_argument(a.target)}}, [](const json& r) {
                   for (const auto& name : r) std::cout << "flushed the logs of " << name.get<std::string>() << "\n";
                 });
               }});
  t.push_back({"reloadLogs",
               {},
               "reopen every log file (after an external logrotate)",
               "reloadLogs",
               no_flags,
               [](CommandArgs&) {
                 return call_and_print("reloadLogs", json::object(),
                                       [](const json&) { std::cout << "reopened every log file\n"; });
               }});
  t.push_back({"monit",
               {},
               "live dashboard: every instance's CPU, memory, restarts, and the selected app's logs",
               "monit",
               no_flags,
               [](CommandArgs&) {
                 Session session(true);
                 return run_monit(session);
               }});
  t.push_back({"metrics",
               {},
               "the daemon's and every instance's metrics in the Prometheus text format",
               "metrics",
               no_flags,
               [](CommandArgs&) {
                 return call_and_print("metrics", json::object(),
                                       [](const json& r) { std::cout << r.value("text", ""); });
               }});
  t.push_back(
      {"web",
       {},
       "the web dashboard's address, with its token; turns it on at ADDRESS (default 127.0.0.1:9615, as "
       "`pm2 web`) if it is off",
       "web",
       [](CLI::App& cmd, CommandArgs& a) {
         cmd.add_option("address", a.target, "where to serve it if it is off: HOST:PORT, [IPv6]:PORT or PORT");
         cmd.add_flag("--json", a.json, "machine-readable output");
       },
       [](CommandArgs& a) {
         const std::string wanted = a.target.empty() ? "127.0.0.1:9615" : a.target;
         return call_and_print("web", {{"listen", wanted}}, [&a](const json& r) {
           if (a.json) {
             std::cout << r.dump() << "\n";
             return;
           }
           std::cout << "dashboard: " << r.value("url", "") << "#token=" << r.value("token", "") << "\n";
           if (!r.value("started", false) && !a.target.empty())
             std::cout << "(it was already on; it stays at that address until pmd restarts)\n";
           std::cout << (r.value("loopback", true)
                             ? "on a loopback address: anyone on this machine can look; acting needs the token "
                               "in the address above\n"
                             : "every request needs the token in the address above; put TLS in front (README)\n");
         });
       }});
  t.push_back({"save",
               {"dump"},
               "remember the apps (and which run) in PMD_HOME/dump.json for `pmctl resurrect` and boot",
               "save",
               [](CLI::App& cmd, CommandArgs& a) {
                 cmd.add_flag("--force", a.force, "save even when no app is registered (empties the dump)");
               },
               [](CommandArgs& a) {
                 return call_and_print("save", {{"force", a.force}}, [](const json& r) {
                   const auto& apps = r["apps"];
                   std::cout << "saved " << apps.size() << " app" << (apps.size() == 1 ? "" : "s");
                   for (std::size_t i = 0; i < apps.size(); ++i)
                     std::cout << (i == 0 ? ": " : ", ") << apps[i].get<std::string>();
                   std::cout << " to " << r.value("path", "") << "\n";
                 });
               }});
  t.push_back({"resurrect", {}, "start the apps of the last `pmctl save` again", "resurrect", no_flags, run_resurrect});
  t.push_back({"cleardump",
               {},
               "empty the dump, so that nothing comes back at boot (the previous one stays as dump.json.bak)",
               "cleardump",
               no_flags,
               [](CommandArgs&) {
                 return call_and_print("cleardump", json::object(),
                                       [](const json& r) { std::cout << "emptied " << r.value("path", "") << "\n"; });
               }});
  for (const bool install : {true, false}) {
    t.push_back(
        {install ? "startup" : "unstartup",
         {},
         install ? "start pmd at boot with systemd, restoring the apps of `pmctl save`"
                 : "stop starting pmd at boot (removes the unit `pmctl startup` installed)",
         "",
         [install](CLI::App& cmd, CommandArgs& a) {
           cmd.add_option("init", a.startup.init_system, "init system: systemd (the only one supported)");
           cmd.add_option("--user,-u", a.startup.user, "the account pmd runs as (default: you; another needs root)");
           cmd.add_option("--root", a.startup.root,
                          "act on the file system of an image at this path, offline (as systemctl --root)");
           cmd.add_option("--service-name", a.startup.service_name, "the unit's name (PM2's flag)");
           cmd.add_option("--hp", a.startup.home_path, "the account's home (PM2's flag): pmd's home is <it>/.pmd");
           if (install) cmd.add_flag("--print", a.startup.print, "print the unit instead of installing it");
         },
         [install](CommandArgs& a) { return install ? run_startup(a.startup) : run_unstartup(a.startup); }});
  }
  t.push_back({"export",
               {},
               "write an ecosystem file's apps as systemd units, Kubernetes manifests or a Compose file (without --to, "
               "print them)",
               "",
               [](CLI::App& cmd, CommandArgs& a) {
                 cmd.add_option("format", a.exported.format, "systemd, kubernetes (k8s) or compose")->required();
                 cmd.add_option("file", a.exported.file, "the ecosystem file")->required();
                 cmd.add_option("--env", a.exported.env_name, "use env_<NAME> of the file");
                 cmd.add_option("--only", a.exported.only, "only these apps")->delimiter(',');
                 cmd.add_option("--to", a.exported.to, "write the units into this directory");
                 cmd.add_option("--cpus", a.exported.cpus, "CPUs of the target machine, for instances: max");
                 cmd.add_option("--image", a.exported.image, "the container image of every app (kubernetes, compose)");
               },
               [](CommandArgs& a) { return run_export(a.exported); }});
  t.push_back(
      {"reset",
       {},
       "set the restart counters of apps back to zero",
       "reset",
       [](CLI::App& cmd, CommandArgs& a) { cmd.add_option("target", a.target, "app name, id, or all")->required(); },
       [](CommandArgs& a) { return run_reset(a.target); }});
  t.push_back({"sendSignal",
               {"signal"},
               "send a signal to the main process of each running instance (sendSignal SIGUSR2 api)",
               "signal",
               [](CLI::App& cmd, CommandArgs& a) {
                 cmd.add_option("signal", a.signal, "SIGUSR2, USR2 or 12")->required();
                 cmd.add_option("target", a.target, "app name, id, or all")->required();
               },
               [](CommandArgs& a) { return run_send_signal(a.signal, a.target); }});
  t.push_back(
      {"env",
       {},
       "the environment an instance's process gets, as pm2 env <id>",
       "env",
       [](CLI::App& cmd, CommandArgs& a) { cmd.add_option("id", a.target, "instance id or app name")->required(); },
       [](CommandArgs& a) { return run_env(a.target); }});
  t.push_back({"init",
               {"ecosystem"},
               "write a commented sample ecosystem.config.js in this directory",
               "",
               [](CLI::App& cmd, CommandArgs& a) {
                 cmd.add_option("mode", a.target, "simple (the only kind; accepted as PM2)");
               },
               [](CommandArgs&) { return run_init(); }});
  t.push_back({"update",
               {"updatePM2"},
               "upgrade the daemon in place to the installed pmd: every app keeps running (same pids, no restart)",
               "",
               no_flags,
               [](CommandArgs&) { return run_update(); }});
  t.push_back({"ping", {}, "check the daemon answers (starting it if needed)", "ping", no_flags, [](CommandArgs&) {
                 return call_and_print("ping", json::object(), [](const json& r) {
                   std::cout << "pong (pmd " << r.value("version", "?") << ", pid " << r.value("pid", 0) << ")\n";
                 });
               }});
  t.push_back({"kill", {}, "stop every app and the daemon", "kill", no_flags, run_kill});
  t.push_back({"version", {}, "versions of pmctl and of the running daemon", "version", no_flags, run_version});
  return t;
}

}  // namespace

const std::vector<Command>& command_table() {
  static const std::vector<Command> table = make_table();
  return table;
}

void add_commands(CLI::App& app, CommandArgs& args, const Command*& chosen, std::string_view first_word) {
  // Only the command named, when one is: building all of them (hundreds of options) is most of
  // what a `pmctl ping` would otherwise spend before it connects.
  const auto named = [&](const Command& c) {
    return c.name == first_word || std::find(c.aliases.begin(), c.aliases.end(), first_word) != c.aliases.end();
  };
  const auto& table = command_table();
  const bool one = std::any_of(table.begin(), table.end(), named);
  for (const Command& c : table) {
    if (one && !named(c)) continue;
    CLI::App* cmd = app.add_subcommand(c.name, c.help);
    for (const auto& alias : c.aliases) cmd->alias(alias);
    c.add_flags(*cmd, args);
    cmd->callback([&chosen, &c] { chosen = &c; });
  }
}

}  // namespace pmd::cli
