#include "unknown_command.h"

#include "command_table.h"
#include "nearest_name.h"

#include <map>
#include <vector>

namespace pmd::cli {

namespace {

// PM2's commands pmd does not have, and what to do instead.
const std::map<std::string, std::string>& pm2_hints() {
  const std::string modules = "pmd has no module system: run the tool as an app of its own (`pmctl start ...`)";
  const std::string hosted =
      "pm2.io is PM2's hosted service; pmd exports its metrics instead: `pmctl metrics`, or `pmd --metrics HOST:PORT` "
      "for Prometheus";
  const std::string profiling =
      "pmd does not profile apps; start the app with --node-args=--cpu-prof (or --heap-prof) and restart it";
  const std::string git = "pmd does not manage git checkouts: pull with git, then `pmctl reload <app>`";
  const std::string settings =
      "pmd has no key/value store for modules; the daemon's settings live in PMD_HOME/pmd.yaml (see the README)";
  static const std::map<std::string, std::string> hints = {
      {"install", modules},
      {"module:install", modules},
      {"uninstall", modules},
      {"module:uninstall", modules},
      {"module:update", modules},
      {"module:generate", modules},
      {"package", modules},
      {"publish", modules},
      {"module:publish", modules},
      {"set", settings},
      {"multiset", settings},
      {"get", settings},
      {"unset", settings},
      {"conf", settings},
      {"link", hosted},
      {"unlink", hosted},
      {"plus", hosted},
      {"register", hosted},
      {"login", hosted},
      {"logout", hosted},
      {"open", hosted},
      {"monitor", hosted},
      {"unmonitor", hosted},
      {"trigger", "pmd has no custom actions; send the app a signal instead: `pmctl sendSignal SIGUSR2 <app>`"},
      {"send", "pmd does not write to an app's stdin (it is /dev/null); use a signal: `pmctl sendSignal`"},
      {"attach", "pmd does not write to an app's stdin; follow its output with `pmctl logs <app>`"},
      {"profile:cpu", profiling},
      {"profile:mem", profiling},
      {"inspect", "start the app with --node-args=--inspect and restart it"},
      {"create", "use `pmctl init` (writes a commented ecosystem.config.js)"},
      {"deploy", "pmd does not deploy: deploy with your own tool, then `pmctl reload <app>`"},
      {"pull", git},
      {"forward", git},
      {"backward", git},
      {"deepUpdate", "upgrade pmd with your package manager, then `pmctl update`"},
      {"logrotate", "pmd rotates logs itself: set log_max_size and log_retain (see Logs in the README)"},
      {"dashboard", "use `pmctl monit`"},
      {"dash", "use `pmctl monit`"},
      {"imonit", "use `pmctl monit`"},
      {"sysmonit", "use `pmctl metrics` (the daemon's and every app's CPU and memory)"},
      {"slist", "use `pmctl metrics` (the daemon's and every app's CPU and memory)"},
      {"sysinfos", "use `pmctl metrics` (the daemon's and every app's CPU and memory)"},
      {"report", "use `pmctl describe all` and the daemon's log, PMD_HOME/pmd.log"},
      {"web",
       "pmd has no web server yet; `pmctl metrics` prints what Prometheus scrapes from `pmd --metrics HOST:PORT`"},
      {"serve", "pmd does not serve static files: run a static server as an app (`pmctl start ...`)"},
      {"expose", "pmd does not serve static files: run a static server as an app (`pmctl start ...`)"},
      {"autoinstall", modules},
      {"examples", "see `pmctl --help`, `pmctl <command> --help` and the README"},
      {"completion", "the bash completion is installed with the .deb (packaging/completion/pmctl.bash)"},
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
