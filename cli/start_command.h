// `pmctl start`: a script, a binary, a command on PATH, an ecosystem file, or an existing app.
#pragma once

#include "session.h"
#include "start_options.h"

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace pmd::cli {

/// The flags that set a key of the app's spec (PM2's names): start, restart and reload take them.
void add_spec_flags(CLI::App& cmd, config::StartOptions& options);
/// The flags of `start`: the scripts, the spec flags, and those of ecosystem files.
void add_start_flags(CLI::App& cmd, config::StartOptions& options, std::vector<std::string>& scripts,
                     std::vector<std::string>& only, bool& update_env);

/// `pmctl start a.js b.js`: each script (or ecosystem file, or existing app) in turn, then the
/// process list. Fails with the last failure, after trying them all.
int run_start(Session& session, const config::StartOptions& options, const std::vector<std::string>& scripts,
              const std::vector<std::string>& only, bool update_env);

/// `pmctl restart api --max-memory-restart 300M`: the apps of `targets` get what the flags
/// change (see config::respec), then are restarted or reloaded (`mode`) through `apply`.
int update_and_redo(Session& session, const std::vector<std::string>& targets, const config::StartOptions& flags,
                    const std::string& mode, bool update_env);

/// "a,b" and "c" -> a, b, c (PM2's --only takes both forms).
std::vector<std::string> split_commas(const std::vector<std::string>& items);

}  // namespace pmd::cli
