// Splitting a command line written as one string ("run start --port 80", "-r dotenv/config")
// into argv the way a shell would, without running a shell: quotes and backslashes group words;
// nothing is expanded.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace pmd::config {

/// Words of `text`, or an error sentence for an unterminated quote.
std::variant<std::vector<std::string>, std::string> split_command_line(std::string_view text);

/// True when `text` uses shell syntax (pipes, redirections, ;, &&, $ expansion, backquotes,
/// subshells) outside single quotes: such a command needs /bin/sh to mean what it says.
bool has_shell_syntax(std::string_view text);

}  // namespace pmd::config
