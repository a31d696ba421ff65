// Ecosystem file commands.
#include "ecosystem_commands.h"
#include "bounded_json.h"

#include "ecosystem_file.h"
#include "start_options.h"

#include <filesystem>
#include <iostream>

namespace pmd::cli {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

config::Normalized load(const FileOptions& o) {
  config::LoadOptions lo;
  lo.env_name = o.env_name;
  lo.only = o.only;
  lo.starter_env = config::current_environment();
  lo.force_instances = o.force;
  if (o.file != "-") return config::load_ecosystem(o.file, lo);
  // `pmctl start -`: an ecosystem file in JSON on stdin.
  return config::load_ecosystem_json(std::cin, "<stdin>", fs::current_path(), lo);
}

// --strict (for CI): every warning becomes an error.
void make_strict(config::Normalized& n) {
  for (auto& w : n.warnings) {
    w.kind = "strict";
    n.errors.push_back(w);
  }
  n.warnings.clear();
}

// Prints warnings; prints errors and returns false when there are any.
bool report(const config::Normalized& n) {
  for (const auto& w : n.warnings) print_warning(w.format());
  for (const auto& e : n.errors) print_error(e.format());
  if (!n.errors.empty())
    std::fprintf(stderr, "pmctl: %zu error%s in %s; nothing was started\n", n.errors.size(),
                 n.errors.size() == 1 ? "" : "s", n.errors.front().file.c_str());
  return n.errors.empty();
}

}  // namespace

bool is_ecosystem_argument(const std::string& arg) {
  if (arg == "-") return true;  // JSON on stdin
  std::error_code ec;
  return config::ecosystem_format(arg) != config::EcosystemFormat::kNone && fs::is_regular_file(arg, ec);
}

int apply_specs(Session& session, const json& specs, const std::string& mode, bool update_env) {
  json results;
  json params{{"specs", specs}, {"update_env", update_env}};
  if (!mode.empty()) params["mode"] = mode;
  session.print_progress(true);
  if (int rc = session.call("apply", params, results); rc != kExitOk) return rc;
  for (const auto& r : results) {
    std::cout << r.value("action", "") << " " << r.value("name", "");
    std::size_t count = r.value("instances", json::array()).size();
    if (count > 1) std::cout << " (" << count << " instances)";
    std::cout << "\n";
  }
  return kExitOk;
}

std::optional<config::Normalized> load_file(const FileOptions& o) {
  auto n = load(o);
  if (o.strict) make_strict(n);
  if (!report(n)) return std::nullopt;
  return n;
}

int apply_file(Session& session, const FileOptions& o, const std::string& mode, bool then_list) {
  auto n = load_file(o);
  if (!n) return kExitFailed;
  json specs = json::array();
  for (const auto& spec : n->apps) specs.push_back(to_json(spec));
  if (int rc = apply_specs(session, specs, mode, o.update_env); rc != kExitOk) return rc;
  return then_list ? show_list(session, false) : kExitOk;
}

int verb_on_file(Session& session, const FileOptions& o, const std::string& method, const char* past_tense) {
  auto n = load(o);
  // Stopping or deleting needs only the names: a broken script path must not keep an app running.
  std::vector<std::string> names;
  for (const auto& spec : n.apps) names.push_back(spec.name);
  for (const auto& e : n.errors)
    if (!e.app_name.empty() && std::find(names.begin(), names.end(), e.app_name) == names.end())
      names.push_back(e.app_name);
  if (names.empty()) {
    report(n);
    return kExitFailed;
  }
  for (const auto& name : names) {
    json result;
    if (int rc = session.call(method, json{{"target", name}}, result); rc != kExitOk) return rc;
    std::cout << past_tense << " " << name << "\n";
  }
  return show_list(session, false);
}

int show_config(const FileOptions& o, bool as_json) {
  auto n = load(o);
  if (o.strict) make_strict(n);
  if (as_json) {
    json out;
    if (!n.errors.empty()) {
      out["errors"] = json::array();
      for (const auto& e : n.errors) out["errors"].push_back(e.to_json());
    } else {
      out["apps"] = json::array();
      for (const auto& spec : n.apps) out["apps"].push_back(config::config_view(spec));
    }
    out["warnings"] = json::array();
    for (const auto& w : n.warnings) out["warnings"].push_back(w.to_json());
    std::cout << json_text(out, 2) << "\n";
    return n.errors.empty() ? kExitOk : kExitFailed;
  }
  if (!report(n)) return kExitFailed;
  for (const auto& spec : n.apps) {
    json view = config::config_view(spec);
    std::cout << spec.name << ":\n";
    for (const auto& [key, value] : view.items()) {
      if (key == "name" || value.is_null() || (value.is_array() && value.empty()) ||
          (value.is_object() && value.empty()))
        continue;
      std::cout << "  " << key << ": " << (value.is_string() ? value.get<std::string>() : json_text(value)) << "\n";
    }
  }
  std::cout << n.apps.size() << " app" << (n.apps.size() == 1 ? "" : "s") << ", valid\n";
  return kExitOk;
}

}  // namespace pmd::cli
