// pmd's own settings: PMD_HOME/pmd.yaml, for what a daemon started at boot cannot be given on
// its command line by each user (autosave, the metrics and dashboard addresses, the sample
// interval).
// Flags beat environment variables, which beat this file.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pmd {

struct Settings {
  std::optional<bool> autosave;                // save the apps after every change
  std::optional<std::string> metrics;          // as --metrics
  std::optional<std::string> web;              // as --web
  std::optional<std::string> sample_interval;  // as --sample-interval
};

struct ParsedSettings {
  Settings settings;
  std::vector<std::string> warnings;  // unknown keys (with a suggestion)
  std::string error;                  // non-empty: the file cannot be used, and why (with line)
};

/// Parses the YAML text of a settings file; `file` names it in messages.
ParsedSettings parse_settings(std::string_view text, const std::string& file);

}  // namespace pmd
