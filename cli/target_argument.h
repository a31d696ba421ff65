// A verb's target as pmctl sends it: a script file the user names (`pmctl stop app.js`,
// `pmctl restart ./api/server.js`) becomes its absolute path, which the daemon matches against
// each app's script; anything else (a name, an id, all, /regex/, a namespace) goes as typed.
#pragma once

#include <string>

namespace pmd::cli {

/// An existing regular file written with a '/' or a script extension (.js, .py, ...) -> its
/// absolute path.
std::string target_argument(const std::string& arg);

}  // namespace pmd::cli
