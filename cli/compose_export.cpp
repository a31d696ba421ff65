// export_compose: one service per app.
#include "compose_export.h"

#include "export_rules.h"
#include "signals.h"

#include <cctype>
#include <set>

namespace pmd::cli {

using nlohmann::json;

namespace {

// Compose interpolates ${VAR} and $VAR in every value: a literal '$' is written "$$".
std::string literal(const std::string& value) {
  std::string out;
  for (char c : value) out += c == '$' ? std::string("$$") : std::string(1, c);
  return out;
}

json literal_words(const std::vector<std::string>& words) {
  json out = json::array();
  for (const auto& w : words) out.push_back(literal(w));
  return out;
}

json service_of(const AppSpec& app, const ComposeExportRequest& request, std::vector<std::string>& notes) {
  const bool through_pmd = uses_ipc_channel(app);
  json s = {
      {"image", request.image.empty() ? default_image(app) : request.image},
      {"entrypoint",
       literal_words(through_pmd ? pmd_run_argv(app, "pmd", request.ecosystem_file, request.env_name) : app.argv())},
      {"restart", app.autorestart ? "unless-stopped" : "no"},
      {"stop_signal", signal_name(app.kill_signal)},
      {"stop_grace_period", std::to_string(app.kill_timeout.count() + (through_pmd ? 5000 : 0)) + "ms"}};
  if (!app.cwd.empty()) s["working_dir"] = literal(app.cwd);
  json env = json::object();
  for (const auto& [key, value] : app.env) env[key] = literal(value);
  const int port = served_port(app);
  if (port > 0 && !app.env.count("PORT") && !through_pmd) env["PORT"] = std::to_string(port);
  if (!env.empty()) s["environment"] = env;
  if (!app.user.empty()) s["user"] = app.user;
  const int replicas = through_pmd ? 1 : std::max(1, app.instances);
  json deploy = {{"replicas", replicas}};
  if (app.max_memory_restart > 0) {
    deploy["resources"] = {
        {"limits", {{"memory", std::to_string(app.max_memory_restart + app.max_memory_restart / 4)}}}};
    notes.push_back(app.name + ": max_memory_restart becomes a memory limit a quarter higher: the kernel kills " +
                    "the container there, where pmd restarts gracefully at the figure itself");
  }
  s["deploy"] = deploy;
  if (port > 0) {
    if (replicas == 1) {
      s["ports"] = json::array({std::to_string(port) + ":" + std::to_string(port)});
    } else {
      s["expose"] = json::array({std::to_string(port)});
      notes.push_back(app.name + ": " + std::to_string(replicas) + " replicas cannot share host port " +
                      std::to_string(port) + " (pmd's cluster mode did that): it is exposed to the other services; " +
                      "publish it through a proxy service");
    }
  }
  if (through_pmd)
    notes.push_back(app.name + ": runs under `pmd run` (process.send needs a parent); the image needs pmd and " +
                    request.ecosystem_file);
  if (!app.cron_restart.empty()) notes.push_back(app.name + ": cron_restart is not exported (Compose has no schedule)");
  if (!app.watch.empty()) notes.push_back(app.name + ": watch is not exported (compose watch is configured apart)");
  if (app.max_restarts > 0 && app.autorestart && app.max_restarts != 16)
    notes.push_back(app.name + ": max_restarts is not exported (restart: on-failure:N counts differently)");
  return s;
}

}  // namespace

std::string compose_name(const std::string& app_name) {
  std::string out;
  for (unsigned char c : app_name) {
    const bool keep = c < 0x80 && (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.');
    out += keep ? static_cast<char>(std::tolower(c)) : '-';
  }
  while (!out.empty() && !std::isalnum(static_cast<unsigned char>(out.front()))) out.erase(0, 1);
  return out.empty() ? "app" : out;
}

ComposeExport export_compose(const std::vector<AppSpec>& apps, const ComposeExportRequest& request) {
  ComposeExport out;
  out.document = {{"services", json::object()}};
  std::set<std::string> taken;
  for (const auto& app : apps) {
    std::string name = compose_name(app.name);
    for (int n = 2; !taken.insert(name).second; ++n) name = compose_name(app.name) + "-" + std::to_string(n);
    if (name != app.name) out.notes.push_back(app.name + ": service " + name + " (Compose names are lower case)");
    out.document["services"][name] = service_of(app, request, out.notes);
  }
  return out;
}

}  // namespace pmd::cli
