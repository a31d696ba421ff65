// pmctl: CLI11 wiring of the commands to the daemon's methods.
#include "commands.h"

#include "daemon_connection.h"
#include "jsonrpc.h"
#include "pmd_version.h"
#include "render.h"
#include "start_options.h"

#include <CLI/CLI.hpp>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

namespace pmd::cli {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

void print_error(const std::string& message) { std::fprintf(stderr, "pmctl: error: %s\n", message.c_str()); }

// The one way commands reach the daemon: connect (starting it if asked), call, report failures.
class Session {
 public:
  explicit Session(bool autostart) : paths_(home_paths(default_home())), autostart_(autostart) {}

  /// Calls `method`; on success stores the result and returns kExitOk.
  int call(const std::string& method, const json& params, json& result) {
    if (!client_) {
      auto connection = connect_to_daemon(paths_, autostart_);
      if (!connection.client) {
        print_error(connection.error);
        return kExitNoDaemon;
      }
      client_.emplace(std::move(*connection.client));
    }
    try {
      rpc::Response r = client_->call(method, params);
      if (!r.ok) {
        last_error_code_ = r.error_code;
        print_error(r.error_message);
        return kExitFailed;
      }
      result = std::move(r.result);
      return kExitOk;
    } catch (const std::exception& e) {
      print_error(e.what());
      return kExitNoDaemon;
    }
  }

  int last_error_code() const { return last_error_code_; }
  const HomePaths& paths() const { return paths_; }

 private:
  HomePaths paths_;
  bool autostart_;
  std::optional<RpcClient> client_;
  int last_error_code_ = 0;
};

bool stdout_is_tty() { return ::isatty(STDOUT_FILENO) == 1; }

int show_list(Session& session, bool as_json) {
  json result;
  if (int rc = session.call("list", json::object(), result); rc != kExitOk) return rc;
  if (as_json) std::cout << result.dump() << "\n";
  else std::cout << render_list(result, stdout_is_tty());
  return kExitOk;
}

// Applies one verb to several targets, as `pm2 stop a b` does; stops at the first failure.
int for_each_target(Session& session, const std::string& method, const std::vector<std::string>& targets,
                    const json& extra, const char* past_tense) {
  for (const auto& target : targets) {
    json params = extra;
    params["target"] = target;
    json result;
    if (int rc = session.call(method, params, result); rc != kExitOk) return rc;
    for (const auto& v : result)
      std::cout << past_tense << " " << v.value("name", "") << " (id " << v.value("id", 0) << ")" << "\n";
  }
  return kExitOk;
}

struct StartCommand {
  config::StartOptions options;
  std::string interpreter_args_text;

  int run(Session& session) {
    if (!interpreter_args_text.empty()) {
      std::istringstream words(interpreter_args_text);
      for (std::string w; words >> w;) options.interpreter_args.push_back(w);
    }
    const fs::path cwd = fs::current_path();
    const fs::path as_file = fs::path(options.script).is_absolute() ? fs::path(options.script) : cwd / options.script;
    json result;
    // `pmctl start api` with no file called api here starts the existing app, as PM2 does.
    if (!fs::exists(as_file)) {
      int rc = session.call("start", json{{"target", options.script}}, result);
      if (rc == kExitOk) {
        for (const auto& v : result) std::cout << "started " << v.value("name", "") << " (id " << v.value("id", 0) << ")\n";
        return show_list(session, false);
      }
      if (session.last_error_code() != rpc::kAppNotFound) return rc;
      // Not an app either: fall through, it may be a command on PATH ("pmctl start npm -- start").
    }
    auto built = config::spec_from_start_options(options, config::Starter{config::current_environment(), cwd});
    if (auto* error = std::get_if<std::string>(&built)) {
      print_error(*error);
      return kExitFailed;
    }
    const AppSpec& spec = std::get<AppSpec>(built);
    if (int rc = session.call("start", json{{"spec", to_json(spec)}}, result); rc != kExitOk) return rc;
    for (const auto& v : result)
      std::cout << "started " << spec.name << " (id " << v.value("id", 0) << ", pid " << v["pid"].dump() << "): "
                << (spec.interpreter.empty() ? "" : spec.interpreter + " ") << spec.script << "\n";
    return show_list(session, false);
  }
};

}  // namespace

int run_pmctl(int argc, char** argv) {
  CLI::App app{"pmctl: drive the pmd process manager"};
  app.require_subcommand(1);
  app.set_version_flag("--version,-v", std::string("pmctl ") + kVersion);
  int rc = kExitOk;
  std::function<int()> action;

  // start
  StartCommand start;
  auto* start_cmd = app.add_subcommand("start", "start a script or binary (or an existing app by name or id)");
  start_cmd->add_option("script", start.options.script, "file to run, or an app name/id to start again")->required();
  start_cmd->add_option("args", start.options.args, "arguments for the app (after --)");
  start_cmd->add_option("--name,-n", start.options.name, "app name (default: the file name without extension)");
  start_cmd->add_option("--interpreter", start.options.interpreter, "program that runs the script (\"none\" to exec it)");
  start_cmd->add_option("--interpreter-args,--node-args", start.interpreter_args_text, "arguments for the interpreter");
  start_cmd->add_option("--cwd", start.options.cwd, "working directory of the app");
  start_cmd->add_option("--env-var", start.options.env_vars, "KEY=VALUE set for the app (repeatable)");
  start_cmd->add_option("--max-restarts", start.options.max_restarts, "crashes within min-uptime before errored (16)");
  start_cmd->add_option("--min-uptime", start.options.min_uptime, "a run shorter than this is a crash loop (1000 ms)");
  start_cmd->add_option("--restart-delay", start.options.restart_delay, "wait before restarting a crashed app");
  start_cmd->add_option("--exp-backoff-restart-delay", start.options.exp_backoff_restart_delay, "first delay of exponential backoff");
  start_cmd->add_option("--kill-timeout", start.options.kill_timeout, "grace before SIGKILL on stop (1600 ms)");
  start_cmd->add_option("--kill-signal", start.options.kill_signal, "signal that asks the app to stop (SIGINT)");
  start_cmd->add_option("--stop-exit-codes", start.options.stop_exit_codes, "exit codes that mean do not restart");
  start_cmd->add_flag("--no-autorestart", start.options.no_autorestart, "do not restart the app when it exits");
  start_cmd->add_option("--output,-o", start.options.out_file, "stdout log file");
  start_cmd->add_option("--error,-e", start.options.error_file, "stderr log file");
  start_cmd->callback([&] {
    action = [&] {
      Session session(true);
      return start.run(session);
    };
  });

  // stop / restart / delete
  std::vector<std::string> targets;
  bool update_env = false;
  auto add_verb = [&](const char* name, const char* help, const char* method, const char* past_tense) {
    auto* cmd = app.add_subcommand(name, help);
    cmd->add_option("target", targets, "app name, id, or all")->required();
    cmd->callback([&, method, past_tense] {
      action = [&, method, past_tense] {
        Session session(true);
        json extra = json::object();
        if (update_env) extra["base_env"] = config::current_environment();
        if (int r = for_each_target(session, method, targets, extra, past_tense); r != kExitOk) return r;
        return show_list(session, false);
      };
    });
    return cmd;
  };
  add_verb("stop", "stop apps (kill signal, then SIGKILL after kill_timeout)", "stop", "stopped");
  add_verb("restart", "restart apps", "restart", "restarted")
      ->add_flag("--update-env", update_env, "give the apps this shell's environment");
  add_verb("delete", "stop apps and forget them", "delete", "deleted")->alias("del");

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
      if (as_json) std::cout << result.dump() << "\n";
      else std::cout << render_describe(result);
      return kExitOk;
    };
  });

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
  if (action) rc = action();
  return rc;
}

}  // namespace pmd::cli
