// How pmctl shows things to a person: the process table of `list` and the sheet of `describe`.
// Pure functions from the daemon's JSON to text, so they are unit-tested.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace pmd::cli {

/// The `pm2 ls`-style table. `color` adds ANSI colours to the status column.
std::string render_list(const nlohmann::json& instances, bool color);

/// The `describe` sheet for each instance.
std::string render_describe(const nlohmann::json& instances);

}  // namespace pmd::cli
