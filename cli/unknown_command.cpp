#include "unknown_command.h"

#include "command_table.h"
#include "nearest_name.h"

#include <map>
#include <vector>

namespace pmd::cli {

namespace {

// PM2's commands pmd does not have, and what to do instead.
const std::map<std::string, std::string>& pm2_hints() {
  static const std::map<std::string, std::string> hints = {
      {"install", "pmd has no module system: run the tool as an app of its own (`pmctl start ...`)"},
      {"uninstall", "pmd has no module system (nothing to uninstall)"},
      {"link",
       "pm2.io is PM2's hosted service; pmd exports its metrics instead: `pmctl metrics`, or `pmd --metrics HOST:PORT` "
       "for Prometheus"},
      {"plus",
       "pm2.io is PM2's hosted service; pmd exports its metrics instead: `pmctl metrics`, or `pmd --metrics HOST:PORT` "
       "for Prometheus"},
      {"deploy", "pmd does not deploy: deploy with your own tool, then `pmctl reload <app>`"},
      {"dashboard", "use `pmctl monit`"},
      {"dash", "use `pmctl monit`"},
      {"report", "use `pmctl describe all` and the daemon's log, PMD_HOME/pmd.log"},
      {"web",
       "pmd has no web server yet; `pmctl metrics` prints what Prometheus scrapes from `pmd --metrics HOST:PORT`"},
      {"serve", "pmd does not serve static files: run a static server as an app (`pmctl start ...`)"},
      {"stopall", "use `pmctl stop all`"},
      {"restartall", "use `pmctl restart all`"},
  };
  return hints;
}

}  // namespace

std::optional<std::string> unknown_command_message(const std::string& word) {
  std::vector<std::string> names;
  for (const Command& c : command_table()) {
    if (c.name == word) return std::nullopt;
    names.push_back(c.name);
    for (const auto& alias : c.aliases) {
      if (alias == word) return std::nullopt;
      names.push_back(alias);
    }
  }
  std::string message = "unknown command '" + word + "'";
  if (auto hint = pm2_hints().find(word); hint != pm2_hints().end()) return message + ": " + hint->second;
  if (auto nearest = nearest_name(word, names)) return message + " (did you mean '" + *nearest + "'?)";
  return message + " (see `pmctl --help`)";
}

}  // namespace pmd::cli
