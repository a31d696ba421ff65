// What pmctl says to a command it does not have. PM2's commands that pmd names differently, or
// leaves out on purpose, get what to type instead; anything else a did-you-mean. (CLI11 alone
// answers "A subcommand is required" to `pmctl jlist`-like typos, which misleads.)
#pragma once

#include <optional>
#include <string>

namespace pmd::cli {

/// The message for `word` as a command, or nullopt when it is one of pmctl's (or an alias).
std::optional<std::string> unknown_command_message(const std::string& word);

}  // namespace pmd::cli
