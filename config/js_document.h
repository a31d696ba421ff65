// JavaScript ecosystem files (ecosystem.config.js, .cjs, .mjs) evaluated the way PM2 does: by
// Node itself, so process.env, __dirname, path.join and require('dotenv') behave as users expect.
// Node runs in a child process (argv exec'd directly, bounded in time) and prints JSON.
#pragma once

#include "document.h"

#include <chrono>
#include <filesystem>
#include <string>
#include <variant>

namespace pmd::config {

/// Evaluates `file` with the `node` found on `path_var`. Errors: node missing (suggesting JSON or
/// YAML), the file throwing (node's own message), a timeout, or output that is not JSON.
std::variant<Value, Diagnostic> evaluate_js(const std::filesystem::path& file, const std::string& path_var,
                                            std::chrono::milliseconds timeout = std::chrono::seconds(20));

}  // namespace pmd::config
