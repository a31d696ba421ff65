// `pmctl start`: what the argument is decides what happens (an ecosystem file, an existing app,
// a file, a command on PATH), as in PM2.
#include "start_command.h"

#include "bounded_json.h"
#include "ecosystem_commands.h"
#include "jsonrpc.h"

#include "target_argument.h"
#include "write_fully.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>
#include <set>
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

void add_spec_flags(CLI::App& cmd, config::StartOptions& o) {
  add_key_option(cmd, o, "--name,-n", "name", "app name (default: the file name without extension)");
  add_key_option(cmd, o, "--interpreter", "interpreter", "program that runs the script (\"none\" to exec it)");
  cmd.add_flag_callback(
      "--execute-command,-x", [&o] { o.values["exec_mode"] = "fork"; }, "fork mode (PM2's -x)");
  cmd.add_flag_callback(
      "--disable-logs",
      [&o] {
        o.values["out_file"] = "/dev/null";
        o.values["error_file"] = "/dev/null";
      },
      "write the app's output nowhere");
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
  add_key_option(cmd, o, "--balance", "balance",
                 "cluster mode: shared (one socket), reuseport (one per instance) or sticky (each client on one)");
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
  add_key_option(cmd, o, "--ready-on", "ready_on",
                 "what makes an instance ready: notify (READY=1), message, listen (Node, cluster) or uptime");
  add_key_switch(cmd, o, "--shutdown-with-message", "shutdown_with_message", true,
                 "ask the app to stop with a message");
  add_key_switch(cmd, o, "--merge-logs", "merge_logs", true, "one log file for all instances");
  add_key_switch(cmd, o, "--time", "time", true, "prefix log lines with a timestamp");
  cmd.add_option("--env-var", o.env_vars, "KEY=VALUE set for the app (repeatable)");
  cmd.add_option_function<std::string>(
         "--watch",
         [&o](const std::string& paths) {
           if (paths.empty() || paths == "true")
             o.switches["watch"] = true;
           else
             o.lists["watch"] = split_commas({paths});
         },
         "restart on file changes (a rolling reload in cluster mode): the app's directory, or these paths (a,b)")
      ->expected(0, 1);
  cmd.add_option_function<std::string>(
      "--ignore-watch",
      [&o](const std::string& patterns) {
        std::string spaced = patterns;
        std::replace(spaced.begin(), spaced.end(), ' ', ',');
        o.lists["ignore_watch"] = split_commas({spaced});
      },
      "names or globs not watched, as \"node_modules logs *.log\" (node_modules and .git never are)");
  add_key_option(cmd, o, "--watch-delay", "watch_delay", "restart no sooner than this after a change");
  add_key_option(cmd, o, "--cron-restart,--cron,-c", "cron_restart", "restart at these times (\"0 3 * * *\")");
  add_key_option(cmd, o, "--pid,-p", "pid_file", "pid file (instance N writes <file>-N.pid)");
  add_key_switch(cmd, o, "--append-env-to-name", "append_env_to_name", true,
                 "with --env NAME, name the app <name>-NAME");
}

void add_start_flags(CLI::App& cmd, config::StartOptions& o, std::vector<std::string>& scripts,
                     std::vector<std::string>& only, bool& update_env) {
  cmd.add_option("script", scripts,
                 "files to run, an ecosystem file (- reads JSON from stdin), or app names/ids; "
                 "the app's arguments go after --")
      ->required();
  add_spec_flags(cmd, o);
  cmd.add_option("--env", o.env_name, "use env_<NAME> of the ecosystem file");
  cmd.add_option("--only", only, "with an ecosystem file: only these apps (a,b)");
  cmd.add_flag("--update-env,-a", update_env, "with an ecosystem file: take this shell's environment");
  cmd.add_flag("--strict", o.strict, "warnings (unknown keys, ...) are errors: nothing starts");
  cmd.add_flag("--no-daemon", o.no_daemon,
               "run the apps in the foreground, lines on stdout, until they exit or Ctrl-C (as `pmd run`)");
  add_key_switch(cmd, o, "--no-autostart", "autostart", false,
                 "register the app stopped; `pmctl start <name>` starts it later");
  cmd.add_flag("--force,-f", o.force,
               "start another copy of an app already running (named <name>-1, -2...), or more instances than 4 per "
               "CPU (or 1024)");
}

namespace {

// `pmctl start api` of an existing app (PM2: starts a stopped one, restarts a running one).
// Returns nullopt when no app has that name or id, so the caller tries a file or a command.
std::optional<int> start_existing(Session& session, const std::string& target) {
  json result;
  int rc = session.call_quietly("start", json{{"target", target}}, result);
  if (rc == kExitOk) {
    for (const auto& v : result) std::cout << "started " << v.value("name", "") << " (id " << v.value("id", 0) << ")\n";
    return kExitOk;
  }
  if (rc == kExitFailed && session.last_error_code() == rpc::kAppNotFound) return std::nullopt;
  if (rc == kExitFailed) print_error(session.last_error_message());
  return rc;
}

// Asks the daemon to start `spec`; with --force a name already taken becomes name-1, name-2, ...
int start_new(Session& session, AppSpec spec, bool force) {
  const bool launch = spec.autostart;
  json result;
  const std::string wanted = spec.name;
  for (int copy = 1;; ++copy) {
    int rc = session.call_quietly("start", json{{"spec", to_json(spec)}}, result);
    if (rc == kExitOk) break;
    if (rc == kExitFailed && session.last_error_code() == rpc::kAppExists && force && copy < 1000) {
      spec.name = wanted + "-" + std::to_string(copy);
      continue;
    }
    if (rc == kExitFailed) print_error(session.last_error_message());
    return rc;
  }
  for (const auto& v : result)
    std::cout << (launch ? "started " : "registered (stopped) ") << spec.name << " (id " << v.value("id", 0) << ", pid "
              << json_text(v["pid"]) << "): " << (spec.interpreter.empty() ? "" : spec.interpreter + " ") << spec.script
              << "\n";
  return kExitOk;
}

// The spec of a script from the flags, its warnings printed (as errors with --strict); nullopt
// after printing why it cannot start.
std::optional<AppSpec> spec_from_flags(const config::StartOptions& options) {
  std::vector<std::string> warnings;
  auto built = config::spec_from_start_options(
      options, config::Starter{config::current_environment(), fs::current_path()}, &warnings);
  for (const auto& w : warnings) (options.strict ? print_error : print_warning)(w);
  if (auto* error = std::get_if<std::string>(&built)) {
    print_error(*error);
    return std::nullopt;
  }
  if (options.strict && !warnings.empty()) return std::nullopt;
  return std::get<AppSpec>(std::move(built));
}

int start_one(Session& session, const config::StartOptions& options, const std::vector<std::string>& only,
              bool update_env) {
  if (is_ecosystem_argument(options.script))
    return apply_file(
        session,
        FileOptions{options.script, options.env_name, split_commas(only), update_env, options.force, options.strict},
        "", false);
  const fs::path cwd = fs::current_path();
  const fs::path as_file = fs::path(options.script).is_absolute() ? fs::path(options.script) : cwd / options.script;
  // `pmctl start api` with no file called api here starts the existing app, as PM2 does. A file
  // starts a new app: its name already taken is refused, or with -f gets a copy's name.
  if (!fs::exists(as_file)) {
    if (auto rc = start_existing(session, options.script)) return *rc;
    // Not an app either: it may be a command on PATH ("pmctl start npm -- start").
  }
  auto spec = spec_from_flags(options);
  return spec ? start_new(session, std::move(*spec), options.force) : kExitFailed;
}

// The specs `start` would send, built here for --no-daemon; empty after printing an error.
std::optional<json> specs_for(const config::StartOptions& options, const std::vector<std::string>& only) {
  if (is_ecosystem_argument(options.script)) {
    auto n = load_file(
        FileOptions{options.script, options.env_name, split_commas(only), false, options.force, options.strict});
    if (!n) return std::nullopt;
    json specs = json::array();
    for (const auto& spec : n->apps) specs.push_back(to_json(spec));
    return specs;
  }
  auto spec = spec_from_flags(options);
  if (!spec) return std::nullopt;
  return json::array({to_json(*spec)});
}

// PM2's --no-daemon: the container path, `pmd run`, in this terminal. The specs travel on an
// inherited memfd, so every start flag means what it means with a daemon.
int run_in_foreground(const config::StartOptions& options, const std::vector<std::string>& scripts,
                      const std::vector<std::string>& only) {
  json specs = json::array();
  for (const auto& script : scripts) {
    config::StartOptions one = options;
    one.script = script;
    auto more = specs_for(one, only);
    if (!more) return kExitFailed;
    for (auto& spec : *more) specs.push_back(std::move(spec));
  }
  const int fd = ::memfd_create("pmd-run-specs", 0);  // inherited by pmd: not O_CLOEXEC on purpose
  const std::string text = specs.dump();
  if (fd < 0 || write_fully(fd, text) != text.size() || ::lseek(fd, 0, SEEK_SET) != 0) {
    print_error(std::string("cannot hand the apps to pmd: ") + std::strerror(errno));
    return kExitFailed;
  }
  const std::string pmd = pmd_binary();
  const std::string fd_text = std::to_string(fd);
  std::vector<const char*> argv = {pmd.c_str(), "run", "--specs-fd", fd_text.c_str(), nullptr};
  std::fflush(stdout);
  ::execv(pmd.c_str(), const_cast<char* const*>(argv.data()));
  print_error("cannot run " + pmd + ": " + std::strerror(errno));
  return kExitFailed;
}

}  // namespace

int run_start(Session& session, const config::StartOptions& options, const std::vector<std::string>& scripts,
              const std::vector<std::string>& only, bool update_env) {
  if (scripts.size() > 1 && options.values.count("name")) {
    print_error("--name with several scripts would give them all one name: start them one by one");
    return kExitUsage;
  }
  if (options.no_daemon) return run_in_foreground(options, scripts, only);
  int worst = kExitOk;
  for (const auto& script : scripts) {
    config::StartOptions one = options;
    one.script = script;
    if (int rc = start_one(session, one, only, update_env); rc != kExitOk) worst = rc;
  }
  int shown = show_list(session, false);
  return worst != kExitOk ? worst : shown;
}

int update_and_redo(Session& session, const std::vector<std::string>& targets, const config::StartOptions& flags,
                    const std::string& mode, bool update_env) {
  json specs = json::array();
  std::set<std::string> seen;
  const config::Starter starter{config::current_environment(), fs::current_path()};
  for (const auto& target : targets) {
    json current;
    if (int rc = session.call("spec", json{{"target", target_argument(target)}}, current); rc != kExitOk) return rc;
    for (const auto& spec_json : current) {
      AppSpec spec = app_spec_from_json(spec_json);
      if (!seen.insert(spec.name).second) continue;
      std::vector<std::string> warnings;
      auto updated = config::respec(spec, flags, starter, &warnings);
      for (const auto& w : warnings) print_warning(spec.name + ": " + w);
      if (auto* error = std::get_if<std::string>(&updated)) {
        print_error(spec.name + ": " + *error);
        return kExitFailed;
      }
      AppSpec& next = std::get<AppSpec>(updated);
      if (update_env) next.base_env = starter.env;  // --update-env: this shell's environment
      specs.push_back(to_json(next));
    }
  }
  return apply_specs(session, specs, mode, update_env);
}

}  // namespace pmd::cli
