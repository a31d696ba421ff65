// Validation of `pmctl start` flags into an AppSpec.
#include "start_options.h"

#include "executable_lookup.h"
#include "interpreter.h"
#include "signals.h"
#include "units.h"

#include <sys/stat.h>
#include <unistd.h>

#include <charconv>

extern char** environ;

namespace pmd::config {
namespace {

namespace fs = std::filesystem;

std::string path_of(const Env& env) {
  auto it = env.find("PATH");
  return it == env.end() ? kDefaultPath : it->second;
}

std::optional<int> parse_int(const std::string& s) {
  int v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// Default name as PM2 picks it: the script's file name without its extension.
std::string default_name(const fs::path& script) {
  std::string stem = script.stem().string();
  return stem.empty() ? script.filename().string() : stem;
}

}  // namespace

std::variant<Env, std::string> parse_env_assignments(const std::vector<std::string>& pairs) {
  Env env;
  for (const auto& pair : pairs) {
    auto eq = pair.find('=');
    if (eq == std::string::npos || eq == 0)
      return "bad --env-var '" + pair + "': expected KEY=VALUE";
    env[pair.substr(0, eq)] = pair.substr(eq + 1);
  }
  return env;
}

Env current_environment() {
  Env env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    auto eq = kv.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return env;
}

std::variant<AppSpec, std::string> spec_from_start_options(const StartOptions& o, const Starter& starter) {
  AppSpec spec;
  if (o.script.empty()) return std::string("no script given (usage: pmctl start <script|binary> [--name N] [-- args])");

  fs::path cwd = o.cwd.empty() ? starter.cwd : (fs::path(o.cwd).is_absolute() ? fs::path(o.cwd) : starter.cwd / o.cwd);
  cwd = cwd.lexically_normal();
  if (!fs::is_directory(cwd)) return "working directory not found: " + cwd.string() + " (check --cwd)";
  spec.cwd = cwd.string();

  auto declared = parse_env_assignments(o.env_vars);
  if (auto* err = std::get_if<std::string>(&declared)) return *err;
  spec.env = std::get<Env>(declared);
  spec.base_env = starter.env;
  Env effective = spec.base_env;
  for (auto& [k, v] : spec.env) effective[k] = v;
  const std::string path_var = path_of(effective);

  // The script: a file relative to the starter's directory (PM2 resolves it there, not in --cwd),
  // or, when no such file exists and the name has no '/', a command on PATH ("pmctl start npm -- start").
  fs::path script = fs::path(o.script).is_absolute() ? fs::path(o.script) : starter.cwd / o.script;
  script = script.lexically_normal();
  std::string interpreter = o.interpreter;
  struct stat st {};
  if (::stat(script.c_str(), &st) != 0) {
    auto on_path = o.script.find('/') == std::string::npos ? find_executable(o.script, path_var, cwd) : std::nullopt;
    if (!on_path) return "script not found: " + o.script + " (looked for " + script.string() + (o.script.find('/') == std::string::npos ? " and on PATH)" : ")");
    script = *on_path;
    ::stat(script.c_str(), &st);
  }
  if (S_ISDIR(st.st_mode)) return "script is a directory: " + script.string() + " (give the file to run)";
  spec.script = script.string();

  if (interpreter.empty()) interpreter = interpreter_for(spec.script);
  if (is_no_interpreter(interpreter)) {
    if (::access(spec.script.c_str(), X_OK) != 0)
      return "not executable: " + spec.script + " (run chmod +x on it, or give --interpreter)";
  } else {
    if (!find_executable(interpreter, path_var, cwd))
      return "interpreter not found: '" + interpreter + "' is not on PATH (install it, or give --interpreter)";
    if (::access(spec.script.c_str(), R_OK) != 0) return "cannot read script: " + spec.script + " (check its permissions)";
    spec.interpreter = interpreter;
  }
  spec.interpreter_args = o.interpreter_args;
  spec.args = o.args;

  spec.name = o.name.empty() ? default_name(script) : o.name;
  if (auto why = check_app_name(spec.name); !why.empty()) return "bad app name '" + spec.name + "': " + why + " (choose one with --name)";

  if (o.max_restarts) {
    auto v = parse_int(*o.max_restarts);
    if (!v || *v < 0) return "bad --max-restarts '" + *o.max_restarts + "': expected a whole number >= 0";
    spec.max_restarts = *v;
  }
  struct DurationFlag { const std::optional<std::string>& text; const char* flag; std::chrono::milliseconds& out; };
  for (auto& f : {DurationFlag{o.min_uptime, "--min-uptime", spec.min_uptime},
                  DurationFlag{o.restart_delay, "--restart-delay", spec.restart_delay},
                  DurationFlag{o.exp_backoff_restart_delay, "--exp-backoff-restart-delay", spec.exp_backoff_restart_delay},
                  DurationFlag{o.kill_timeout, "--kill-timeout", spec.kill_timeout}}) {
    if (!f.text) continue;
    auto d = units::parse_duration(*f.text);
    if (!d) return std::string("bad ") + f.flag + " '" + *f.text + "': expected milliseconds or a duration like 500ms, 2s, 1m";
    f.out = *d;
  }
  if (o.kill_signal) {
    auto sig = parse_signal(*o.kill_signal);
    if (!sig) return "bad --kill-signal '" + *o.kill_signal + "': expected a signal name like SIGTERM";
    spec.kill_signal = *sig;
  }
  for (const auto& code : o.stop_exit_codes) {
    auto v = parse_int(code);
    if (!v || *v < 0 || *v > 255) return "bad --stop-exit-codes '" + code + "': expected exit codes 0-255";
    spec.stop_exit_codes.push_back(*v);
  }
  spec.autorestart = !o.no_autorestart;
  auto absolute = [&](const std::string& p) { return p.empty() || p == "/dev/null" ? p : (fs::path(p).is_absolute() ? p : (starter.cwd / p).lexically_normal().string()); };
  spec.out_file = absolute(o.out_file);
  spec.error_file = absolute(o.error_file);
  return spec;
}

}  // namespace pmd::config
