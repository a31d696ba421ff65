// Instance::view: what `list` and `describe` show of an instance, apart from the state machine.
#include "supervise/instance.h"

#include "app_normalizer.h"
#include "json_writer.h"
#include "process/proc_table.h"
#include "signals.h"

namespace pmd {

using nlohmann::json;
using std::chrono::milliseconds;

namespace {

long long unix_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

// The fields of a `list` row, in the order nlohmann sorts keys, for both sinks: a DOM for `describe`
// and `monit`, and a JsonWriter for `list`, which writes the same bytes without building objects.
template <typename Sink>
void Instance::visit_list_row(Sink& put, bool retiring) const {
  const auto& s = app_->spec;
  const bool running = is_running();
  const long long uptime =
      running ? std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started_at_).count() : 0;
  // Where a cluster app serves, also when the port came from the app's own code.
  const ListenAddress& bound = app_->listener.address;
  if (bound.port > 0 || !bound.path.empty())
    put("address", bound.describe());
  else
    put.null("address");
  put("cpu", cpu_percent_);
  put("cpu_seconds", cpu_seconds(cpu_ticks_));
  put("id", who_.id);
  put("instance", who_.number);
  put("memory", memory_bytes_);
  put("memory_limit", s.max_memory_restart);
  put("memory_restarts", memory_restarts_);
  put("mode", s.exec_mode == "cluster" ? "cluster" : "fork");
  put("name", s.name);
  put("namespace", s.namespace_);
  if (running)
    put("pid", tree_.main);
  else
    put.null("pid");
  put("processes", processes_);
  put("restarts", restarts_);
  if (retiring) put("retiring", true);
  put("status", state_name(state()));
  put("unstable_restarts", history_.unstable_restarts);
  put("uptime_ms", uptime);
}

namespace {

struct DomSink {
  json& v;
  template <typename T>
  void operator()(const char* key, const T& value) {
    v[key] = value;
  }
  void null(const char* key) { v[key] = nullptr; }
};

struct WriterSink {
  JsonWriter& out;
  template <typename T>
  void operator()(const char* key, const T& value) {
    out.key(key).value(value);
  }
  void null(const char* key) { out.key(key).null(); }
};

}  // namespace

void Instance::write_list_row(JsonWriter& out, bool retiring) const {
  WriterSink sink{out};
  out.begin_object();
  visit_list_row(sink, retiring);
  out.end_object();
}

json Instance::view(bool detailed) const {
  const auto& s = app_->spec;
  json v = json::object();
  DomSink sink{v};
  visit_list_row(sink, false);
  if (!detailed) return v;
  v["reason"] = status_reason_;
  v["phase"] = lifecycle::phase_name(phase_);
  if (!reload_error_.empty()) v["last_reload_error"] = reload_error_;
  v["readiness"] = {{"awaits", policy::awaited_signal_name(readiness_.signal)},
                    {"rule", readiness_.rule},
                    {"became_ready", ready_how_.empty() ? json(nullptr) : json(ready_how_)}};
  v["server_program"] = s.server_program.empty() ? json(nullptr) : json(s.server_program);
  v["created_at"] = unix_ms(app_->created_at);
  v["started_at"] = started_wall_.time_since_epoch().count() ? json(unix_ms(started_wall_)) : json(nullptr);
  if (last_exit_) {
    const bool known = last_exit_->known;
    v["last_exit"] = {{"code", last_exit_->signaled || !known ? json(nullptr) : json(last_exit_->code)},
                      {"signal", last_exit_->signaled ? json(signal_name(last_exit_->signal)) : json(nullptr)},
                      {"known", known},
                      {"at", unix_ms(last_exit_at_)}};
  } else {
    v["last_exit"] = nullptr;
  }
  if (lines_lost_ > 0) v["lines_lost"] = lines_lost_;
  v["script"] = s.script;
  v["args"] = s.args;
  v["interpreter"] = s.interpreter.empty() ? "none" : s.interpreter;
  v["interpreter_args"] = s.interpreter_args;
  v["exec"] = s.argv();
  v["cwd"] = s.cwd;
  v["cgroup"] = tree_.cgroup.empty() ? json(nullptr) : json(tree_.cgroup);
  v["out_file"] = app_->log.out_path(who_.id);
  v["error_file"] = app_->log.err_path(who_.id);
  if (auto error = app_->log.error(); !error.empty()) v["log_error"] = error;
  v["env"] = s.env;
  // The same normalized view `pmctl config` prints, so both read alike.
  json settings = config::config_view(s);
  for (const char* shown_elsewhere : {"name", "script", "args", "interpreter", "interpreter_args", "cwd", "env"})
    settings.erase(shown_elsewhere);
  v["settings"] = settings;
  json history = json::array();
  for (const auto& t : transitions_)
    history.push_back(
        {{"at", unix_ms(t.at)}, {"from", state_name(t.from)}, {"to", state_name(t.to)}, {"reason", t.reason}});
  v["transitions"] = history;
  return v;
}

}  // namespace pmd
