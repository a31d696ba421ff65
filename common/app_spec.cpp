// AppSpec <-> JSON, with validation of everything that arrives from outside.
#include "app_spec.h"

#include "jsonrpc.h"
#include "units.h"
#include "utf8.h"

#include <algorithm>
#include <cctype>
#include <optional>

namespace pmd {

using nlohmann::json;

std::vector<std::string> AppSpec::argv() const {
  std::vector<std::string> out;
  if (!interpreter.empty()) {
    out.push_back(interpreter);
    out.insert(out.end(), interpreter_args.begin(), interpreter_args.end());
  }
  out.push_back(script);
  out.insert(out.end(), args.begin(), args.end());
  return out;
}

json to_json(const AppSpec& s) {
  return {
      {"name", s.name},
      {"script", s.script},
      {"args", s.args},
      {"interpreter", s.interpreter},
      {"interpreter_args", s.interpreter_args},
      {"cwd", s.cwd},
      {"base_env", s.base_env},
      {"env", s.env},
      {"instances", s.instances},
      {"autorestart", s.autorestart},
      {"max_restarts", s.max_restarts},
      {"min_uptime", s.min_uptime.count()},
      {"restart_delay", s.restart_delay.count()},
      {"exp_backoff_restart_delay", s.exp_backoff_restart_delay.count()},
      {"stop_exit_codes", s.stop_exit_codes},
      {"kill_timeout", s.kill_timeout.count()},
      {"kill_signal", s.kill_signal},
      {"max_memory_restart", s.max_memory_restart},
      {"listen_timeout", s.listen_timeout.count()},
      {"wait_ready", s.wait_ready},
      {"shutdown_with_message", s.shutdown_with_message},
      {"exec_mode", s.exec_mode},
      {"out_file", s.out_file},
      {"error_file", s.error_file},
      {"log_file", s.log_file},
      {"merge_logs", s.merge_logs},
      {"log_date_format", s.log_date_format},
      {"log_type", s.log_type},
      {"log_max_size", s.log_max_size},
      {"log_retain", s.log_retain},
      {"increment_var", s.increment_var},
      {"instance_var", s.instance_var},
      {"namespace", s.namespace_},
      {"user", s.user},
      {"group", s.group},
      {"port", s.port},
      {"listen", s.listen},
      {"balance", s.balance},
  };
}

namespace {

[[noreturn]] void bad(const std::string& field, const std::string& why) {
  throw rpc::Error(rpc::kInvalidParams, "invalid app spec: \"" + field + "\" " + why);
}

template <typename T>
void read(const json& j, const char* key, T& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  try {
    out = it->get<T>();
  } catch (const json::exception&) {
    bad(key, std::string("has the wrong type (") + it->type_name() + ")");
  }
}

// An integer within [min, max], checked before conversion (get<int>() would silently wrap a huge
// value); nullopt when absent. Note that the wire's non-negative numbers arrive unsigned.
std::optional<long long> bounded_integer(const json& j, const char* key, long long min, long long max, const std::string& bound) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer()) bad(key, std::string("must be a whole number, not ") + it->type_name());
  const bool in_range = it->is_number_unsigned()
                            ? it->get<std::uint64_t>() <= static_cast<std::uint64_t>(max) && static_cast<long long>(it->get<std::uint64_t>()) >= min
                            : it->get<std::int64_t>() >= min && it->get<std::int64_t>() <= max;
  if (!in_range) bad(key, bound);
  return it->get<std::int64_t>();
}

void read_ms(const json& j, const char* key, std::chrono::milliseconds& out) {
  const long long max = units::kMaxDuration.count();
  if (auto ms = bounded_integer(j, key, 0, max, "must be 0 to 30 days (" + std::to_string(max) + " ms)"))
    out = std::chrono::milliseconds(*ms);
}

void read_int(const json& j, const char* key, int& out, long long min, long long max) {
  if (auto n = bounded_integer(j, key, min, max, "must be between " + std::to_string(min) + " and " + std::to_string(max)))
    out = static_cast<int>(*n);
}

}  // namespace

AppSpec app_spec_from_json(const json& j) {
  if (!j.is_object()) throw rpc::Error(rpc::kInvalidParams, "invalid app spec: expected an object");
  AppSpec s;
  read(j, "name", s.name);
  read(j, "script", s.script);
  read(j, "args", s.args);
  read(j, "interpreter", s.interpreter);
  read(j, "interpreter_args", s.interpreter_args);
  read(j, "cwd", s.cwd);
  read(j, "base_env", s.base_env);
  read(j, "env", s.env);
  read_int(j, "instances", s.instances, 1, kMaxInstances);
  read(j, "autorestart", s.autorestart);
  read_int(j, "max_restarts", s.max_restarts, 0, 1'000'000);
  read_ms(j, "min_uptime", s.min_uptime);
  read_ms(j, "restart_delay", s.restart_delay);
  read_ms(j, "exp_backoff_restart_delay", s.exp_backoff_restart_delay);
  read(j, "stop_exit_codes", s.stop_exit_codes);
  read_ms(j, "kill_timeout", s.kill_timeout);
  read_int(j, "kill_signal", s.kill_signal, 1, 64);
  read(j, "max_memory_restart", s.max_memory_restart);
  read_ms(j, "listen_timeout", s.listen_timeout);
  read(j, "wait_ready", s.wait_ready);
  read(j, "shutdown_with_message", s.shutdown_with_message);
  read(j, "exec_mode", s.exec_mode);
  read(j, "out_file", s.out_file);
  read(j, "error_file", s.error_file);
  read(j, "log_file", s.log_file);
  read(j, "merge_logs", s.merge_logs);
  read(j, "log_date_format", s.log_date_format);
  read(j, "log_type", s.log_type);
  read(j, "log_max_size", s.log_max_size);
  read_int(j, "log_retain", s.log_retain, 0, 1000);
  read(j, "increment_var", s.increment_var);
  read(j, "instance_var", s.instance_var);
  read(j, "namespace", s.namespace_);
  read(j, "user", s.user);
  read(j, "group", s.group);
  read_int(j, "port", s.port, 0, 65535);
  read(j, "listen", s.listen);
  read(j, "balance", s.balance);

  if (auto why = check_app_name(s.name); !why.empty()) bad("name", why);
  if (s.script.empty() || s.script.front() != '/') bad("script", "must be an absolute path");
  if (s.cwd.empty() || s.cwd.front() != '/') bad("cwd", "must be an absolute path");
  if (s.exec_mode != "fork" && s.exec_mode != "cluster") bad("exec_mode", "must be \"fork\" or \"cluster\"");
  if (!s.log_type.empty() && s.log_type != "json") bad("log_type", "must be \"json\" or empty");
  for (const Env* env : {&s.base_env, &s.env})
    for (const auto& [key, value] : *env)
      if (auto why = check_env_key(key); !why.empty()) bad("env", "variable \"" + key + "\" " + why);
  return s;
}

int instances_without_force(int usable_cpus) { return std::clamp(4 * usable_cpus, 4, 1024); }

std::string check_env_key(const std::string& key) {
  if (key.empty()) return "has an empty name";
  if (key.find_first_of(std::string("=\n\0", 3)) != std::string::npos) return "must not contain '=', a newline or NUL";
  return {};
}

std::string check_app_name(const std::string& name) {
  if (name.empty()) return "must not be empty";
  if (name.size() > 128) return "is longer than 128 characters";
  if (name == "all") return "\"all\" is reserved (it addresses every app)";
  if (name == "." || name == "..") return "is not a name (it would be a directory in file names)";
  if (name.front() == '-') return "must not start with '-' (it would read as an option on a command line)";
  if (first_invalid_utf8(name)) return "is not valid UTF-8";
  if (std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isdigit(c); }))
    return "must not be all digits (numbers address process ids)";
  for (unsigned char c : name)
    if (c == '/' || std::isspace(c) || std::iscntrl(c))
      return "must not contain '/', spaces or control characters";
  return {};
}

}  // namespace pmd
