// Gathering what several hosts printed into one output: pure text work for `pmctl --host`.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

namespace pmd::cli {

/// Prometheus texts of several hosts as one exposition: each family's HELP and TYPE once, then
/// every host's samples with a `host` label first (Prometheus's own `instance` label is the
/// scraper's business; this is for a person reading `pmctl metrics` of a fleet).
std::string merge_metrics(const std::vector<std::pair<std::string, std::string>>& host_texts);

/// `list --json` arrays of several hosts as one array, every row with its "host".
nlohmann::json merge_lists(const std::vector<std::pair<std::string, nlohmann::json>>& host_lists);

/// Whole lines of `pending` (up to the last newline) each prefixed, removed from `pending`.
std::string take_prefixed_lines(std::string& pending, const std::string& prefix);

}  // namespace pmd::cli
