// pmctl: CLI11 wiring of the commands to the daemon's methods.
#include "commands.h"
#include "bounded_json.h"

#include "ecosystem_commands.h"
#include "jsonrpc.h"
#include "logs_command.h"
#include "monit_command.h"
#include "pmd_version.h"
#include "render.h"
#include "session.h"
#include "start_options.h"
#include "startup_command.h"
#include "units.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

namespace pmd::cli {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> split_commas(const std::vector<std::string>& items) {
  std::vector<std::string> out;
  for (const auto& item : items) {
    std::istringstream in(item);
    for (std::string part; std::getline(in, part, ',');)
      if (!part.empty()) out.push_back(part);
  }
  return out;
}

// Applies one verb to several targets, as `pm2 stop a b` does; stops at the first failure.
int for_each_target(Session& session, const std::string& method, const std::vector<std::string>& targets,
                    const json& extra, const char* past_tense) {
  for (const auto& target : targets) {
    json params = extra;
    params["target"] = target;
    json result;
    if (int rc = session.call(method, params, result); rc != kExitOk) return rc;
    for (const auto& v : result) std::cout << past_tense << " " << v.value("name", "") << " (id " << v.value("id", 0) << ")\n";
  }
  return kExitOk;
}

struct StartCommand {
  config::StartOptions options;
  std::vector<std::string> only;
  bool update_env = false;

  int run(Session& session) {
    if (is_ecosystem_argument(options.script))
      return apply_file(session, FileOptions{options.script, options.env_name, split_commas(only), update_env, options.force}, "");
    const fs::path cwd = fs::current_path();
    const fs::path as_file = fs::path(options.script).is_absolute() ? fs::path(options.script) : cwd / options.script;
    json result;
    // `pmctl start api` with no file called api here starts the existing app, as PM2 does.
    if (!fs::exists(as_file)) {
      int rc = session.call_quietly("start", json{{"target", options.script}}, result);
      if (rc == kExitOk) {
        for (const auto& v : result) std::cout << "started " << v.value("name", "") << " (id " << v.value("id", 0) << ")\n";
        return show_list(session, false);
      }
      if (rc != kExitFailed || session.last_error_code() != rpc::kAppNotFound) {
        if (rc == kExitFailed) print_error(session.last_error_message());
        return rc;
      }
      // Not an app either: it may be a command on PATH ("pmctl start npm -- start").
    }
    std::vector<std::string> warnings;
    auto built = config::spec_from_start_options(options, config::Starter{config::current_environment(), cwd}, &warnings);
    for (const auto& w : warnings) print_warning(w);
    if (auto* error = std::get_if<std::string>(&built)) {
      print_error(*error);
      return kExitFailed;
    }
    const AppSpec& spec = std::get<AppSpec>(built);
    if (int rc = session.call("start", json{{"spec", to_json(spec)}}, result); rc != kExitOk) return rc;
    for (const auto& v : result)
      std::cout << "started " << spec.name << " (id " << v.value("id", 0) << ", pid " << json_text(v["pid"]) << "): "
                << (spec.interpreter.empty() ? "" : spec.interpreter + " ") << spec.script << "\n";
    return show_list(session, false);
  }
};

// Flags that map one-to-one onto ecosystem keys.
void add_key_option(CLI::App* cmd, config::StartOptions& o, const std::string& names, const std::string& key, const std::string& help) {
  cmd->add_option_function<std::string>(names, [&o, key](const std::string& v) { o.values[key] = v; }, help);
}
void add_key_switch(CLI::App* cmd, config::StartOptions& o, const std::string& names, const std::string& key, bool value, const std::string& help) {
  cmd->add_flag_callback(names, [&o, key, value] { o.switches[key] = value; }, help);
}

}  // namespace

int run_pmctl(int argc, char** argv) {
  CLI::App app{"pmctl: drive the pmd process manager"};
  app.require_subcommand(1);
  app.set_version_flag("--version,-v", std::string("pmctl ") + kVersion);
  std::function<int()> action;

  // start
  StartCommand start;
  auto& o = start.options;
  auto* start_cmd = app.add_subcommand("start", "start a script, a binary, an ecosystem file, or an existing app by name or id");
  start_cmd->add_option("script", o.script, "file to run, ecosystem file, or app name/id")->required();
  start_cmd->add_option("args", o.args, "arguments for the app (after --)");
  add_key_option(start_cmd, o, "--name,-n", "name", "app name (default: the file name without extension)");
  add_key_option(start_cmd, o, "--interpreter", "interpreter", "program that runs the script (\"none\" to exec it)");
  add_key_option(start_cmd, o, "--interpreter-args,--node-args", "interpreter_args", "arguments for the interpreter");
  add_key_option(start_cmd, o, "--cwd", "cwd", "working directory of the app");
  add_key_option(start_cmd, o, "--instances,-i", "instances", "number of instances: n, max, 0 (= max), -n (= max - n)");
  add_key_option(start_cmd, o, "--max-memory-restart", "max_memory_restart", "restart when memory exceeds this (300M, 1G)");
  add_key_option(start_cmd, o, "--max-restarts", "max_restarts", "crashes within min-uptime before errored (16)");
  add_key_option(start_cmd, o, "--min-uptime", "min_uptime", "a run shorter than this is a crash loop (1000 ms)");
  add_key_option(start_cmd, o, "--restart-delay", "restart_delay", "wait before restarting a crashed app");
  add_key_option(start_cmd, o, "--exp-backoff-restart-delay", "exp_backoff_restart_delay", "first delay of exponential backoff");
  add_key_option(start_cmd, o, "--kill-timeout", "kill_timeout", "grace before SIGKILL on stop (1600 ms)");
  add_key_option(start_cmd, o, "--kill-signal", "kill_signal", "signal that asks the app to stop (SIGINT)");
  add_key_option(start_cmd, o, "--listen-timeout", "listen_timeout", "how long to wait for readiness (3000 ms)");
  add_key_option(start_cmd, o, "--exec-mode", "exec_mode", "fork or cluster (default: cluster for node apps with -i)");
  add_key_option(start_cmd, o, "--port", "port", "cluster mode: the port pmd binds and shares");
  add_key_option(start_cmd, o, "--listen", "listen", "cluster mode: the address pmd binds and shares");
  add_key_option(start_cmd, o, "--balance", "balance", "cluster mode: shared (one socket) or reuseport (one per instance)");
  add_key_option(start_cmd, o, "--output,-o", "out_file", "stdout log file");
  add_key_option(start_cmd, o, "--error,-e", "error_file", "stderr log file");
  add_key_option(start_cmd, o, "--log,-l", "log_file", "combined log file");
  add_key_option(start_cmd, o, "--log-date-format", "log_date_format", "timestamp format for log lines");
  add_key_option(start_cmd, o, "--log-type", "log_type", "json: one JSON object per log line");
  add_key_option(start_cmd, o, "--log-max-size", "log_max_size", "rotate log files past this size (10M)");
  add_key_option(start_cmd, o, "--log-retain", "log_retain", "rotated log files to keep (5)");
  add_key_option(start_cmd, o, "--namespace", "namespace", "namespace of the app");
  add_key_option(start_cmd, o, "--instance-var", "instance_var", "variable holding the instance number");
  add_key_option(start_cmd, o, "--increment-var", "increment_var", "variable incremented per instance");
  add_key_option(start_cmd, o, "--user,--uid", "user", "run the app as this user");
  add_key_option(start_cmd, o, "--group,--gid", "group", "run the app with this group");
  start_cmd->add_option_function<std::vector<std::string>>("--stop-exit-codes", [&o](const std::vector<std::string>& v) {
    o.lists["stop_exit_codes"] = v;
  }, "exit codes that mean do not restart");
  add_key_switch(start_cmd, o, "--no-autorestart", "autorestart", false, "do not restart the app when it exits");
  add_key_switch(start_cmd, o, "--wait-ready", "wait_ready", true, "wait for process.send('ready') / READY=1");
  add_key_switch(start_cmd, o, "--shutdown-with-message", "shutdown_with_message", true, "ask the app to stop with a message");
  add_key_switch(start_cmd, o, "--merge-logs", "merge_logs", true, "one log file for all instances");
  add_key_switch(start_cmd, o, "--time", "time", true, "prefix log lines with a timestamp");
  start_cmd->add_option("--env-var", o.env_vars, "KEY=VALUE set for the app (repeatable)");
  start_cmd->add_option("--env", o.env_name, "use env_<NAME> of the ecosystem file");
  start_cmd->add_option("--only", start.only, "with an ecosystem file: only these apps (a,b)");
  start_cmd->add_flag("--update-env", start.update_env, "with an ecosystem file: take this shell's environment");
  start_cmd->add_flag("--force,-f", o.force, "start more instances than 4 per CPU (or 1024)");
  start_cmd->callback([&] {
    action = [&] {
      Session session(true);
      return start.run(session);
    };
  });

  // stop / restart / reload / delete: targets or an ecosystem file
  std::vector<std::string> targets;
  std::vector<std::string> only;
  std::string env_name;
  bool update_env = false;
  auto add_verb = [&](const char* name, const char* help, const char* method, const char* past_tense, bool reapplies) {
    auto* cmd = app.add_subcommand(name, help);
    cmd->add_option("target", targets, "app name, id, all, or an ecosystem file")->required();
    cmd->add_option("--only", only, "with an ecosystem file: only these apps (a,b)");
    cmd->add_option("--env", env_name, "with an ecosystem file: use env_<NAME>");
    cmd->callback([&, method, past_tense, reapplies] {
      action = [&, method, past_tense, reapplies] {
        Session session(true);
        if (targets.size() == 1 && is_ecosystem_argument(targets[0])) {
          FileOptions f{targets[0], env_name, split_commas(only), update_env};
          return reapplies ? apply_file(session, f, method) : verb_on_file(session, f, method, past_tense);
        }
        json extra = json::object();
        if (update_env) extra["base_env"] = config::current_environment();
        if (int r = for_each_target(session, method, targets, extra, past_tense); r != kExitOk) return r;
        return show_list(session, false);
      };
    });
    return cmd;
  };
  add_verb("stop", "stop apps (kill signal, then SIGKILL after kill_timeout)", "stop", "stopped", false);
  add_verb("restart", "restart apps", "restart", "restarted", true)
      ->add_flag("--update-env", update_env, "give the apps this shell's environment");

  // reload: rolling, with progress as it goes and a summary
  int parallel = 1;
  auto* reload_cmd = app.add_subcommand("reload", "rolling zero-downtime reload: each replacement is ready before the old instance stops");
  reload_cmd->add_option("target", targets, "app name, id, all, or an ecosystem file")->required();
  reload_cmd->add_option("--only", only, "with an ecosystem file: only these apps (a,b)");
  reload_cmd->add_option("--env", env_name, "with an ecosystem file: use env_<NAME>");
  reload_cmd->add_option("--parallel", parallel, "instances replaced at a time (default 1)")->check(CLI::PositiveNumber);
  reload_cmd->add_flag("--update-env", update_env, "give the apps this shell's environment");
  reload_cmd->callback([&] {
    action = [&] {
      Session session(true);
      session.print_progress(true);
      if (targets.size() == 1 && is_ecosystem_argument(targets[0]))
        return apply_file(session, FileOptions{targets[0], env_name, split_commas(only), update_env}, "reload");
      for (const auto& target : targets) {
        json params{{"target", target}, {"parallel", parallel}};
        if (update_env) params["base_env"] = config::current_environment();
        json result;
        if (int rc = session.call("reload", params, result); rc != kExitOk) return rc;
        for (const auto& a : result.value("apps", json::array()))
          std::cout << "reloaded " << a.value("name", "") << ": " << a.value("replaced", 0) << " instance"
                    << (a.value("replaced", 0) == 1 ? "" : "s") << " in " << units::format_duration(std::chrono::milliseconds(a.value("ms", 0)))
                    << "\n";
      }
      return show_list(session, false);
    };
  });

  // scale
  std::string scale_target, scale_count;
  auto* scale_cmd = app.add_subcommand("scale", "set the number of instances: 4, +2 or -1");
  scale_cmd->add_option("app", scale_target, "app name or id")->required();
  scale_cmd->add_option("instances", scale_count, "N, +N or -N")->required();
  scale_cmd->callback([&] {
    action = [&] {
      Session session(true);
      session.print_progress(true);
      json result;
      if (int rc = session.call("scale", json{{"target", scale_target}, {"instances", scale_count}}, result); rc != kExitOk) return rc;
      std::cout << "scaled " << result.value("name", "") << " from " << result.value("from", 0) << " to " << result.value("to", 0)
                << " instances\n";
      return show_list(session, false);
    };
  });
  add_verb("delete", "stop apps and forget them", "delete", "deleted", false)->alias("del");

  // config
  FileOptions config_options;
  bool config_json = false;
  auto* config_cmd = app.add_subcommand("config", "validate an ecosystem file and show the apps pmd would run");
  config_cmd->add_option("file", config_options.file, "ecosystem file")->required();
  config_cmd->add_option("--env", config_options.env_name, "use env_<NAME>");
  config_cmd->add_option("--only", only, "only these apps (a,b)");
  config_cmd->add_flag("--json", config_json, "machine-readable output");
  config_cmd->add_flag("--force,-f", config_options.force, "allow more instances than 4 per CPU (or 1024)");
  config_cmd->callback([&] {
    action = [&] {
      config_options.only = split_commas(only);
      return show_config(config_options, config_json);
    };
  });

  // list / describe
  bool as_json = false;
  auto* list_cmd = app.add_subcommand("list", "show every app and its state")->alias("ls")->alias("status")->alias("l");
  list_cmd->add_flag("--json", as_json, "machine-readable output");
  list_cmd->callback([&] {
    action = [&] {
      Session session(true);
      return show_list(session, as_json);
    };
  });
  std::string describe_target;
  auto* describe_cmd = app.add_subcommand("describe", "everything about an app")->alias("show")->alias("info");
  describe_cmd->add_option("target", describe_target, "app name, id, or all")->required();
  describe_cmd->add_flag("--json", as_json, "machine-readable output");
  describe_cmd->callback([&] {
    action = [&] {
      Session session(true);
      json result;
      if (int r = session.call("describe", json{{"target", describe_target}}, result); r != kExitOk) return r;
      if (as_json) std::cout << json_text(result) << "\n";
      else std::cout << render_describe(result);
      return kExitOk;
    };
  });

  // logs / flush / reloadLogs
  LogsOptions logs_options;
  auto* logs_cmd = app.add_subcommand("logs", "recent lines of an app (or all), then the live stream");
  logs_cmd->add_option("target", logs_options.target, "app name, id, or all");
  logs_cmd->add_option("--lines", logs_options.lines, "how many recent lines (15)")->check(CLI::NonNegativeNumber);
  logs_cmd->add_flag("--nostream", logs_options.no_stream, "print the recent lines and exit");
  bool follow = true;
  logs_cmd->add_flag("--follow,-f", follow, "stream live lines after the recent ones (the default)");
  logs_cmd->add_flag("--out", logs_options.only_out, "stdout lines only");
  logs_cmd->add_flag("--err", logs_options.only_err, "stderr lines only");
  logs_cmd->add_flag("--json", logs_options.json, "one JSON object per line");
  logs_cmd->add_flag("--timestamp", logs_options.timestamp, "show when each line was written");
  logs_cmd->callback([&] {
    action = [&] {
      Session session(true);
      return show_logs(session, logs_options);
    };
  });
  std::string flush_target = "all";
  auto* flush_cmd = app.add_subcommand("flush", "empty the log files of an app (or all)");
  flush_cmd->add_option("target", flush_target, "app name, id, or all");
  flush_cmd->callback([&] {
    action = [&] {
      Session session(true);
      json result;
      if (int r = session.call("flush", json{{"target", flush_target}}, result); r != kExitOk) return r;
      for (const auto& name : result) std::cout << "flushed the logs of " << name.get<std::string>() << "\n";
      return kExitOk;
    };
  });
  app.add_subcommand("reloadLogs", "reopen every log file (after an external logrotate)")->callback([&] {
    action = [&] {
      Session session(true);
      json result;
      if (int r = session.call("reloadLogs", json::object(), result); r != kExitOk) return r;
      std::cout << "reopened every log file\n";
      return kExitOk;
    };
  });

  // monit / metrics
  app.add_subcommand("monit", "live dashboard: every instance's CPU, memory, restarts, and the selected app's logs")
      ->callback([&] {
        action = [&] {
          Session session(true);
          return run_monit(session);
        };
      });
  app.add_subcommand("metrics", "the daemon's and every instance's metrics in the Prometheus text format")->callback([&] {
    action = [&] {
      Session session(true);
      json result;
      if (int r = session.call("metrics", json::object(), result); r != kExitOk) return r;
      std::cout << result.value("text", "");
      return kExitOk;
    };
  });

  // save / resurrect / cleardump
  bool save_force = false;
  auto* save_cmd = app.add_subcommand("save", "remember the apps (and which run) in PMD_HOME/dump.json for `pmctl resurrect` "
                                              "and boot")->alias("dump");
  save_cmd->add_flag("--force", save_force, "save even when no app is registered (empties the dump)");
  save_cmd->callback([&] {
    action = [&] {
      Session session(true);
      json result;
      if (int r = session.call("save", json{{"force", save_force}}, result); r != kExitOk) return r;
      const auto& apps = result["apps"];
      std::cout << "saved " << apps.size() << " app" << (apps.size() == 1 ? "" : "s");
      for (std::size_t i = 0; i < apps.size(); ++i) std::cout << (i == 0 ? ": " : ", ") << apps[i].get<std::string>();
      std::cout << " to " << result.value("path", "") << "\n";
      return kExitOk;
    };
  });
  app.add_subcommand("resurrect", "start the apps of the last `pmctl save` again")->callback([&] {
    action = [&] {
      Session session(true);
      json result;
      if (int r = session.call("resurrect", json::object(), result); r != kExitOk) return r;
      for (const auto& w : result.value("warnings", json::array())) print_warning(w.get<std::string>());
      int failed = 0;
      for (const auto& row : result["apps"]) {
        std::string action_taken = row.value("action", "");
        if (action_taken == "failed") {
          ++failed;
          print_error(row.value("name", "") + ": " + row.value("error", ""));
        } else {
          std::cout << action_taken << " " << row.value("name", "") << "\n";
        }
      }
      if (result["apps"].empty()) std::cout << "the dump " << result.value("path", "") << " holds no apps\n";
      int shown = show_list(session, false);
      return failed > 0 ? kExitFailed : shown;
    };
  });
  app.add_subcommand("cleardump", "empty the dump, so that nothing comes back at boot (the previous one stays as dump.json.bak)")
      ->callback([&] {
        action = [&] {
          Session session(true);
          json result;
          if (int r = session.call("cleardump", json::object(), result); r != kExitOk) return r;
          std::cout << "emptied " << result.value("path", "") << "\n";
          return kExitOk;
        };
      });

  // startup / unstartup
  StartupOptions startup;
  for (const char* verb : {"startup", "unstartup"}) {
    const bool install = verb == std::string("startup");
    auto* cmd = app.add_subcommand(verb, install ? "start pmd at boot with systemd, restoring the apps of `pmctl save`"
                                                 : "stop starting pmd at boot (removes the unit `pmctl startup` installed)");
    cmd->add_option("init", startup.init_system, "init system: systemd (the only one supported)");
    cmd->add_option("--user,-u", startup.user, "the account pmd runs as (default: you; another needs root)");
    cmd->add_option("--root", startup.root, "act on the file system of an image at this path, offline (as systemctl --root)");
    if (install) cmd->add_flag("--print", startup.print, "print the unit instead of installing it");
    cmd->callback([&, install] {
      action = [&, install] { return install ? run_startup(startup) : run_unstartup(startup); };
    });
  }

  // ping / kill / version
  app.add_subcommand("ping", "check the daemon answers (starting it if needed)")->callback([&] {
    action = [&] {
      Session session(true);
      json result;
      if (int r = session.call("ping", json::object(), result); r != kExitOk) return r;
      std::cout << "pong (pmd " << result.value("version", "?") << ", pid " << result.value("pid", 0) << ")\n";
      return kExitOk;
    };
  });
  app.add_subcommand("kill", "stop every app and the daemon")->callback([&] {
    action = [&] {
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
    };
  });
  app.add_subcommand("version", "versions of pmctl and of the running daemon")->callback([&] {
    action = [&] {
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
        if (daemon_version != kVersion)
          std::cout << "warning: the daemon runs another version; restart it with `pmctl kill` then any command\n";
      } catch (const std::exception& e) {
        print_error(e.what());
        return kExitNoDaemon;
      }
      return kExitOk;
    };
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  if (!action) return kExitOk;
  try {
    return action();
  } catch (const std::exception& e) {
    // A last resort: whatever slipped past the checks ends as an error line, never an abort.
    print_error(std::string("unexpected failure: ") + e.what() + " (please report it)");
    return kExitFailed;
  }
}

}  // namespace pmd::cli
