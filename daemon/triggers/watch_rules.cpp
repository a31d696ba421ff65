#include "triggers/watch_rules.h"

#include <fnmatch.h>

#include <algorithm>
#include <regex>

namespace pmd {

namespace {

bool looks_like_regex(const std::string& pattern) { return pattern.find_first_of("\\^$()|+") != std::string::npos; }

// Patterns come from the app's own file; a bad one simply matches nothing. Bounded in length
// so a pathological one cannot hold the loop long.
std::optional<std::regex> compile(const std::string& pattern) {
  if (pattern.size() > 256) return std::nullopt;
  try {
    return std::regex(pattern, std::regex::ECMAScript | std::regex::nosubs);
  } catch (const std::regex_error&) {
    return std::nullopt;
  }
}

}  // namespace

IgnoreRules::IgnoreRules(WatchRules rules) : rules_(std::move(rules)) {
  for (const auto& pattern : rules_.patterns)
    regexes_.push_back(looks_like_regex(pattern) ? compile(pattern) : std::nullopt);
}

bool is_ignored(const std::string& root, const std::string& path, const WatchRules& rules) {
  return IgnoreRules(rules).matches(root, path);
}

bool IgnoreRules::matches(const std::string& root, const std::string& path) const {
  const WatchRules& rules = rules_;
  // pmd's own files, and their rotated copies (out.log.1, ...).
  for (const auto& file : rules.ignored_files)
    if (path == file ||
        (path.size() > file.size() && path.compare(0, file.size(), file) == 0 && path[file.size()] == '.'))
      return true;
  std::string relative = path;
  if (path.size() > root.size() && path.compare(0, root.size(), root) == 0 && path[root.size()] == '/')
    relative = path.substr(root.size() + 1);
  else if (path == root)
    relative = "";
  std::vector<std::string> components;
  for (std::size_t start = 0; start <= relative.size();) {
    auto slash = relative.find('/', start);
    if (slash == std::string::npos) slash = relative.size();
    if (slash > start) components.push_back(relative.substr(start, slash - start));
    start = slash + 1;
  }
  for (const auto& c : components)
    if (c == "node_modules" || c == ".git") return true;
  const std::string name = components.empty() ? "" : components.back();
  for (std::size_t i = 0; i < rules.patterns.size(); ++i) {
    std::string pattern = rules.patterns[i];
    if (pattern.empty()) continue;
    if (looks_like_regex(pattern)) {
      if (regexes_[i] && std::regex_search(relative, *regexes_[i])) return true;
      continue;
    }
    while (pattern.size() > 2 && pattern.compare(0, 2, "./") == 0) pattern.erase(0, 2);
    while (pattern.size() > 1 && pattern.back() == '/') pattern.pop_back();
    if (std::find(components.begin(), components.end(), pattern) != components.end()) return true;
    // Without FNM_PATHNAME a * crosses '/', so "public/*" and "public/**" cover the whole tree.
    if (::fnmatch(pattern.c_str(), relative.c_str(), 0) == 0 || ::fnmatch(pattern.c_str(), name.c_str(), 0) == 0)
      return true;
    // "logs/*" also ignores the directory itself.
    if (pattern.size() > 2 && pattern.compare(pattern.size() - 2, 2, "/*") == 0 &&
        relative == pattern.substr(0, pattern.size() - 2))
      return true;
  }
  return false;
}

}  // namespace pmd
