// The key table and the resolution of script, interpreter, name, cwd, instances and env.
#include "app_normalizer.h"
#include "bounded_json.h"
#include "server_program.h"

#include "argv_split.h"
#include "cpu_budget.h"
#include "cron_expression.h"
#include "executable_lookup.h"
#include "interpreter.h"
#include "nearest_name.h"
#include "signals.h"
#include "units.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <map>
#include <optional>
#include <regex>
#include <tuple>

namespace pmd::config {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

// Keys PM2 has that pmd does not act on (yet): accepted with one warning each.
const std::vector<std::string> kAcceptedButIgnored = {
    "source_map_support", "vizion", "post_update",     "force",
    "treekill",           "pmx",    "automation",      "disable_trace",
    "filter_env",         "trace",  "kill_retry_time", "node_version",
    "deep_monitoring",    "io",     "version",         "restart_on_file_change"};

// watch paths and ignore_watch patterns an app may have.
constexpr std::size_t kMaxWatchEntries = 1000;

const std::map<std::string, std::string> kAliases = {{"node_args", "interpreter_args"},
                                                     {"combine_logs", "merge_logs"},
                                                     {"exec_interpreter", "interpreter"},
                                                     {"out", "out_file"},
                                                     {"output", "out_file"},
                                                     {"out_log", "out_file"},
                                                     {"error", "error_file"},
                                                     {"err", "error_file"},
                                                     {"err_file", "error_file"},
                                                     {"err_log", "error_file"},
                                                     {"log", "log_file"},
                                                     {"exec", "script"},
                                                     {"cmd", "script"},
                                                     {"cron", "cron_restart"},
                                                     {"pid", "pid_file"},
                                                     {"instance_id_env", "instance_var"},
                                                     {"uid", "user"},
                                                     {"gid", "group"},
                                                     {"i", "instances"}};

// What one app declares, before the values that depend on each other are resolved.
struct Draft {
  std::optional<std::string> name, script, interpreter, cwd, exec_mode;
  std::optional<std::vector<std::string>> args, interpreter_args;
  std::optional<int> instances;
  std::optional<std::vector<std::string>> watch;  // relative to cwd until resolved
  std::optional<std::string> pid_file;
  bool watch_cwd = false;  // watch: true
  bool append_env_to_name = false;
  bool disable_logs = false;
  Env env;
  std::map<std::string, const Value*> env_sections;  // env_<NAME> -> its object
  AppSpec spec;                                      // simple fields land here directly
};

// Reports diagnostics about the current app and key, at the right place in the file.
class Reporter {
 public:
  Reporter(const NormalizeContext& ctx, int index, Normalized& out) : ctx_(ctx), index_(index), out_(out) {}

  /// Diagnostics that follow are about `key`, written at `key_pos`; type and value errors point
  /// at `value_pos` when it is known.
  void at(const std::string& key, Position key_pos, Position value_pos = {}) {
    key_ = key;
    pos_ = key_pos.line > 0 ? key_pos : locate(key);
    value_pos_ = value_pos.line > 0 ? value_pos : pos_;
  }
  void set_app_name(const std::string& name) { app_name_ = name; }
  void error(const std::string& kind, const std::string& message) { out_.errors.push_back(make(kind, message)); }
  void warn(const std::string& message) { out_.warnings.push_back(make("warning", message)); }
  std::size_t error_count() const { return out_.errors.size(); }

 private:
  // In a JS file positions are unknown: use the key's line when it appears exactly once.
  Position locate(const std::string& key) const {
    if (ctx_.source_text.empty() || key.empty()) return {};
    std::regex pattern("(^|[^A-Za-z0-9_$])['\"]?" + key + "['\"]?\\s*:");
    auto begin = std::sregex_iterator(ctx_.source_text.begin(), ctx_.source_text.end(), pattern);
    auto end = std::sregex_iterator();
    if (std::distance(begin, end) != 1) return {};
    auto offset = static_cast<std::size_t>(begin->position() + begin->length(1));
    Position p{1, 1};
    for (std::size_t i = 0; i < offset; ++i) {
      if (ctx_.source_text[i] == '\n')
        ++p.line, p.column = 1;
      else
        ++p.column;
    }
    return p;
  }

  Diagnostic make(const std::string& kind, const std::string& message) const {
    Diagnostic d;
    d.file = ctx_.file;
    d.pos = kind == "type" || kind == "value" ? value_pos_ : pos_;
    d.app_index = index_;
    d.app_name = app_name_;
    d.key = key_;
    d.kind = kind;
    d.message = message;
    return d;
  }

  const NormalizeContext& ctx_;
  int index_;
  Normalized& out_;
  std::string key_;
  Position pos_, value_pos_;
  std::string app_name_;
};

// --- coercions: each returns nullopt after reporting what was wrong and what is accepted ---

std::string quoted(const Value& v) { return v.is_string() ? "\"" + v.text + "\"" : json_text(v.to_json()); }

std::optional<std::string> as_string(const Value& v, Reporter& r) {
  if (v.is_string()) return v.text;
  if (v.is_number()) return v.text;
  r.error("type", std::string("expects a string, got ") + v.kind_name());
  return std::nullopt;
}

std::optional<bool> as_bool(const Value& v, Reporter& r) {
  if (v.is_bool()) return v.boolean;
  if (v.is_string() && (v.text == "true" || v.text == "false")) return v.text == "true";
  r.error("type", "expects true or false, got " + quoted(v));
  return std::nullopt;
}

// wait_ready: notify|message|listen|uptime (or ready_on: the same).
void set_ready_on(const Value& v, Draft& d, Reporter& r) {
  auto s = as_string(v, r);
  if (!s) return;
  if (*s == "message" || *s == "notify" || *s == "listen" || *s == "uptime") {
    d.spec.ready_on = *s;
    d.spec.wait_ready = false;
    return;
  }
  r.error("value",
          "expects true, false, \"notify\" (READY=1 over sd_notify), \"message\" (process.send('ready')), "
          "\"listen\" (a Node app's listen() in cluster mode) or \"uptime\" (min_uptime alive), got " +
              quoted(v));
}

// A whole number written as digits (a number or a string of digits), without exceptions: a
// 400-digit value is out of range, not a crash.
std::optional<double> whole_number_of(const Value& v) {
  if (v.is_number()) return std::isfinite(v.number) ? std::optional<double>(v.number) : std::nullopt;
  if (!v.is_string()) return std::nullopt;
  std::string_view t = v.text;
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.remove_prefix(1);
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.remove_suffix(1);
  if (!t.empty() && t.front() == '+') t.remove_prefix(1);
  if (t.empty() ||
      !std::all_of(t.begin() + (t.front() == '-' ? 1 : 0), t.end(), [](unsigned char c) { return std::isdigit(c); }))
    return std::nullopt;
  double n = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
  if (ec != std::errc() || end != t.data() + t.size() || !std::isfinite(n)) return HUGE_VAL;  // out of range
  return n;
}

std::optional<long long> as_integer(const Value& v, Reporter& r, long long min, long long max, const char* example) {
  std::optional<double> number = whole_number_of(v);
  if (!number || std::floor(*number) != *number) {
    r.error("type", "expects a whole number (e.g. " + std::string(example) + "), got " + quoted(v));
    return std::nullopt;
  }
  if (*number < static_cast<double>(min) || *number > static_cast<double>(max)) {
    r.error("value", "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " + quoted(v));
    return std::nullopt;
  }
  return static_cast<long long>(*number);
}

std::optional<milliseconds> as_duration(const Value& v, Reporter& r) {
  std::optional<milliseconds> d;
  if (v.is_number()) {
    if (v.number < 0) {
      r.error("value", "must not be negative, got " + v.text);
      return std::nullopt;
    }
    // Anything past the bound is refused below; clamping first keeps the conversion defined.
    d = milliseconds(static_cast<long long>(std::llround(std::min(v.number, 1e15))));
  } else if (v.is_string()) {
    d = units::parse_duration(v.text);
  }
  if (!d) {
    r.error(
        v.is_string() ? "value" : "type",
        quoted(v) + " is not a duration (expected milliseconds, or a number with ms, s, m or h: 500, \"10s\", \"2m\")");
    return std::nullopt;
  }
  if (*d > units::kMaxDuration) {
    r.error("value",
            "must be at most 30 days (" + std::to_string(units::kMaxDuration.count()) + " ms), got " + quoted(v));
    return std::nullopt;
  }
  return d;
}

std::optional<std::uint64_t> as_size(const Value& v, Reporter& r) {
  if (v.is_number() && v.number >= 0 && v.number < 1.8e19) return static_cast<std::uint64_t>(v.number);
  if (v.is_string()) {
    if (auto s = units::parse_size(v.text)) return s;
  }
  r.error(
      v.is_string() ? "value" : "type",
      quoted(v) + " is not a size (expected bytes, or digits with K, M or G in powers of 1024: \"300M\", \"1.5G\")");
  return std::nullopt;
}

std::optional<std::vector<std::string>> as_words(const Value& v, Reporter& r) {
  if (v.is_string()) {
    auto words = split_command_line(v.text);
    if (auto* err = std::get_if<std::string>(&words)) {
      r.error("value", *err);
      return std::nullopt;
    }
    return std::get<std::vector<std::string>>(words);
  }
  if (v.is_array()) {
    std::vector<std::string> out;
    for (const auto& item : v.items) {
      if (item.is_string() || item.is_number())
        out.push_back(item.text);
      else if (item.is_bool())
        out.push_back(item.boolean ? "true" : "false");
      else {
        r.error("type", std::string("expects a list of strings, found ") + item.kind_name() + " in it");
        return std::nullopt;
      }
    }
    return out;
  }
  r.error("type", std::string("expects a string or a list of strings, got ") + v.kind_name());
  return std::nullopt;
}

// Env values reach the app as strings, as PM2 passes them.
std::optional<Env> as_env(const Value& v, Reporter& r) {
  if (!v.is_object()) {
    r.error("type", std::string("expects an object of variables, got ") + v.kind_name());
    return std::nullopt;
  }
  Env env;
  for (const auto& m : v.members) {
    if (auto why = check_env_key(m.key); !why.empty()) {
      r.error("value", "variable \"" + m.key + "\" " + why);
      continue;
    }
    const Value& x = m.value;
    if (x.is_string() || x.is_number())
      env[m.key] = x.text;
    else if (x.is_bool())
      env[m.key] = x.boolean ? "true" : "false";
    else if (x.is_null())
      env[m.key] = "";
    else
      env[m.key] = json_text(x.to_json());
  }
  return env;
}

using Handler = std::function<void(const Value&, Draft&, Reporter&)>;

const std::map<std::string, Handler>& handlers() {
  static const std::map<std::string, Handler> table = {
      {"name", [](const Value& v, Draft& d, Reporter& r) { d.name = as_string(v, r); }},
      {"script", [](const Value& v, Draft& d, Reporter& r) { d.script = as_string(v, r); }},
      {"args", [](const Value& v, Draft& d, Reporter& r) { d.args = as_words(v, r); }},
      {"interpreter", [](const Value& v, Draft& d, Reporter& r) { d.interpreter = as_string(v, r); }},
      {"interpreter_args", [](const Value& v, Draft& d, Reporter& r) { d.interpreter_args = as_words(v, r); }},
      {"cwd", [](const Value& v, Draft& d, Reporter& r) { d.cwd = as_string(v, r); }},
      {"instances",
       [](const Value& v, Draft& d, Reporter& r) {
         if (v.is_string() && v.text == "max")
           d.instances = 0;
         else if (auto n = whole_number_of(v)) {
           if (std::floor(*n) != *n)
             r.error("value", "expects a whole number or \"max\", got " + quoted(v));
           else if (std::abs(*n) > kMaxInstances)
             r.error("value", "at most " + std::to_string(kMaxInstances) + " instances, got " + quoted(v));
           else
             d.instances = static_cast<int>(*n);
         } else {
           r.error(v.is_string() ? "value" : "type",
                   "expects a number, \"max\", 0 (= max) or -n (= max - n), got " + quoted(v));
         }
       }},
      {"exec_mode",
       [](const Value& v, Draft& d, Reporter& r) {
         auto s = as_string(v, r);
         if (!s) return;
         if (*s == "fork" || *s == "fork_mode")
           d.exec_mode = "fork";
         else if (*s == "cluster" || *s == "cluster_mode")
           d.exec_mode = "cluster";
         else
           r.error("value", "expects \"fork\" or \"cluster\" (or fork_mode, cluster_mode), got " + quoted(v));
       }},
      {"env",
       [](const Value& v, Draft& d, Reporter& r) {
         if (auto e = as_env(v, r)) d.env = std::move(*e);
       }},
      {"max_memory_restart",
       [](const Value& v, Draft& d, Reporter& r) {
         if (auto s = as_size(v, r)) d.spec.max_memory_restart = *s;
       }},
      {"max_restarts",
       [](const Value& v, Draft& d, Reporter& r) {
         if (auto n = as_integer(v, r, 0, 1'000'000, "10")) d.spec.max_restarts = static_cast<int>(*n);
       }},
      {"min_uptime",
       [](const Value& v, Draft& d, Reporter& r) {
         if (auto x = as_duration(v, r)) d.spec.min_uptime = *x;
       }},
      {"restart_delay",
       [](const Value& v, Draft& d, Reporter& r) {
         if (auto x = as_duration(v, r)) d.spec.restart_delay = *x;
       }},
      {"exp_backoff_restart_delay",
       [](const Value& v, Draft& d, Reporter& r) {
         if (auto x = as_duration(v, r)) d.spec.exp_backoff_restart_delay = *x;
       }},
      {"kill_timeout",
       [](const Value& v, Draft& d, Reporter& r) {
         if (auto x = as_duration(v, r)) d.spec.kill_timeout = *x;
       }},
      {"listen_timeout",
       [](const Value& v, Draft& d, Reporter& r) {
         if (auto x = as_duration(v, r)) d.spec.listen_timeout = *x;
       }},
      {"kill_signal",
       [](const Value& v, Draft& d, Reporter& r) {
         auto s = as_string(v, r);
         if (!s) return;
         if (auto sig = parse_signal(*s))
           d.spec.kill_signal = *sig;
         else
           r.error("value", quoted(v) + " is not a signal (expected a name like SIGINT or SIGTERM)");
       }},
      {"autorestart",
       [](const Value& v, Draft& d, Reporter& r) {
         if (auto b = as_bool(v, r)) d.spec.autorestart = *b;
       }},
      {"wait_ready",
       [](const Value& v, Draft& d, Reporter& r) {
         // PM2's true, or pmd's choice of signal.
         if (v.is_string() && v.text != "true" && v.text != "false") return set_ready_on(v, d, r);
         if (auto b = as_bool(v, r)) d.spec.wait_ready = *b;
       }},
      {"ready_on", [](const Value& v, Draft& d, Reporter& r) { set_ready_on(v, d, r); }},
      {"shutdown_with_message",
       [](const Value& v, Draft& d, Reporter& r) {
         if (auto b = as_bool(v, r)) d.spec.shutdown_with_message = *b;
       }},
      {"merge_logs",
       [](const Value& v, Draft& d, Reporter& r) {
         if (auto b = as_bool(v, r)) d.spec.merge_logs = *b;
       }},
      {"time",
       [](const Value& v, Draft& d, Reporter& r) {
         // `time: true` prefixes every log line with a timestamp; an explicit format wins.
         if (auto b = as_bool(v, r); b && *b && d.spec.log_date_format.empty())
           d.spec.log_date_format = "YYYY-MM-DDTHH:mm:ss";
       }},
      {"stop_exit_codes",
       [](const Value& v, Draft& d, Reporter& r) {
         std::vector<const Value*> items;
         if (v.is_array())
           for (const auto& i : v.items) items.push_back(&i);
         else
           items.push_back(&v);
         std::vector<int> codes;
         for (const Value* item : items) {
           auto n = as_integer(*item, r, 0, 255, "0");
           if (!n) return;
           codes.push_back(static_cast<int>(*n));
         }
         d.spec.stop_exit_codes = codes;
       }},
      {"out_file",
       [](const Value& v, Draft& d, Reporter& r) {
         if (auto s = as_string(v, r)) d.spec.out_file = *s;
       }},
      {"error_file",
       [](const Value& v, Draft& d, Reporter& r) {
         if (auto s = as_string(v, r)) d.spec.error_file = *s;
       }},
      {"log_file",
       [](const Value& v, Draft& d, Reporter& r) {
         if (v.is_bool()) return;  // PM2 accepts `log_file: false`
         if (auto s = as_string(v, r)) d.spec.log_file = *s;
       }},
      {"log_date_format",
       [](const Value& v, Draft& d, Reporter& r) {
         if (auto s = as_string(v, r)) d.spec.log_date_format = *s;
       }},
      {"log_type",
       [](const Value& v, Draft& d, Reporter& r) {
         auto s = as_string(v, r);
         if (s && *s != "json" && *s != "raw" && *s != "")
           r.error("value", "expects \"json\" (one JSON object per line), got " + quoted(v));
         else if (s)
           d.spec.log_type = *s == "json" ? "json" : "";
       }},
      {"log_max_size",
       [](const Value& v, Draft& d, Reporter& r) {
         if (auto x = as_size(v, r)) d.spec.log_max_size = *x;
       }},
      {"log_retain",
       [](const Value& v, Draft& d, Reporter& r) {
         if (auto n = as_integer(v, r, 0, 1000, "5")) d.spec.log_retain = static_cast<int>(*n);
       }},
      {"increment_var",
       [](const Value& v, Draft& d, Reporter& r) {
         if (auto s = as_string(v, r)) d.spec.increment_var = *s;
       }},
      {"instance_var",
       [](const Value& v, Draft& d, Reporter& r) {
         if (auto s = as_string(v, r)) d.spec.instance_var = *s;
       }},
      {"namespace",
       [](const Value& v, Draft& d, Reporter& r) {
         if (auto s = as_string(v, r)) d.spec.namespace_ = *s;
       }},
      {"user",
       [](const Value& v, Draft& d, Reporter& r) {
         if (auto s = as_string(v, r)) d.spec.user = *s;
       }},
      {"group",
       [](const Value& v, Draft& d, Reporter& r) {
         if (auto s = as_string(v, r)) d.spec.group = *s;
       }},
      {"port",
       [](const Value& v, Draft& d, Reporter& r) {
         auto n = as_integer(v, r, 1, 65535, "8080");
         if (n) d.spec.port = static_cast<int>(*n);
       }},
      {"listen",
       [](const Value& v, Draft& d, Reporter& r) {
         if (auto s = as_string(v, r)) d.spec.listen = *s;
       }},
      {"watch",
       [](const Value& v, Draft& d, Reporter& r) {
         // true: the app's directory; a path or a list of paths; false (or "false"): off.
         if (v.is_bool() || (v.is_string() && (v.text == "true" || v.text == "false"))) {
           d.watch_cwd = v.is_bool() ? v.boolean : v.text == "true";
           d.watch.reset();
         } else if (v.is_string()) {
           d.watch = std::vector<std::string>{v.text};  // one path, spaces and all
         } else if (auto paths = as_words(v, r)) {
           if (paths->size() > kMaxWatchEntries) return r.error("value", "at most 1000 paths");
           d.watch = *paths;
         }
       }},
      {"ignore_watch",
       [](const Value& v, Draft& d, Reporter& r) {
         if (v.is_string()) {
           d.spec.ignore_watch = {v.text};
         } else if (auto patterns = as_words(v, r)) {
           // Every changed path is checked against each: bounded.
           if (patterns->size() > kMaxWatchEntries) return r.error("value", "at most 1000 patterns");
           d.spec.ignore_watch = *patterns;
         }
       }},
      {"watch_delay",
       [](const Value& v, Draft& d, Reporter& r) {
         if (auto ms = as_duration(v, r)) d.spec.watch_delay = *ms;
       }},
      {"watch_options",
       [](const Value& v, Draft& d, Reporter& r) {
         if (!v.is_object()) return r.error("type", std::string("expects an object, got ") + v.kind_name());
         for (const auto& m : v.members) {
           if (m.key == "followSymlinks") {
             if (auto b = as_bool(m.value, r)) d.spec.watch_follow_symlinks = *b;
           } else {
             r.warn("watch_options." + m.key + " is chokidar's; pmd watches with inotify and ignores it");
           }
         }
       }},
      {"watch_follow_symlinks",  // the wire name of watch_options.followSymlinks
       [](const Value& v, Draft& d, Reporter& r) {
         if (auto b = as_bool(v, r)) d.spec.watch_follow_symlinks = *b;
       }},
      {"cron_restart",
       [](const Value& v, Draft& d, Reporter& r) {
         auto s = as_string(v, r);
         if (!s || s->empty()) return;
         if (auto parsed = parse_cron(*s); std::holds_alternative<std::string>(parsed))
           r.error("value", std::get<std::string>(parsed));
         else
           d.spec.cron_restart = *s;
       }},
      {"pid_file", [](const Value& v, Draft& d, Reporter& r) { d.pid_file = as_string(v, r); }},
      {"autostart",
       [](const Value& v, Draft& d, Reporter& r) {
         if (auto b = as_bool(v, r)) d.spec.autostart = *b;
       }},
      {"append_env_to_name",
       [](const Value& v, Draft& d, Reporter& r) {
         if (auto b = as_bool(v, r)) d.append_env_to_name = *b;
       }},
      {"disable_logs",
       [](const Value& v, Draft& d, Reporter& r) {
         if (auto b = as_bool(v, r)) d.disable_logs = *b;
       }},
      {"balance",
       [](const Value& v, Draft& d, Reporter& r) {
         auto s = as_string(v, r);
         if (!s) return;
         if (*s == "shared" || *s == "reuseport" || *s == "sticky")
           d.spec.balance = *s;
         else
           r.error("value",
                   "expects \"shared\" (one socket for all instances), \"reuseport\" (one per instance) or "
                   "\"sticky\" (one per instance, each client address kept on one), got " +
                       quoted(v));
       }},
  };
  return table;
}

std::string env_path(const Env& env) {
  auto it = env.find("PATH");
  return it == env.end() ? kDefaultPath : it->second;
}

fs::path absolute_from(const fs::path& base, const std::string& p) {
  fs::path path(p);
  if (!p.empty() && p[0] == '~') {
    const char* home = std::getenv("HOME");
    if (home) path = fs::path(home) / p.substr(p.size() > 1 && p[1] == '/' ? 2 : 1);
  }
  return (path.is_absolute() ? path : base / path).lexically_normal();
}

bool is_plain_file(const fs::path& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// Resolves script, interpreter, args and name; reports problems on the script or interpreter key.
void resolve_program(Draft& d, const Value& app, const NormalizeContext& ctx, Reporter& r, const Env& effective_env) {
  AppSpec& spec = d.spec;
  const Value* script_value = app.find("script");
  if (!script_value) script_value = app.find("exec");
  r.at("script", script_value ? script_value->pos : app.pos);
  if (!d.script || d.script->empty()) {
    if (!script_value)
      r.error("missing", "every app needs a script (the file or command to run)");
    else if (d.script)
      r.error("value", "must not be empty");
    return;
  }
  const std::string path_var = env_path(effective_env);
  const fs::path cwd(spec.cwd);
  std::vector<std::string> leading_args;
  std::string program = *d.script;

  fs::path as_file = absolute_from(cwd, program);
  if (!is_plain_file(as_file) && fs::path(program).is_relative()) {
    fs::path beside_file = absolute_from(ctx.base_dir, program);
    if (is_plain_file(beside_file)) as_file = beside_file;
  }
  if (is_plain_file(as_file)) {
    spec.script = as_file.string();
  } else if (has_shell_syntax(program)) {
    spec.script = "/bin/sh";
    leading_args = {"-c", program};
    d.interpreter = "none";
    r.warn("\"" + program + "\" uses shell syntax, so it runs through /bin/sh -c (signals reach the shell first)");
  } else {
    auto words = split_command_line(program);
    if (auto* err = std::get_if<std::string>(&words)) return r.error("value", *err);
    auto& argv = std::get<std::vector<std::string>>(words);
    if (argv.empty()) return r.error("value", "must not be empty");
    fs::path first = absolute_from(cwd, argv[0]);
    if (is_plain_file(first))
      spec.script = first.string();
    else if (argv[0].find('/') == std::string::npos) {
      auto found = find_executable(argv[0], path_var, cwd);
      if (!found)
        return r.error("value", "script not found: " + argv[0] + " (looked for " + first.string() + " and on PATH)");
      spec.script = found->string();
    } else {
      return r.error("value", "script not found: " + argv[0] + " (looked for " + first.string() + ")");
    }
    leading_args.assign(argv.begin() + 1, argv.end());
  }

  std::string interpreter = d.interpreter ? *d.interpreter : interpreter_for(spec.script);
  // PM2 runs a text file it has no rule for with node, unless it is executable (a shebang script).
  if (!d.interpreter && interpreter.empty() && leading_args.empty() && ::access(spec.script.c_str(), X_OK) != 0 &&
      looks_like_text(spec.script))
    interpreter = "node";
  if (is_no_interpreter(interpreter)) {
    if (::access(spec.script.c_str(), X_OK) != 0)
      return r.error("value", "not executable: " + spec.script + " (run chmod +x on it, or set interpreter)");
  } else {
    r.at("interpreter", app.find("interpreter") ? app.find("interpreter")->pos : Position{});
    if (!find_executable(interpreter, path_var, cwd))
      return r.error("value",
                     "interpreter not found: '" + interpreter + "' is not on PATH (install it, or set interpreter)");
    spec.interpreter = interpreter;
  }
  spec.args = leading_args;
  if (d.args) spec.args.insert(spec.args.end(), d.args->begin(), d.args->end());
  if (d.interpreter_args) spec.interpreter_args = *d.interpreter_args;
  if (!d.name) {
    // PM2's default: the script's base name without its last extension.
    std::string base = fs::path(spec.script == "/bin/sh" ? "sh" : spec.script).filename().string();
    auto dot = base.rfind('.');
    spec.name = dot == std::string::npos || dot == 0 ? base : base.substr(0, dot);
  }
}

}  // namespace

const std::vector<std::string>& known_app_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> k;
    for (const auto& [name, h] : handlers()) k.push_back(name);
    for (const auto& [alias, target] : kAliases) k.push_back(alias);
    k.insert(k.end(), kAcceptedButIgnored.begin(), kAcceptedButIgnored.end());
    return k;
  }();
  return keys;
}

std::vector<std::string> acted_on_app_keys() {
  std::vector<std::string> keys;
  for (const auto& [name, h] : handlers()) keys.push_back(name);
  return keys;
}

const std::vector<std::string>& ignored_app_keys() { return kAcceptedButIgnored; }

// A recognised server (gunicorn, uvicorn, puma) gets its graceful stop signal and readiness
// unless the file chose them, and (`shares_socket`) the arguments that make it serve pmd's shared
// socket.
void apply_server_defaults(const Value& app, AppSpec& spec, bool shares_socket, Reporter& r) {
  auto server = recognise_server(spec.script, spec.interpreter, spec.args, spec.interpreter_args);
  if (!server) return;
  spec.server_program = server->name;
  if (!app.find("kill_signal")) spec.kill_signal = server->stop_signal;
  if (!app.find("wait_ready") && !app.find("ready_on") && !server->ready_on.empty()) spec.ready_on = server->ready_on;
  if (!shares_socket || server->socket_args.empty()) return;
  const std::string own = listen_argument_in(*server, spec.args);
  if (own.empty()) {
    spec.args.insert(spec.args.end(), server->socket_args.begin(), server->socket_args.end());
  } else if (own != server->socket_args.front()) {
    r.at("args", app.find("args") ? app.find("args")->pos : Position{});
    r.warn(server->name + " is given " + own + ", so it binds its own socket and the instances fight over it; " +
           "drop it and pmd passes the shared one (" + server->socket_args.front() + ")");
  }
}

void normalize_app(const Value& app, int index, const NormalizeContext& ctx, Normalized& out) {
  Reporter r(ctx, index, out);
  const std::size_t errors_before = r.error_count();
  if (!app.is_object()) {
    r.at("", app.pos);
    r.error("type", std::string("an app must be an object with at least a script, got ") + app.kind_name());
    return;
  }
  Draft d;
  if (const Value* name = app.find("name"); name && name->is_string()) r.set_app_name(name->text);

  for (const auto& m : app.members) {
    r.at(m.key, m.key_pos, m.value.pos);
    auto alias = kAliases.find(m.key);
    const std::string key = alias == kAliases.end() ? m.key : alias->second;
    if (auto h = handlers().find(key); h != handlers().end()) {
      h->second(m.value, d, r);
    } else if (key.rfind("env_", 0) == 0 && key.size() > 4) {
      if (!m.value.is_object())
        r.error("type", std::string("expects an object of variables, got ") + m.value.kind_name());
      else
        d.env_sections[key.substr(4)] = &m.value;
    } else if (std::find(kAcceptedButIgnored.begin(), kAcceptedButIgnored.end(), key) != kAcceptedButIgnored.end()) {
      r.warn("accepted but not supported by pmd yet; it has no effect");
    } else {
      // A warning, never an error: files PM2 runs, pmd runs (`--strict` makes it an error).
      if (auto nearest = nearest_name(key, known_app_keys()))
        r.warn("unknown key, ignored; did you mean `" + *nearest + "`?");
      else
        r.warn("unknown key, ignored");
    }
  }

  AppSpec& spec = d.spec;
  // cwd first: the script and interpreter are looked up from it.
  r.at("cwd", app.find("cwd") ? app.find("cwd")->pos : Position{}, app.find("cwd") ? app.find("cwd")->pos : Position{});
  fs::path cwd = d.cwd ? absolute_from(ctx.base_dir, *d.cwd) : ctx.base_dir;
  if (!fs::is_directory(cwd)) r.error("value", "working directory not found: " + cwd.string());
  spec.cwd = cwd.string();

  // Env: the declared env, deploy.<NAME>.env, then env_<NAME> over them for --env NAME.
  spec.env = d.env;
  for (const auto& [k, v] : ctx.deploy_env) spec.env[k] = v;
  if (!ctx.env_name.empty()) {
    auto section = d.env_sections.find(ctx.env_name);
    if (section == d.env_sections.end() && ctx.deploy_env.empty()) {
      r.at("env_" + ctx.env_name, {});
      r.warn("--env " + ctx.env_name + " given but this app has no env_" + ctx.env_name + "; using env alone");
    } else if (section != d.env_sections.end()) {
      r.at("env_" + ctx.env_name, section->second->pos);
      if (auto e = as_env(*section->second, r))
        for (auto& [k, v] : *e) spec.env[k] = v;
    }
  }
  spec.base_env = ctx.starter_env;
  Env effective = spec.base_env;
  for (const auto& [k, v] : spec.env) effective[k] = v;

  if (d.name) spec.name = *d.name;
  if (fs::is_directory(cwd)) resolve_program(d, app, ctx, r, effective);
  if (!spec.interpreter.empty() && fs::path(spec.interpreter).filename().string().rfind("python", 0) == 0 &&
      !spec.env.count("PYTHONUNBUFFERED") && !spec.base_env.count("PYTHONUNBUFFERED"))
    spec.env["PYTHONUNBUFFERED"] = "1";  // line-buffered output, so logs arrive as they are written

  if (d.append_env_to_name && !ctx.env_name.empty()) spec.name += "-" + ctx.env_name;
  r.set_app_name(spec.name);
  if (!spec.name.empty() || d.name) {
    r.at("name", app.find("name") ? app.find("name")->pos : Position{});
    if (auto why = check_app_name(spec.name); !why.empty()) r.error("value", "\"" + spec.name + "\" " + why);
  }

  spec.instances = resolve_instances(d.instances.value_or(1), ctx.usable_cpus);
  if (const int bound = instances_without_force(ctx.usable_cpus); spec.instances > bound && !ctx.force_instances) {
    r.at("instances", app.find("instances") ? app.find("instances")->pos : Position{});
    r.error("value", std::to_string(spec.instances) + " instances is more than " + std::to_string(bound) +
                         " (4 per usable CPU, " + std::to_string(ctx.usable_cpus) +
                         " here, and at most 1024); pass --force to start them anyway");
  }
  const bool node_app = is_node_interpreter(spec.interpreter);
  // The socket decides the mode, whatever the language: instances given a port (or any app given
  // an address) share one socket pmd binds. Without one, Node apps with -i run in cluster mode.
  const bool shares_socket = !spec.listen.empty() || (spec.port > 0 && spec.instances > 1);
  if (d.exec_mode) {
    spec.exec_mode = *d.exec_mode;
    if (spec.exec_mode == "fork" && spec.instances > 1 && (spec.port > 0 || !spec.listen.empty())) {
      r.at("exec_mode", app.find("exec_mode") ? app.find("exec_mode")->pos : Position{});
      r.warn("fork mode with a port and " + std::to_string(spec.instances) +
             " instances: each binds the port itself and all but one fail; drop exec_mode to share one socket "
             "(cluster mode)");
    }
  } else {
    spec.exec_mode = shares_socket || (d.instances && node_app) ? "cluster" : "fork";
  }
  // pmd shares one socket among a cluster app's instances when it knows the port (the daemon's
  // cluster_address reads the same places); say so when it cannot.
  const bool port_known =
      spec.port > 0 || spec.env.count("PORT") || spec.base_env.count("PORT") || !spec.listen.empty();
  if (spec.exec_mode == "cluster") {
    r.at("exec_mode", app.find("exec_mode") ? app.find("exec_mode")->pos : Position{});
    // Node apps need no port in advance: the preload asks pmd when the app calls listen().
    if (!port_known && !node_app)
      r.warn(
          "cluster mode without a port: set port (or PORT in env) so pmd can bind it once and share it; "
          "until then the " +
          std::to_string(spec.instances) + " instances each bind their own");
  }
  apply_server_defaults(app, spec, spec.exec_mode == "cluster" && port_known, r);
  if (spec.ready_on == "listen" && !(node_app && spec.exec_mode == "cluster")) {
    r.at("wait_ready", app.find("wait_ready") ? app.find("wait_ready")->pos : Position{});
    r.error("value",
            "\"listen\" is seen through pmd's Node preload, so it needs a Node app in cluster mode; use \"notify\" "
            "(READY=1) or \"uptime\" for other programs");
  }
  if (spec.balance == "reuseport" || spec.balance == "sticky") {
    const Value* key = app.find("balance");
    r.at("balance", key ? key->pos : Position{});
    if (spec.exec_mode != "cluster")
      r.warn("balance only applies in cluster mode; this app runs in fork mode");
    else if (!spec.listen.empty() && spec.listen.find(':') == std::string::npos &&
             !std::all_of(spec.listen.begin(), spec.listen.end(), [](unsigned char c) { return std::isdigit(c); }))
      r.error("value", spec.balance + " balances TCP ports; a unix socket (" + spec.listen + ") can only be shared");
  }
  // `listen: ./api.sock` is a unix socket path, relative to the app's directory like its logs.
  if (!spec.listen.empty() && spec.listen.find(':') == std::string::npos &&
      !std::all_of(spec.listen.begin(), spec.listen.end(), [](unsigned char c) { return std::isdigit(c); }))
    spec.listen = absolute_from(cwd, spec.listen).string();
  if (d.disable_logs) spec.out_file = spec.error_file = "/dev/null";
  for (std::string* path : {&spec.out_file, &spec.error_file, &spec.log_file})
    if (!path->empty() && *path != "/dev/null") *path = absolute_from(cwd, *path).string();
  if (d.pid_file && !d.pid_file->empty()) spec.pid_file = absolute_from(cwd, *d.pid_file).string();
  // watch: true watches the app's directory; paths are relative to it.
  if (d.watch_cwd && !d.watch) spec.watch = {cwd.string()};
  if (d.watch)
    for (const auto& path : *d.watch) spec.watch.push_back(absolute_from(cwd, path).string());

  if (r.error_count() == errors_before) out.apps.push_back(std::move(spec));
}

Normalized normalize_document(const Value& root, const NormalizeContext& ctx, const std::vector<std::string>& only) {
  Normalized out;
  std::vector<const Value*> apps;
  auto top_error = [&](Position pos, const std::string& message) {
    Diagnostic d;
    d.file = ctx.file;
    d.pos = pos;
    d.kind = "type";
    d.message = message;
    out.errors.push_back(d);
  };
  // PM2 >= 2.6 also reads the apps under a top-level `pm2` key.
  const char* list_key = root.is_object() && root.find("apps")  ? "apps"
                         : root.is_object() && root.find("pm2") ? "pm2"
                                                                : nullptr;
  NormalizeContext context = ctx;
  if (list_key) {
    const Value* list = root.find(list_key);
    if (list->is_array())
      for (const auto& a : list->items) apps.push_back(&a);
    else if (list->is_object())
      apps.push_back(list);
    else
      top_error(list->pos, std::string(list_key) + ": expects a list of apps, got " + list->kind_name());
    for (const auto& m : root.members) {
      if (m.key != "deploy") continue;  // other top-level keys are usually YAML anchors for `<<` merges
      Diagnostic w;
      w.file = ctx.file;
      w.pos = m.key_pos;
      w.key = m.key;
      w.kind = "warning";
      // deploy.<NAME>.env is applied with --env NAME, as PM2 does; deploying is not pmd's job.
      const Value* target = m.value.is_object() && !ctx.env_name.empty() ? m.value.find(ctx.env_name) : nullptr;
      const Value* env = target && target->is_object() ? target->find("env") : nullptr;
      if (env && env->is_object()) {
        for (const auto& e : env->members)
          if (e.value.is_string() || e.value.is_number())
            context.deploy_env[e.key] = e.value.text;
          else if (e.value.is_bool())
            context.deploy_env[e.key] = e.value.boolean ? "true" : "false";
      }
      w.message = "pmd does not deploy (use your own tool, then `pmctl reload`); only deploy." +
                  (ctx.env_name.empty() ? std::string("<env>.env is read, with --env") : ctx.env_name + ".env is read");
      out.warnings.push_back(w);
    }
  } else if (root.is_array()) {
    for (const auto& a : root.items) apps.push_back(&a);
  } else if (root.is_object()) {
    apps.push_back(&root);
  } else {
    top_error(root.pos,
              std::string("expected {apps: [...]}, a list of apps, or one app object; got ") + root.kind_name());
  }
  if (apps.empty() && out.errors.empty()) top_error({}, "no apps declared (add an \"apps\" list)");

  for (std::size_t i = 0; i < apps.size(); ++i) {
    if (!only.empty()) {
      const Value* name = apps[i]->is_object() ? apps[i]->find("name") : nullptr;
      // Apps without a name get theirs from the script: normalize first, then filter.
      if (name && name->is_string() && std::find(only.begin(), only.end(), name->text) == only.end()) continue;
    }
    normalize_app(*apps[i], static_cast<int>(i), context, out);
  }
  if (!only.empty()) {
    std::erase_if(out.apps,
                  [&](const AppSpec& s) { return std::find(only.begin(), only.end(), s.name) == only.end(); });
    for (const auto& wanted : only) {
      bool found = std::any_of(out.apps.begin(), out.apps.end(), [&](const AppSpec& s) { return s.name == wanted; });
      bool errored =
          std::any_of(out.errors.begin(), out.errors.end(), [&](const Diagnostic& d) { return d.app_name == wanted; });
      if (!found && !errored) top_error({}, "--only " + wanted + ": no app of that name in this file");
    }
  }
  // Two apps with one name would fight over it: PM2 would start both under one name.
  for (std::size_t i = 0; i < out.apps.size(); ++i)
    for (std::size_t j = i + 1; j < out.apps.size(); ++j)
      if (out.apps[i].name == out.apps[j].name)
        top_error({}, "two apps are named \"" + out.apps[i].name + "\"; names must be unique");
  // Read top to bottom: by app, then by line.
  auto by_place = [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.app_index, a.pos.line, a.pos.column) < std::tie(b.app_index, b.pos.line, b.pos.column);
  };
  std::stable_sort(out.errors.begin(), out.errors.end(), by_place);
  std::stable_sort(out.warnings.begin(), out.warnings.end(), by_place);
  return out;
}

nlohmann::json config_view(const AppSpec& s) { return spec_view(s); }

}  // namespace pmd::config
