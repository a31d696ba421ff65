// `pmctl list --sort name|id|pid|memory|cpu|uptime|restarts|status[:asc|desc]`, as PM2's `ls --sort`.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace pmd::cli {

/// Sorts `list` rows in place (stable: ties keep id order). Returns an error sentence for a
/// field or direction it does not know, leaving the rows as they were.
std::optional<std::string> sort_rows(nlohmann::json& rows, const std::string& spec);

}  // namespace pmd::cli
