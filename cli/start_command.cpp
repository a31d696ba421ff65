// `pmctl start`: what the argument is decides what happens (an ecosystem file, an existing app,
// a file, a command on PATH), as in PM2.
#include "start_command.h"

#include "bounded_json.h"
#include "ecosystem_commands.h"
#include "jsonrpc.h"

#include <filesystem>
#include <iostream>
#include <sstream>

namespace pmd::cli {

using nlohmann::json;
namespace fs = std::filesystem;

std::vector<std::string> split_commas(const std::vector<std::string>& items) {
  std::vector<std::string> out;
  for (const auto& item : items) {
    std::istringstream in(item);
    for (std::string part; std::getline(in, part, ',');)
      if (!part.empty()) out.push_back(part);
  }
  return out;
}

namespace {

// Flags that map one-to-one onto ecosystem keys.
void add_key_option(CLI::App& cmd, config::StartOptions& o, const std::string& names, const std::string& key,
                    const std::string& help) {
  cmd.add_option_function<std::string>(
      names, [&o, key](const std::string& v) { o.values[key] = v; }, help);
}
void add_key_switch(CLI::App& cmd, config::StartOptions& o, const std::string& names, const std::string& key,
                    bool value, const std::string& help) {
  cmd.add_flag_callback(
      names, [&o, key, value] { o.switches[key] = value; }, help);
}

}  // namespace

void add_start_flags(CLI::App& cmd, config::StartOptions& o, std::vector<std::string>& only, bool& update_env) {
  cmd.add_option("script", o.script, "file to run, ecosystem file, or app name/id")->required();
  cmd.add_option("args", o.args, "arguments for the app (after --)");
  add_key_option(cmd, o, "--name,-n", "name", "app name (default: the file name without extension)");
  add_key_option(cmd, o, "--interpreter", "interpreter", "program that runs the script (\"none\" to exec it)");
  add_key_option(cmd, o, "--interpreter-args,--node-args", "interpreter_args", "arguments for the interpreter");
  add_key_option(cmd, o, "--cwd", "cwd", "working directory of the app");
  add_key_option(cmd, o, "--instances,-i", "instances", "number of instances: n, max, 0 (= max), -n (= max - n)");
  add_key_option(cmd, o, "--max-memory-restart", "max_memory_restart", "restart when memory exceeds this (300M, 1G)");
  add_key_option(cmd, o, "--max-restarts", "max_restarts", "crashes within min-uptime before errored (16)");
  add_key_option(cmd, o, "--min-uptime", "min_uptime", "a run shorter than this is a crash loop (1000 ms)");
  add_key_option(cmd, o, "--restart-delay", "restart_delay", "wait before restarting a crashed app");
  add_key_option(cmd, o, "--exp-backoff-restart-delay", "exp_backoff_restart_delay",
                 "first delay of exponential backoff");
  add_key_option(cmd, o, "--kill-timeout", "kill_timeout", "grace before SIGKILL on stop (1600 ms)");
  add_key_option(cmd, o, "--kill-signal", "kill_signal", "signal that asks the app to stop (SIGINT)");
  add_key_option(cmd, o, "--listen-timeout", "listen_timeout", "how long to wait for readiness (3000 ms)");
  add_key_option(cmd, o, "--exec-mode", "exec_mode", "fork or cluster (default: cluster for node apps with -i)");
  add_key_option(cmd, o, "--port", "port", "cluster mode: the port pmd binds and shares");
  add_key_option(cmd, o, "--listen", "listen", "cluster mode: the address pmd binds and shares");
  add_key_option(cmd, o, "--balance", "balance", "cluster mode: shared (one socket) or reuseport (one per instance)");
  add_key_option(cmd, o, "--output,-o", "out_file", "stdout log file");
  add_key_option(cmd, o, "--error,-e", "error_file", "stderr log file");
  add_key_option(cmd, o, "--log,-l", "log_file", "combined log file");
  add_key_option(cmd, o, "--log-date-format", "log_date_format", "timestamp format for log lines");
  add_key_option(cmd, o, "--log-type", "log_type", "json: one JSON object per log line");
  add_key_option(cmd, o, "--log-max-size", "log_max_size", "rotate log files past this size (10M)");
  add_key_option(cmd, o, "--log-retain", "log_retain", "rotated log files to keep (5)");
  add_key_option(cmd, o, "--namespace", "namespace", "namespace of the app");
  add_key_option(cmd, o, "--instance-var", "instance_var", "variable holding the instance number");
  add_key_option(cmd, o, "--increment-var", "increment_var", "variable incremented per instance");
  add_key_option(cmd, o, "--user,--uid", "user", "run the app as this user");
  add_key_option(cmd, o, "--group,--gid", "group", "run the app with this group");
  cmd.add_option_function<std::vector<std::string>>(
      "--stop-exit-codes", [&o](const std::vector<std::string>& v) { o.lists["stop_exit_codes"] = v; },
      "exit codes that mean do not restart");
  add_key_switch(cmd, o, "--no-autorestart", "autorestart", false, "do not restart the app when it exits");
  add_key_switch(cmd, o, "--wait-ready", "wait_ready", true, "wait for process.send('ready') / READY=1");
  add_key_switch(cmd, o, "--shutdown-with-message", "shutdown_with_message", true,
                 "ask the app to stop with a message");
  add_key_switch(cmd, o, "--merge-logs", "merge_logs", true, "one log file for all instances");
  add_key_switch(cmd, o, "--time", "time", true, "prefix log lines with a timestamp");
  cmd.add_option("--env-var", o.env_vars, "KEY=VALUE set for the app (repeatable)");
  cmd.add_option("--env", o.env_name, "use env_<NAME> of the ecosystem file");
  cmd.add_option("--only", only, "with an ecosystem file: only these apps (a,b)");
  cmd.add_flag("--update-env", update_env, "with an ecosystem file: take this shell's environment");
  cmd.add_flag("--force,-f", o.force, "start more instances than 4 per CPU (or 1024)");
}

int run_start(Session& session, const config::StartOptions& options, const std::vector<std::string>& only,
              bool update_env) {
  if (is_ecosystem_argument(options.script))
    return apply_file(session,
                      FileOptions{options.script, options.env_name, split_commas(only), update_env, options.force}, "");
  const fs::path cwd = fs::current_path();
  const fs::path as_file = fs::path(options.script).is_absolute() ? fs::path(options.script) : cwd / options.script;
  json result;
  // `pmctl start api` with no file called api here starts the existing app, as PM2 does.
  if (!fs::exists(as_file)) {
    int rc = session.call_quietly("start", json{{"target", options.script}}, result);
    if (rc == kExitOk) {
      for (const auto& v : result)
        std::cout << "started " << v.value("name", "") << " (id " << v.value("id", 0) << ")\n";
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
    std::cout << "started " << spec.name << " (id " << v.value("id", 0) << ", pid " << json_text(v["pid"])
              << "): " << (spec.interpreter.empty() ? "" : spec.interpreter + " ") << spec.script << "\n";
  return show_list(session, false);
}

}  // namespace pmd::cli
