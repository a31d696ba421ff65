// `pmctl start <script> [flags] -- args` turned into a validated AppSpec. The flags become an
// app entry with ecosystem keys and go through the same normalizer as ecosystem files, so
// `--max-memory-restart 300M -i max` means exactly what `max_memory_restart: 300M, instances: max`
// means in a file.
#pragma once

#include "app_spec.h"

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <variant>
#include <vector>

namespace pmd::config {

/// The flags exactly as typed; values stay strings so errors can quote them.
struct StartOptions {
  std::string script;
  std::vector<std::string> args;                          // after `--`
  std::vector<std::string> env_vars;                      // --env-var KEY=VALUE
  std::string env_name;                                   // --env NAME (selects env_NAME in files)
  std::map<std::string, std::string> values;              // ecosystem key -> flag value
  std::map<std::string, std::vector<std::string>> lists;  // ecosystem key -> repeated values
  std::map<std::string, bool> switches;                   // ecosystem key -> boolean
  bool force = false;                                     // --force
  bool strict = false;                                    // --strict: warnings are errors
  bool no_daemon = false;                                 // --no-daemon: run in the foreground (pmd run)
};

/// The environment and directory of the shell that ran pmctl.
struct Starter {
  Env env;
  std::filesystem::path cwd;
};

/// Either a spec ready for the daemon, or a one-sentence error naming what to fix. Warnings
/// (a key pmd does not act on yet, say) are appended to `warnings` when given.
std::variant<AppSpec, std::string> spec_from_start_options(const StartOptions& options, const Starter& starter,
                                                           std::vector<std::string>* warnings = nullptr);

/// True when any flag that changes a spec was given (restart/reload then update the app).
bool changes_spec(const StartOptions& options);

/// `pmctl restart api --max-memory-restart 300M`: `current` with what the flags change, and
/// nothing else. The flags are normalized twice, with and without them, on the app's own script
/// and directory, and every field that differs is taken: so `--time` changes log_date_format and
/// `-i 4` the exec mode, as they do at start. --env-var adds to the app's env. Renaming is refused.
std::variant<AppSpec, std::string> respec(const AppSpec& current, const StartOptions& flags, const Starter& starter,
                                          std::vector<std::string>* warnings = nullptr);

/// Parses "KEY=VALUE" pairs as given to --env-var; returns an error sentence for a malformed one.
std::variant<Env, std::string> parse_env_assignments(const std::vector<std::string>& pairs);

/// The environment of the current process as a map.
Env current_environment();

/// "max_memory_restart" -> "--max-memory-restart", for messages about flags.
std::string flag_for_key(const std::string& key);

}  // namespace pmd::config
