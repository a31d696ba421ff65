// Target resolution: the order of the rules, the regular expression, and the messages.
#include "supervise/target.h"

#include "nearest_name.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <regex>

namespace pmd {

namespace {

bool is_id(const std::string& target, int& id) {
  auto [ptr, ec] = std::from_chars(target.data(), target.data() + target.size(), id);
  return !target.empty() && ec == std::errc() && ptr == target.data() + target.size();
}

TargetMatch failure(std::string message) {
  TargetMatch m;
  m.error = std::move(message);
  return m;
}

}  // namespace

TargetMatch match_target(const std::string& target, const std::vector<AppFacts>& apps) {
  TargetMatch m;
  auto take_if = [&](auto&& wanted) {
    for (std::size_t i = 0; i < apps.size(); ++i)
      if (wanted(apps[i])) m.apps.push_back(i);
    return !m.apps.empty();
  };
  if (target == "all") {
    take_if([](const AppFacts&) { return true; });
    return m;
  }
  if (int id = -1; is_id(target, id)) {
    for (std::size_t i = 0; i < apps.size(); ++i)
      if (std::find(apps[i].ids.begin(), apps[i].ids.end(), id) != apps[i].ids.end()) {
        m.apps.push_back(i);
        m.id = id;
        return m;
      }
    return failure("no process with id " + target + " (see `pmctl list`)");
  }
  if (take_if([&](const AppFacts& a) { return a.name == target; })) return m;
  if (target.size() > 2 && target.front() == '/' && target.back() == '/' && target.find('/', 1) == target.size() - 1) {
    const std::string pattern = target.substr(1, target.size() - 2);
    if (pattern.size() > kMaxTargetPattern)
      return failure("the regular expression " + target.substr(0, 40) + "... is longer than " +
                     std::to_string(kMaxTargetPattern) + " characters");
    std::regex re;
    try {
      // libstdc++'s default matcher backtracks: "(a|aa)*b" against a 40-character name ran for
      // over a minute, blocking the daemon's loop. Its polynomial (Thompson) mode bounds the
      // time; it refuses back-references, which then read as an invalid expression.
      re.assign(pattern, std::regex::ECMAScript | std::regex_constants::__polynomial);
    } catch (const std::regex_error& e) {
      return failure("invalid regular expression " + target + ": " + e.what());
    }
    if (take_if([&](const AppFacts& a) { return std::regex_search(a.name, re); })) return m;
    return failure("no app name matches " + target + " (see `pmctl list`)");
  }
  if (take_if([&](const AppFacts& a) { return a.ns == target; })) return m;
  if (!target.empty() && target.front() == '/') {
    const std::string path = std::filesystem::path(target).lexically_normal().string();
    if (take_if([&](const AppFacts& a) { return a.script == path; })) return m;
    return failure("no app runs " + path + " (see `pmctl list`)");
  }

  std::string message = "no app or namespace named '" + target + "'";
  std::vector<std::string> names;
  for (const auto& a : apps) {
    names.push_back(a.name);
    if (std::find(names.begin(), names.end(), a.ns) == names.end()) names.push_back(a.ns);
  }
  if (auto nearest = nearest_name(target, names))
    message += " (did you mean '" + *nearest + "'?)";
  else if (apps.empty())
    message += " (no apps are running; start one with `pmctl start`)";
  else
    message += " (see `pmctl list`)";
  return failure(message);
}

}  // namespace pmd
