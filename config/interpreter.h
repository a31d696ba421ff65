// Which program runs a script, decided from its extension the way PM2 decides it.
#pragma once

#include <string>
#include <string_view>

namespace pmd::config {

/// ".js"/".cjs"/".mjs" -> "node", ".py" -> "python3", ".sh" -> "bash", ".rb" -> "ruby",
/// ".php" -> "php", ".pl" -> "perl"; anything else -> "" (the file is exec'd itself).
std::string interpreter_for(std::string_view script);

/// Whether `interpreter` (a name or a path) is Node: "node" or Debian's "nodejs". The one place
/// that decides it: cluster mode by default, the IPC channel and the preload all follow from it.
bool is_node_interpreter(std::string_view interpreter);

/// True for the names users give to mean "no interpreter" ("none", as in PM2).
bool is_no_interpreter(std::string_view interpreter);

}  // namespace pmd::config
