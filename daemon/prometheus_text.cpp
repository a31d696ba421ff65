// Prometheus text rendering.
#include "prometheus_text.h"

#include "supervise/instance.h"

#include <cmath>
#include <cstdio>
#include <sstream>
#include <vector>

namespace pmd {

using nlohmann::json;

std::string escape_label_value(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

namespace {

// Shortest text that reads back as the same double; integers stay integers.
std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[40];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.6g", v);
  }
  return buf;
}

struct Family {
  const char* name;
  const char* type;
  const char* help;
};

class Writer {
 public:
  void family(const Family& f) {
    out_ << "# HELP " << f.name << " " << f.help << "\n# TYPE " << f.name << " " << f.type << "\n";
  }
  void sample(const char* name, const std::string& labels, double value) {
    out_ << name;
    if (!labels.empty()) out_ << "{" << labels << "}";
    out_ << " " << number(value) << "\n";
  }
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
};

// What tells instances apart across a fleet: the host is Prometheus's own `instance` label.
std::string instance_labels(const json& p) {
  return "app=\"" + escape_label_value(p.value("name", "")) + "\",id=\"" + std::to_string(p.value("id", 0)) +
         "\",namespace=\"" + escape_label_value(p.value("namespace", "default")) + "\"";
}

}  // namespace

std::string prometheus_text(const json& snapshot) {
  Writer w;
  const json daemon = snapshot.value("daemon", json::object());
  // Instances still draining after a reload share their slot's id: their replacement speaks for it.
  json processes = json::array();
  for (const auto& p : snapshot.value("processes", json::array()))
    if (!p.value("retiring", false)) processes.push_back(p);

  w.family({"pmd_build_info", "gauge", "Always 1; the pmd version is in the label."});
  w.sample("pmd_build_info", "version=\"" + escape_label_value(daemon.value("version", "")) + "\"", 1);
  w.family({"pmd_daemon_memory_bytes", "gauge", "Resident memory of the pmd daemon."});
  w.sample("pmd_daemon_memory_bytes", "", daemon.value("memory", 0.0));
  w.family({"pmd_daemon_cpu_seconds_total", "counter", "CPU time used by the pmd daemon."});
  w.sample("pmd_daemon_cpu_seconds_total", "", daemon.value("cpu_seconds", 0.0));
  w.family({"pmd_daemon_uptime_seconds", "gauge", "Seconds since the pmd daemon started."});
  w.sample("pmd_daemon_uptime_seconds", "", daemon.value("uptime_ms", 0.0) / 1000.0);
  w.family({"pmd_sample_interval_seconds", "gauge", "How often pmd samples CPU and memory and checks memory limits."});
  w.sample("pmd_sample_interval_seconds", "", snapshot.value("interval_ms", 0.0) / 1000.0);
  w.family({"pmd_instances", "gauge", "Number of instances pmd supervises."});
  w.sample("pmd_instances", "", static_cast<double>(processes.size()));

  // One family at a time, every instance under it, as the format requires. Each figure is a
  // field of the instance's `list` row, scaled to the unit its name says.
  struct PerInstance {
    Family family;
    const char* field;
    double scale;
  };
  const PerInstance per_instance[] = {
      {{"pmd_instance_cpu_percent", "gauge", "CPU use of the instance's process tree, in percent of one CPU."},
       "cpu",
       1},
      {{"pmd_instance_cpu_seconds_total", "counter", "CPU time of the instance's live processes."}, "cpu_seconds", 1},
      {{"pmd_instance_memory_bytes", "gauge", "Resident memory of the instance's process tree."}, "memory", 1},
      {{"pmd_instance_memory_limit_bytes", "gauge", "The instance's max_memory_restart (0: no limit)."},
       "memory_limit",
       1},
      {{"pmd_instance_processes", "gauge", "Processes in the instance's tree (0 when not running)."}, "processes", 1},
      {{"pmd_instance_restarts_total", "counter", "Restarts of the instance, for any reason."}, "restarts", 1},
      {{"pmd_instance_memory_restarts_total", "counter", "Restarts of the instance for passing max_memory_restart."},
       "memory_restarts",
       1},
      {{"pmd_instance_uptime_seconds", "gauge",
        "Seconds since the instance's current process started (0 when not running)."},
       "uptime_ms",
       0.001},
  };
  for (const auto& metric : per_instance) {
    w.family(metric.family);
    for (const auto& p : processes)
      w.sample(metric.family.name, instance_labels(p), p.value(metric.field, 0.0) * metric.scale);
  }
  w.family({"pmd_instance_status", "gauge", "1 for the instance's current status, 0 for the others."});
  for (const auto& p : processes)
    for (InstanceState state : kAllInstanceStates) {
      const std::string status = state_name(state);
      w.sample("pmd_instance_status", instance_labels(p) + ",status=\"" + status + "\"",
               p.value("status", "") == status ? 1 : 0);
    }
  return w.text();
}

}  // namespace pmd
