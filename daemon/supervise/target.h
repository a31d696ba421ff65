// What a verb's target names, decided in this order (the README's "Targets" says the same):
//   all              every app
//   12               the process with that id
//   api              the app with that name
//   /^worker-/       every app whose name matches the regular expression (ECMAScript)
//   billing          every app in that namespace (a name wins over a namespace)
//   /srv/api/app.js  every app running that script (pmctl sends a file argument as its path)
// Pure: the supervisor gives the apps' facts and gets back which apps (or which id) are meant,
// or a sentence saying why nothing is, with a did-you-mean where one is near.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace pmd {

struct AppFacts {
  std::string name;
  std::string ns;      // its namespace
  std::string script;  // absolute
  std::vector<int> ids;
};

struct TargetMatch {
  std::vector<std::size_t> apps;  // indexes into the facts, in their order
  std::optional<int> id;          // set when the target is one process id
  std::string error;              // why nothing matches (empty on success, also for "all" of none)
};

/// Longest /regex/ accepted (std::regex recurses on its input; names are at most 128 bytes).
inline constexpr std::size_t kMaxTargetPattern = 256;

TargetMatch match_target(const std::string& target, const std::vector<AppFacts>& apps);

}  // namespace pmd
