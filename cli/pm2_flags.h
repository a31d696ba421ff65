// PM2's flags pmd does not take, and those it drops because they ask for what it already does.
// Checked before the command line is parsed, so a PM2 user gets a sentence naming the flag and
// what to do instead, never a generic parser error.
#pragma once

#include <optional>
#include <string>

namespace pmd::cli {

/// "not supported by pmd yet: --X (what to do instead)" for a PM2 flag pmd does not implement;
/// nullopt for any other word. `--flag=value` is recognised by its flag.
std::optional<std::string> unsupported_pm2_flag(const std::string& word);

/// PM2 flags that turn off something pmd never does (--no-vizion, --no-pmx, ...): accepted and
/// dropped, so scripts written for PM2 run unchanged.
bool is_ignored_pm2_flag(const std::string& word);

}  // namespace pmd::cli
