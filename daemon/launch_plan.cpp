// Spec -> SpawnRequest.
#include "launch_plan.h"

#include "executable_lookup.h"

namespace pmd {

Env instance_environment(const AppSpec& spec, const InstanceIdentity& who) {
  Env env = spec.base_env;
  for (const auto& [k, v] : spec.env) env[k] = v;
  env["pm_id"] = std::to_string(who.id);
  env["name"] = spec.name;
  env["NODE_APP_INSTANCE"] = std::to_string(who.number);
  env["PMD_APP"] = spec.name;
  env["PMD_INSTANCE"] = std::to_string(who.number);
  return env;
}

std::variant<SpawnRequest, std::string> make_spawn_request(const AppSpec& spec, const InstanceIdentity& who) {
  SpawnRequest req;
  Env env = instance_environment(spec, who);
  auto path = env.find("PATH");
  const std::string path_var = path == env.end() ? config::kDefaultPath : path->second;
  const std::string& program = spec.interpreter.empty() ? spec.script : spec.interpreter;
  auto exe = config::find_executable(program, path_var, spec.cwd);
  if (!exe) {
    return spec.interpreter.empty() ? "cannot execute " + spec.script + ": missing or not executable"
                                    : "interpreter '" + spec.interpreter + "' not found on the app's PATH";
  }
  req.executable = exe->string();
  req.argv = spec.argv();
  req.cwd = spec.cwd;
  for (const auto& [k, v] : env) req.envp.push_back(k + "=" + v);
  return req;
}

}  // namespace pmd
