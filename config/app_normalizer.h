// From one app as users write it (an ecosystem entry, or `pmctl start` flags, which become the
// same kind of entry) to a validated AppSpec. PM2's keys, aliases, defaults and coercions live
// here, in one table; every mistake becomes a Diagnostic naming the key and what is accepted.
#pragma once

#include "app_spec.h"
#include "document.h"

#include <filesystem>
#include <string>
#include <vector>

namespace pmd::config {

struct NormalizeContext {
  std::string file;                // shown in diagnostics; "" for command-line flags
  std::filesystem::path base_dir;  // relative cwd and script paths resolve against it
  Env starter_env;                 // the environment of the shell running pmctl
  std::string env_name;            // --env NAME: merge env_NAME over env
  int usable_cpus = 1;             // what `instances: max` means here
  bool force_instances = false;    // --force: more instances than instances_without_force()
  std::string source_text;         // the file's text, to find keys when positions are unknown (JS)
  Env deploy_env;                  // deploy.<NAME>.env of the file, for --env NAME (set by normalize_document)
};

struct Normalized {
  std::vector<AppSpec> apps;
  std::vector<Diagnostic> errors;
  std::vector<Diagnostic> warnings;
};

/// Normalizes one app object; appends the spec (when valid) and any diagnostics to `out`.
void normalize_app(const Value& app, int index, const NormalizeContext& context, Normalized& out);

/// The apps of a whole document: {apps: [...]} (or PM2's {pm2: [...]}), a list of apps, or one
/// app object. With --env NAME, deploy.NAME.env applies to every app, under its env_NAME. `only`
/// (names) restricts which apps are returned; an unknown name in it is an error.
Normalized normalize_document(const Value& root, const NormalizeContext& context, const std::vector<std::string>& only);

/// Every key (canonical names) the normalizer understands, for `did you mean` suggestions.
const std::vector<std::string>& known_app_keys();
/// The keys that set something (canonical names, no aliases).
std::vector<std::string> acted_on_app_keys();
/// PM2's keys pmd accepts with a warning and does not act on.
const std::vector<std::string>& ignored_app_keys();

/// The JSON `pmctl config --json` prints for one app: PM2's key names, sizes in bytes,
/// durations in ms, null where unset.
nlohmann::json config_view(const AppSpec& spec);

}  // namespace pmd::config
