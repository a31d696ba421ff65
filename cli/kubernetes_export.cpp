// export_kubernetes: one function per object kind, the container shared by all of them.
#include "kubernetes_export.h"

#include "export_rules.h"
#include "signals.h"

#include <signal.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>

namespace pmd::cli {

using nlohmann::json;

namespace {

json labels_of(const std::string& name) {
  return {{"app.kubernetes.io/name", name}, {"app.kubernetes.io/managed-by", "pmctl-export"}};
}

json metadata_of(const AppSpec& app, const std::string& name) {
  json m = {{"name", name}, {"labels", labels_of(name)}};
  if (app.namespace_ != "default") m["namespace"] = kubernetes_name(app.namespace_);
  return m;
}

// What runs: the app's own command, or pmd with the app's file.
std::vector<std::string> command_of(const AppSpec& app, const KubernetesExportRequest& request) {
  return uses_ipc_channel(app) ? pmd_run_argv(app, "pmd", request.ecosystem_file, request.env_name) : app.argv();
}

int grace_seconds(const AppSpec& app) {
  return static_cast<int>((app.kill_timeout.count() + 999) / 1000) + (uses_ipc_channel(app) ? 5 : 0);
}

json container_of(const AppSpec& app, const std::string& name, const KubernetesExportRequest& request,
                  bool long_running, std::vector<std::string>& notes) {
  json c = {{"name", name},
            {"image", request.image.empty() ? default_image(app) : request.image},
            {"command", command_of(app, request)}};
  if (!app.cwd.empty()) c["workingDir"] = app.cwd;
  json env = json::array();
  for (const auto& [key, value] : app.env) env.push_back({{"name", key}, {"value", value}});
  const int port = served_port(app);
  if (port > 0 && !app.env.count("PORT") && !uses_ipc_channel(app))
    env.push_back({{"name", "PORT"}, {"value", std::to_string(port)}});  // as pmd tells the app
  if (!env.empty()) c["env"] = env;
  if (app.max_memory_restart > 0) {
    c["resources"] = {{"requests", {{"memory", memory_quantity(app.max_memory_restart)}}},
                      {"limits", {{"memory", memory_quantity(app.max_memory_restart + app.max_memory_restart / 4)}}}};
    notes.push_back(app.name + ": max_memory_restart " + memory_quantity(app.max_memory_restart) +
                    " is the memory request; the limit is a quarter more, since the kernel kills a container at its "
                    "limit where pmd restarts gracefully at the figure itself");
  }
  if (!long_running) return c;
  if (port > 0) {
    c["ports"] = json::array({{{"containerPort", port}, {"protocol", "TCP"}}});
    // Ready once it accepts connections: what pmd's readiness (listen, READY=1, 'ready') leads to.
    c["readinessProbe"] = {{"tcpSocket", {{"port", port}}}, {"periodSeconds", 2}, {"failureThreshold", 3}};
  }
  if (app.kill_signal != SIGTERM && !uses_ipc_channel(app)) {
    // Kubernetes sends SIGTERM; the app expects its own signal, then gets the grace period.
    const std::string sig = signal_name(app.kill_signal).substr(3);
    c["lifecycle"] = {
        {"preStop",
         {{"exec",
           {{"command", {"/bin/sh", "-c", "kill -" + sig + " 1; while kill -0 1 2>/dev/null; do sleep 0.2; done"}}}}}}};
    notes.push_back(app.name + ": kill_signal " + signal_name(app.kill_signal) +
                    " is sent by a preStop hook (needs /bin/sh in the image; or set STOPSIGNAL in its Dockerfile)");
  }
  return c;
}

json deployment(const AppSpec& app, const std::string& name, const KubernetesExportRequest& request,
                std::vector<std::string>& notes) {
  const int replicas = uses_ipc_channel(app) ? 1 : std::max(1, app.instances);
  json pod = {{"terminationGracePeriodSeconds", grace_seconds(app)},
              {"containers", json::array({container_of(app, name, request, true, notes)})}};
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata", metadata_of(app, name)},
          {"spec",
           {{"replicas", replicas},
            {"selector", {{"matchLabels", {{"app.kubernetes.io/name", name}}}}},
            {"template", {{"metadata", {{"labels", labels_of(name)}}}, {"spec", pod}}}}}};
}

json service(const AppSpec& app, const std::string& name) {
  const int port = served_port(app);
  return {{"apiVersion", "v1"},
          {"kind", "Service"},
          {"metadata", metadata_of(app, name)},
          {"spec",
           {{"selector", {{"app.kubernetes.io/name", name}}},
            {"ports", json::array({{{"name", "main"}, {"port", port}, {"targetPort", port}, {"protocol", "TCP"}}})}}}};
}

// A schedule Kubernetes reads: 5 fields. A 6-field expression (seconds first) loses its seconds.
std::string schedule_of(const AppSpec& app, std::vector<std::string>& notes) {
  std::istringstream in(app.cron_restart);
  std::vector<std::string> fields;
  for (std::string f; in >> f;) fields.push_back(f);
  if (fields.size() != 6) return app.cron_restart;
  notes.push_back(app.name + ": cron_restart \"" + app.cron_restart +
                  "\" has seconds, which a CronJob's schedule has not: it runs at the minute");
  std::string out;
  for (std::size_t i = 1; i < fields.size(); ++i) out += (i > 1 ? " " : "") + fields[i];
  return out;
}

json cron_job(const AppSpec& app, const std::string& name, const KubernetesExportRequest& request,
              std::vector<std::string>& notes) {
  json pod = {{"restartPolicy", "Never"},
              {"terminationGracePeriodSeconds", grace_seconds(app)},
              {"containers", json::array({container_of(app, name, request, false, notes)})}};
  return {{"apiVersion", "batch/v1"},
          {"kind", "CronJob"},
          {"metadata", metadata_of(app, name)},
          {"spec",
           {{"schedule", schedule_of(app, notes)},
            {"concurrencyPolicy", "Forbid"},
            {"jobTemplate",
             {{"spec",
               {{"backoffLimit", 0}, {"template", {{"metadata", {{"labels", labels_of(name)}}}, {"spec", pod}}}}}}}}}};
}

void note_unexported(const AppSpec& app, const std::string& name, std::vector<std::string>& notes) {
  if (uses_ipc_channel(app))
    notes.push_back(app.name + ": runs under `pmd run` (it talks to pmd over its IPC channel with process.send), " +
                    "one replica running its " + std::to_string(app.instances) +
                    " instance(s); the image needs pmd and the app's file at " + app.cwd);
  if (app.name != name) notes.push_back(app.name + ": named " + name + " (Kubernetes names are lower case)");
  if (!app.cron_restart.empty() && app.autorestart)
    notes.push_back(app.name + ": cron_restart of a long-running app is not exported (a CronJob running " +
                    "`kubectl rollout restart deployment/" + name + "` does it)");
  if (!app.watch.empty()) notes.push_back(app.name + ": watch is not exported (a new image is a new rollout)");
  if (app.exec_mode == "cluster" && served_port(app) == 0 && !uses_ipc_channel(app))
    notes.push_back(app.name + ": cluster mode without a TCP port: no Service (it listens on " +
                    (app.listen.empty() ? std::string("nothing pmd knows") : app.listen) + ")");
  if (!app.user.empty() && !std::all_of(app.user.begin(), app.user.end(), ::isdigit))
    notes.push_back(app.name + ": user " + app.user + " is the image's business (USER in its Dockerfile)");
  if (!app.out_file.empty() || !app.error_file.empty() || !app.log_file.empty())
    notes.push_back(app.name + ": log files are not exported: Kubernetes keeps what a container prints");
  if (app.instances > 1 && app.instance_var != "NODE_APP_INSTANCE" && !uses_ipc_channel(app))
    notes.push_back(app.name + ": " + app.instance_var +
                    " (the instance number) has no per-replica value in a Deployment");
}

}  // namespace

std::string kubernetes_name(const std::string& app_name) {
  std::string out;
  for (unsigned char c : app_name) {
    const bool keep = std::isalnum(c) != 0 && c < 0x80;
    const char next = keep ? static_cast<char>(std::tolower(c)) : '-';
    if (next == '-' && (out.empty() || out.back() == '-')) continue;
    out += next;
  }
  if (out.size() > 63) out.resize(63);
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "app" : out;
}

std::string memory_quantity(std::uint64_t bytes) {
  constexpr std::uint64_t kMi = 1024 * 1024, kGi = kMi * 1024;
  if (bytes % kGi == 0) return std::to_string(bytes / kGi) + "Gi";
  if (bytes % kMi == 0) return std::to_string(bytes / kMi) + "Mi";
  return std::to_string(bytes);
}

KubernetesExport export_kubernetes(const std::vector<AppSpec>& apps, const KubernetesExportRequest& request) {
  KubernetesExport out;
  std::set<std::string> taken;
  for (const auto& app : apps) {
    std::string name = kubernetes_name(app.name);
    for (int n = 2; !taken.insert(name).second; ++n)
      name = kubernetes_name(app.name).substr(0, 58) + "-" + std::to_string(n);
    if (!app.cron_restart.empty() && !app.autorestart) {
      out.manifests.push_back(cron_job(app, name, request, out.notes));
    } else {
      out.manifests.push_back(deployment(app, name, request, out.notes));
      if (served_port(app) > 0) out.manifests.push_back(service(app, name));
    }
    note_unexported(app, name, out.notes);
  }
  return out;
}

}  // namespace pmd::cli
