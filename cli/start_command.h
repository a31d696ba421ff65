// `pmctl start`: a script, a binary, a command on PATH, an ecosystem file, or an existing app.
#pragma once

#include "session.h"
#include "start_options.h"

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace pmd::cli {

/// The flags of `start`, each an ecosystem key (PM2's names), into `options`.
void add_start_flags(CLI::App& cmd, config::StartOptions& options, std::vector<std::string>& only, bool& update_env);

int run_start(Session& session, const config::StartOptions& options, const std::vector<std::string>& only,
              bool update_env);

/// "a,b" and "c" -> a, b, c (PM2's --only takes both forms).
std::vector<std::string> split_commas(const std::vector<std::string>& items);

}  // namespace pmd::cli
