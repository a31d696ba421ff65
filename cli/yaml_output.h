// JSON values written as YAML documents, for the manifests `pmctl export` prints: every string
// double-quoted, so that "3000", "true" or "0755" stay strings for whatever reads them.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace pmd::cli {

/// The documents, each starting with `---`, optionally after `comment` lines (each given "# ").
std::string yaml_documents(const std::vector<nlohmann::json>& documents, const std::vector<std::string>& comment = {});

}  // namespace pmd::cli
