// YAML ecosystem files (process.yml) to the document tree, with positions. Anchors and aliases
// come from yaml-cpp; merge keys (`<<: *defaults`) are resolved here, since yaml-cpp 0.7 leaves
// them as ordinary keys. Plain scalars are typed by YAML 1.2's core schema, as js-yaml (PM2's
// parser) types them; quoted scalars stay strings.
#pragma once

#include "document.h"

#include <string>
#include <variant>

namespace pmd::config {

std::variant<Value, Diagnostic> parse_yaml(const std::string& text);

}  // namespace pmd::config
