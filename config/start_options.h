// `pmctl start <script> [flags] -- args` turned into a validated AppSpec, with every mistake
// (missing file, not executable, interpreter not installed, bad value) reported as one sentence.
#pragma once

#include "app_spec.h"

#include <filesystem>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace pmd::config {

/// The flags exactly as typed; values stay strings so errors can quote them.
struct StartOptions {
  std::string script;
  std::string name;
  std::string interpreter;
  std::vector<std::string> interpreter_args;
  std::string cwd;
  std::vector<std::string> env_vars;  // "KEY=VALUE"
  std::vector<std::string> args;      // after `--`
  std::optional<std::string> max_restarts, min_uptime, restart_delay, exp_backoff_restart_delay, kill_timeout,
      kill_signal;
  std::vector<std::string> stop_exit_codes;
  bool no_autorestart = false;
  std::string out_file, error_file;
};

/// The environment and directory of the shell that ran pmctl.
struct Starter {
  Env env;
  std::filesystem::path cwd;
};

/// Either a spec ready for the daemon, or a one-sentence error naming what to fix.
std::variant<AppSpec, std::string> spec_from_start_options(const StartOptions& options, const Starter& starter);

/// Parses "KEY=VALUE" pairs as given to --env-var; returns an error sentence for a malformed one.
std::variant<Env, std::string> parse_env_assignments(const std::vector<std::string>& pairs);

/// The environment of the current process as a map.
Env current_environment();

}  // namespace pmd::config
