// AppSpec <-> JSON, with validation of everything that arrives from outside.
#include "app_spec.h"

#include "app_spec_fields.h"
#include "cron_expression.h"
#include "signals.h"

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
std::optional<long long> bounded_integer(const json& j, const char* key, long long min, long long max,
                                         const std::string& bound) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer()) bad(key, std::string("must be a whole number, not ") + it->type_name());
  const bool in_range = it->is_number_unsigned() ? it->get<std::uint64_t>() <= static_cast<std::uint64_t>(max) &&
                                                       static_cast<long long>(it->get<std::uint64_t>()) >= min
                                                 : it->get<std::int64_t>() >= min && it->get<std::int64_t>() <= max;
  if (!in_range) bad(key, bound);
  return it->get<std::int64_t>();
}

}  // namespace

const std::vector<SpecField>& app_spec_fields() {
  using S = AppSpec;
  const long long day_ms = units::kMaxDuration.count();
  static const std::vector<SpecField> fields = {
      {"name", &S::name},
      {"script", &S::script},
      {"args", &S::args},
      {"interpreter", &S::interpreter, FieldView::kNoneIfEmpty},
      {"interpreter_args", &S::interpreter_args},
      {"cwd", &S::cwd},
      {"base_env", &S::base_env, FieldView::kHidden},
      {"env", &S::env},
      {"instances", &S::instances, FieldView::kAsIs, 1, kMaxInstances},
      {"exec_mode", &S::exec_mode},
      {"max_memory_restart", &S::max_memory_restart, FieldView::kNullIfEmpty},
      {"autorestart", &S::autorestart},
      {"max_restarts", &S::max_restarts, FieldView::kAsIs, 0, 1'000'000},
      {"min_uptime", &S::min_uptime, FieldView::kAsIs, 0, day_ms},
      {"restart_delay", &S::restart_delay, FieldView::kAsIs, 0, day_ms},
      {"exp_backoff_restart_delay", &S::exp_backoff_restart_delay, FieldView::kNullIfEmpty, 0, day_ms},
      {"stop_exit_codes", &S::stop_exit_codes},
      {"kill_timeout", &S::kill_timeout, FieldView::kAsIs, 0, day_ms},
      {"kill_signal", &S::kill_signal, FieldView::kSignalName, 1, 64},
      {"listen_timeout", &S::listen_timeout, FieldView::kAsIs, 0, day_ms},
      {"wait_ready", &S::wait_ready},
      {"ready_on", &S::ready_on, FieldView::kNullIfEmpty},
      {"server_program", &S::server_program, FieldView::kNullIfEmpty},
      {"shutdown_with_message", &S::shutdown_with_message},
      {"out_file", &S::out_file, FieldView::kNullIfEmpty},
      {"error_file", &S::error_file, FieldView::kNullIfEmpty},
      {"log_file", &S::log_file, FieldView::kNullIfEmpty},
      {"log_type", &S::log_type, FieldView::kRawIfEmpty},
      {"log_max_size", &S::log_max_size, FieldView::kNullIfEmpty},
      {"log_retain", &S::log_retain, FieldView::kAsIs, 0, 1000},
      {"merge_logs", &S::merge_logs},
      {"log_date_format", &S::log_date_format, FieldView::kNullIfEmpty},
      {"increment_var", &S::increment_var, FieldView::kNullIfEmpty},
      {"instance_var", &S::instance_var},
      {"namespace", &S::namespace_},
      {"user", &S::user, FieldView::kNullIfEmpty},
      {"group", &S::group, FieldView::kNullIfEmpty},
      {"port", &S::port, FieldView::kNullIfEmpty, 0, 65535},
      {"listen", &S::listen, FieldView::kNullIfEmpty},
      {"balance", &S::balance},
      {"watch", &S::watch},
      {"ignore_watch", &S::ignore_watch},
      {"watch_delay", &S::watch_delay, FieldView::kAsIs, 0, day_ms},
      {"watch_follow_symlinks", &S::watch_follow_symlinks},
      {"cron_restart", &S::cron_restart, FieldView::kNullIfEmpty},
      {"pid_file", &S::pid_file, FieldView::kNullIfEmpty},
      {"autostart", &S::autostart},
  };
  return fields;
}

namespace {

json wire_value(const AppSpec& s, const SpecField::Member& member) {
  return std::visit(
      [&](auto m) -> json {
        const auto& v = s.*m;
        if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::chrono::milliseconds>)
          return v.count();
        else
          return v;
      },
      member);
}

bool is_empty(const json& v) { return v.is_null() || v == "" || v == 0; }

}  // namespace

json to_json(const AppSpec& s) {
  json j = json::object();
  for (const auto& f : app_spec_fields()) j[f.key] = wire_value(s, f.member);
  return j;
}

json spec_view(const AppSpec& s) {
  json j = json::object();
  for (const auto& f : app_spec_fields()) {
    json v = wire_value(s, f.member);
    switch (f.view) {
      case FieldView::kAsIs: break;
      case FieldView::kHidden: continue;
      case FieldView::kNullIfEmpty:
        if (is_empty(v)) v = nullptr;
        break;
      case FieldView::kNoneIfEmpty:
        if (v == "") v = "none";
        break;
      case FieldView::kRawIfEmpty:
        if (v == "") v = "raw";
        break;
      case FieldView::kSignalName: v = signal_name(v.get<int>()); break;
    }
    j[f.key] = std::move(v);
  }
  return j;
}

AppSpec app_spec_from_json(const json& j) {
  if (!j.is_object()) throw rpc::Error(rpc::kInvalidParams, "invalid app spec: expected an object");
  AppSpec s;
  for (const auto& f : app_spec_fields()) {
    std::visit(
        [&](auto m) {
          using T = std::decay_t<decltype(s.*m)>;
          if constexpr (std::is_same_v<T, int>) {
            if (auto n = bounded_integer(j, f.key, f.min, f.max,
                                         "must be between " + std::to_string(f.min) + " and " + std::to_string(f.max)))
              s.*m = static_cast<int>(*n);
          } else if constexpr (std::is_same_v<T, std::chrono::milliseconds>) {
            if (auto ms =
                    bounded_integer(j, f.key, f.min, f.max, "must be 0 to 30 days (" + std::to_string(f.max) + " ms)"))
              s.*m = std::chrono::milliseconds(*ms);
          } else {
            read(j, f.key, s.*m);
          }
        },
        f.member);
  }

  if (auto why = check_app_name(s.name); !why.empty()) bad("name", why);
  if (s.script.empty() || s.script.front() != '/') bad("script", "must be an absolute path");
  if (s.cwd.empty() || s.cwd.front() != '/') bad("cwd", "must be an absolute path");
  if (s.exec_mode != "fork" && s.exec_mode != "cluster") bad("exec_mode", "must be \"fork\" or \"cluster\"");
  if (!s.log_type.empty() && s.log_type != "json") bad("log_type", "must be \"json\" or empty");
  if (!s.cron_restart.empty())
    if (auto parsed = parse_cron(s.cron_restart); std::holds_alternative<std::string>(parsed))
      bad("cron_restart", std::get<std::string>(parsed));
  for (const auto& path : s.watch)
    if (path.empty() || path.front() != '/') bad("watch", "paths must be absolute");
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
    if (c == '/' || std::isspace(c) || std::iscntrl(c)) return "must not contain '/', spaces or control characters";
  return {};
}

}  // namespace pmd
