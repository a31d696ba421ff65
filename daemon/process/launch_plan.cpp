// Spec -> SpawnRequest.
#include "process/launch_plan.h"

#include "interpreter.h"

#include "executable_lookup.h"
#include "process/app_credentials.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>

namespace pmd {

Env instance_environment(const AppSpec& spec, const InstanceIdentity& who) {
  Env env = spec.base_env;
  for (const auto& [k, v] : spec.env) env[k] = v;
  env["pm_id"] = std::to_string(who.id);
  env["name"] = spec.name;
  env[spec.instance_var.empty() ? "NODE_APP_INSTANCE" : spec.instance_var] = std::to_string(who.number);
  // increment_var: PORT=3000 becomes 3000, 3001, ... across instances, as in PM2.
  if (!spec.increment_var.empty()) {
    auto it = env.find(spec.increment_var);
    long long base = 0;
    if (it != env.end()) {
      char* end = nullptr;
      base = std::strtoll(it->second.c_str(), &end, 10);
      if (it->second.empty() || *end != '\0') base = 0;
    }
    env[spec.increment_var] = std::to_string(base + who.number);
  }
  env["PMD_APP"] = spec.name;
  env["PMD_INSTANCE"] = std::to_string(who.number);
  return env;
}

bool is_node_app(const AppSpec& spec) { return config::is_node_interpreter(spec.interpreter); }

std::variant<SpawnRequest, std::string> make_spawn_request(const AppSpec& spec, const InstanceIdentity& who,
                                                           const LaunchExtras& extras) {
  SpawnRequest req;
  Env env = instance_environment(spec, who);
  const auto& socket = extras.socket;
  if (socket.fd >= 0) {
    req.pass_fds = {socket.fd};
    if (socket.address.path.empty()) {
      env["PORT"] = std::to_string(socket.address.port);
      env["PMD_PORT"] = std::to_string(socket.address.port);
    } else {
      env["PMD_LISTEN_PATH"] = socket.address.path;
    }
    env["LISTEN_FDNAMES"] = spec.name;
  }
  // Node apps in cluster mode get the preload, with or without a socket yet: without one, it
  // asks pmd for a shared socket when the app calls listen().
  if (is_node_app(spec) && spec.exec_mode == "cluster" && !extras.node_preload.empty()) {
    std::string& options = env["NODE_OPTIONS"];
    options += (options.empty() ? "" : " ") + std::string("--require \"") + extras.node_preload + "\"";
    env["PMD_CLUSTER"] = "1";
    // The preload drains on the app's stop signal, so it must know which one that is.
    env["PMD_KILL_SIGNAL"] = std::to_string(spec.kill_signal);
    env["PMD_KILL_TIMEOUT_MS"] = std::to_string(spec.kill_timeout.count());
  }
  if (extras.ipc_fd >= 0) {
    // Node opens the channel on this fd number: right after the listening sockets.
    req.extra_fds = {extras.ipc_fd};
    env["NODE_CHANNEL_FD"] = std::to_string(3 + req.pass_fds.size());
    env["NODE_CHANNEL_SERIALIZATION_MODE"] = "json";
  }
  if (!extras.notify_socket.empty()) env["NOTIFY_SOCKET"] = extras.notify_socket;
  if (!extras.unit.empty()) env["PMD_UNIT"] = extras.unit;
  auto path = env.find("PATH");
  const std::string path_var = path == env.end() ? config::kDefaultPath : path->second;
  const std::string& program = spec.interpreter.empty() ? spec.script : spec.interpreter;
  auto exe = config::find_executable(program, path_var, spec.cwd);
  if (!exe) {
    return spec.interpreter.empty() ? "cannot execute " + spec.script + ": missing or not executable"
                                    : "interpreter '" + spec.interpreter + "' not found on the app's PATH";
  }
  auto credentials = app_credentials(spec);
  if (auto* error = std::get_if<std::string>(&credentials)) return *error;
  const auto& who_runs = std::get<AppCredentials>(credentials);
  if (!spec.user.empty() || !spec.group.empty()) {
    req.switch_user = ::geteuid() == 0;
    req.uid = who_runs.uid;
    req.gid = who_runs.gid;
    req.groups = who_runs.groups;
  }
  req.executable = exe->string();
  req.argv = spec.argv();
  req.cwd = spec.cwd;
  for (const auto& [k, v] : env) req.envp.push_back(k + "=" + v);
  return req;
}

}  // namespace pmd
