// Flags -> app entry -> normalizer.
#include "start_options.h"

#include "app_normalizer.h"
#include "cpu_budget.h"

extern char** environ;

namespace pmd::config {

std::variant<Env, std::string> parse_env_assignments(const std::vector<std::string>& pairs) {
  Env env;
  for (const auto& pair : pairs) {
    auto eq = pair.find('=');
    if (eq == std::string::npos || eq == 0) return "bad --env-var '" + pair + "': expected KEY=VALUE";
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

std::string flag_for_key(const std::string& key) {
  std::string flag = "--" + key;
  for (char& c : flag)
    if (c == '_') c = '-';
  return flag;
}

std::variant<AppSpec, std::string> spec_from_start_options(const StartOptions& o, const Starter& starter,
                                                           std::vector<std::string>* warnings) {
  if (o.script.empty()) return std::string("no script given (usage: pmctl start <script|binary> [--name N] [-- args])");
  auto declared = parse_env_assignments(o.env_vars);
  if (auto* err = std::get_if<std::string>(&declared)) return *err;

  auto string_value = [](const std::string& s) {
    Value v;
    v.kind = Value::Kind::kString;
    v.text = s;
    return v;
  };
  Value app;
  app.kind = Value::Kind::kObject;
  app.members.push_back({"script", {}, string_value(o.script)});
  Value args;
  args.kind = Value::Kind::kArray;
  for (const auto& a : o.args) args.items.push_back(string_value(a));
  app.members.push_back({"args", {}, args});
  Value env;
  env.kind = Value::Kind::kObject;
  for (const auto& [k, v] : std::get<Env>(declared)) env.members.push_back({k, {}, string_value(v)});
  app.members.push_back({"env", {}, env});
  for (const auto& [key, text] : o.values) app.members.push_back({key, {}, string_value(text)});
  for (const auto& [key, items] : o.lists) {
    Value list;
    list.kind = Value::Kind::kArray;
    for (const auto& item : items) list.items.push_back(string_value(item));
    app.members.push_back({key, {}, list});
  }
  for (const auto& [key, on] : o.switches) {
    Value b;
    b.kind = Value::Kind::kBool;
    b.boolean = on;
    app.members.push_back({key, {}, b});
  }

  NormalizeContext ctx;
  ctx.base_dir = starter.cwd;
  ctx.starter_env = starter.env;
  ctx.env_name = o.env_name;
  ctx.usable_cpus = usable_cpus();
  ctx.force_instances = o.force;
  Normalized out;
  normalize_app(app, 0, ctx, out);
  if (warnings)
    for (const auto& w : out.warnings)
      warnings->push_back(w.key.empty() ? w.message : flag_for_key(w.key) + ": " + w.message);
  if (!out.errors.empty()) {
    const Diagnostic& d = out.errors.front();
    // Problems with the script itself read best as they are; others name the flag to fix.
    if (d.key == "script" || d.key == "interpreter" || d.key == "cwd" || d.key.empty()) return d.message;
    return "bad " + flag_for_key(d.key) + ": " + d.message;
  }
  return std::move(out.apps.front());
}

bool changes_spec(const StartOptions& o) {
  return !o.values.empty() || !o.lists.empty() || !o.switches.empty() || !o.env_vars.empty();
}

std::variant<AppSpec, std::string> respec(const AppSpec& current, const StartOptions& flags, const Starter& starter,
                                          std::vector<std::string>* warnings) {
  if (auto name = flags.values.find("name"); name != flags.values.end() && name->second != current.name)
    return "--name cannot rename the running app '" + current.name + "': delete it and start it under the new name";
  StartOptions plain;
  plain.script = current.script;
  plain.values["name"] = current.name;
  plain.values["interpreter"] = current.interpreter.empty() ? "none" : current.interpreter;
  plain.values["cwd"] = current.cwd;
  plain.force = true;  // the bound was checked when the app started; -i is checked below
  StartOptions changed = flags;
  changed.script = plain.script;
  for (const auto& [key, value] : plain.values) changed.values.emplace(key, value);
  changed.force = flags.force;
  const Starter at_app{starter.env, current.cwd};
  auto before = spec_from_start_options(plain, at_app);
  if (auto* error = std::get_if<std::string>(&before)) return *error;
  auto after = spec_from_start_options(changed, at_app, warnings);
  if (auto* error = std::get_if<std::string>(&after)) return *error;

  const nlohmann::json was = to_json(std::get<AppSpec>(before));
  const nlohmann::json now = to_json(std::get<AppSpec>(after));
  nlohmann::json updated = to_json(current);
  for (const auto& [key, value] : now.items()) {
    if (was.contains(key) && was[key] == value) continue;
    if (key == "env") {
      for (const auto& [k, v] : value.items()) updated["env"][k] = v;
    } else {
      updated[key] = value;
    }
  }
  return app_spec_from_json(updated);
}

}  // namespace pmd::config
