// The commands that read ecosystem files: `start <file>` (PM2's startOrReload), `config <file>`
// (validate and show what would run), and the verbs applied to a file's apps.
#pragma once

#include "app_normalizer.h"
#include "session.h"

#include <optional>

#include <string>
#include <vector>

namespace pmd::cli {

struct FileOptions {
  std::string file;
  std::string env_name;           // --env
  std::vector<std::string> only;  // --only a,b
  bool update_env = false;
  bool force = false;   // --force: more instances than instances_without_force()
  bool strict = false;  // --strict: warnings are errors (for CI)
};

/// True when `arg` names an existing ecosystem file (PM2's naming rule), or is "-" (JSON on stdin).
bool is_ecosystem_argument(const std::string& arg);

/// start (force=false) or restart/reload (force=true) every app of the file.
/// `mode`: "" (start: new apps start, changed ones reload), "restart" or "reload" (every app).
int apply_file(Session& session, const FileOptions& options, const std::string& mode, bool then_list = true);

/// Loads and normalizes the file (--strict applied); prints warnings and errors, nullopt on errors.
std::optional<config::Normalized> load_file(const FileOptions& options);

/// Sends `specs` to the daemon's `apply` (mode as above) and prints what became of each app.
int apply_specs(Session& session, const nlohmann::json& specs, const std::string& mode, bool update_env);

/// stop / delete the apps the file declares.
int verb_on_file(Session& session, const FileOptions& options, const std::string& method, const char* past_tense);

/// `pmctl config <file>`: prints the normalized apps, starts nothing.
int show_config(const FileOptions& options, bool as_json);

}  // namespace pmd::cli
