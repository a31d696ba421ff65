// What an app is: the validated description the CLI (or an ecosystem file) hands to the daemon.
// It travels as JSON inside `start`; field names follow PM2's ecosystem keys.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace pmd {

using Env = std::map<std::string, std::string>;

/// Instances of one app pmd ever runs; and the bound a start must pass `--force` to exceed: 4 per
/// usable CPU, 1,024 at most (`-i 100000` is a typo, not a plan).
inline constexpr int kMaxInstances = 4096;
int instances_without_force(int usable_cpus);

struct AppSpec {
  std::string name;
  std::string script;             // absolute path of the script or binary
  std::vector<std::string> args;  // given to the script after `--`
  std::string interpreter;        // "" = exec the script itself (PM2's "none")
  std::vector<std::string> interpreter_args;
  std::string cwd;                 // absolute
  Env base_env;                    // the starter's environment (PM2 passes it through)
  Env env;                         // declared variables, applied on top of base_env
  int instances = 1;               // resolved: "max" and negatives already counted
  std::string exec_mode = "fork";  // "fork" or "cluster"
  bool autorestart = true;
  int max_restarts = 16;
  std::chrono::milliseconds min_uptime{1000};
  std::chrono::milliseconds restart_delay{0};
  std::chrono::milliseconds exp_backoff_restart_delay{0};
  std::vector<int> stop_exit_codes;
  std::chrono::milliseconds kill_timeout{1600};
  int kill_signal = 2;                   // SIGINT, as PM2
  std::uint64_t max_memory_restart = 0;  // bytes; 0 = no limit
  std::chrono::milliseconds listen_timeout{3000};
  bool wait_ready = false;  // true: ready_on "message", as PM2
  // What makes a launch ready: "message" (process.send('ready') or READY=1), "notify" (READY=1
  // only), "listen" (a Node app's listen() on the shared socket), "uptime" (min_uptime alive),
  // or "" for what the program offers (supervise/readiness.h).
  std::string ready_on;
  std::string server_program;  // the server recognised in its argv ("gunicorn"), for describe
  bool shutdown_with_message = false;
  std::string out_file;    // "" = PMD_HOME/logs/<name>-out.log
  std::string error_file;  // "" = PMD_HOME/logs/<name>-error.log
  std::string log_file;    // combined log; "" = none
  bool merge_logs = false;
  std::string log_date_format;     // "" = no timestamps
  std::string log_type;            // "json" = one JSON object per line
  std::uint64_t log_max_size = 0;  // rotate files past this many bytes; 0 = never
  int log_retain = 5;              // rotated files kept
  std::string increment_var;
  std::string instance_var = "NODE_APP_INSTANCE";
  std::string namespace_ = "default";
  std::string user;  // run as this user (name or uid); "" = pmd's
  std::string group;
  int port = 0;                           // cluster mode: the port pmd binds; 0 = none
  std::string listen;                     // cluster mode: an address ("127.0.0.1:8080", "/run/app.sock")
  std::string balance = "shared";         // cluster mode: "shared" (one socket) or "reuseport" (one per instance)
  std::vector<std::string> watch;         // absolute paths watched for changes; empty = off
  std::vector<std::string> ignore_watch;  // names or globs not watched (node_modules and .git never are)
  std::chrono::milliseconds watch_delay{0};
  bool watch_follow_symlinks = false;  // watch_options.followSymlinks
  std::string cron_restart;            // cron expression; "" = none
  std::string pid_file;                // "" = PMD_HOME/pids/<name>.pid; instance N writes <base>-N.pid
  bool autostart = true;               // false: registered stopped

  /// argv as exec'd: [interpreter, interpreter_args..., script, args...] or [script, args...].
  std::vector<std::string> argv() const;
};

/// The spec as it travels (every field, durations in ms).
nlohmann::json to_json(const AppSpec& spec);
/// The spec as `pmctl config` and `describe` show it: unset values as null, the signal by name,
/// the starter's environment left out.
nlohmann::json spec_view(const AppSpec& spec);

/// Reads a spec sent over the wire. Throws rpc::Error(kInvalidParams) naming the bad field.
AppSpec app_spec_from_json(const nlohmann::json& j);

/// A name users can type and files can carry: non-empty UTF-8, no '/', no whitespace or control
/// characters, not all digits (digits address ids), not "all", ".", "..", nor starting with '-'
/// (names become file names and command-line arguments). Returns an error sentence or "".
std::string check_app_name(const std::string& name);

/// An environment variable's name: non-empty, no '=', no NUL or newline (execve could not pass it
/// whole). Returns an error sentence or "".
std::string check_env_key(const std::string& key);

}  // namespace pmd
