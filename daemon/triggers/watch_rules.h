// Which paths a watch ignores: PM2's ignore_watch (names, globs, or regular expressions as PM2
// users write them), node_modules and .git always, and the files pmd itself writes for the app
// (its logs and pid files: a log inside a watched tree must not restart the app forever). Pure.
#pragma once

#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace pmd {

struct WatchRules {
  std::vector<std::string> patterns;       // ignore_watch
  std::vector<std::string> ignored_files;  // absolute paths pmd writes for the app (and their rotated .N copies)
};

/// The rules with their regular expressions compiled once (a burst of events checks every path).
class IgnoreRules {
 public:
  explicit IgnoreRules(WatchRules rules);
  /// See is_ignored().
  bool matches(const std::string& root, const std::string& path) const;

 private:
  WatchRules rules_;
  std::vector<std::optional<std::regex>> regexes_;  // per pattern: compiled when it reads like one
};

/// True when `path` (absolute) under `root` must not be watched or trigger a restart. A pattern
/// matches a path component by name ("logs"), the relative path or the file name as a glob
/// ("*.log", "public/**"), or, when it reads like a regular expression ("\\.git", "^tmp/"), the
/// relative path by search.
bool is_ignored(const std::string& root, const std::string& path, const WatchRules& rules);

}  // namespace pmd
