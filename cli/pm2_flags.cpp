#include "pm2_flags.h"

#include <map>
#include <set>

namespace pmd::cli {

namespace {

std::string flag_of(const std::string& word) { return word.substr(0, word.find('=')); }

const std::string kMonitoring =
    "pm2.io's Node instrumentation is not part of pmd; `pmctl metrics` and `pmd --metrics HOST:PORT` export "
    "every app's CPU, memory and restarts for Prometheus";

}  // namespace

std::optional<std::string> unsupported_pm2_flag(const std::string& word) {
  static const std::map<std::string, std::string> kUnsupported = {
      {"--source-map-support", "give Node its own flag instead: --node-args=--enable-source-maps"},
      {"--vizion", "pmd does not record the git revision of apps"},
      {"--pmx", kMonitoring},
      {"--automation", kMonitoring},
      {"--trace", kMonitoring},
      {"--deep-monitoring", kMonitoring},
      {"--v8", kMonitoring},
      {"--event-loop-inspector", kMonitoring},
      {"--no-treekill", "pmd always stops an app's whole process tree, so nothing it started is left behind"},
      {"--attach", "start the app, then follow its lines with `pmctl logs <app>`"},
      {"--wait-ip", "start the app from a unit ordered after network-online.target (see `pmctl startup`)"},
      {"--filter-env", "give the app an explicit env in an ecosystem file, or --env-var KEY=VALUE"},
      {"--auto-exit", "`pmd run` already exits when its apps have all exited"},
      {"--write", "`pmctl init` writes a sample ecosystem.config.js to edit"},
      {"-w", "`pmctl init` writes a sample ecosystem.config.js to edit"},
      {"--node-version", "install the Node you want and give its path: --interpreter /path/to/node"},
      {"--mini-list", "use `pmctl list`"},
      {"-m", "use `pmctl list`"},
      {"--web", "pmd has no web server yet; `pmd --metrics HOST:PORT` serves Prometheus metrics"},
      {"--ext", "name what to watch instead: --watch src,config, and --ignore-watch for the rest"},
  };
  auto found = kUnsupported.find(flag_of(word));
  if (found == kUnsupported.end()) return std::nullopt;
  return "not supported by pmd yet: " + found->first + " (" + found->second + ")";
}

bool is_ignored_pm2_flag(const std::string& word) {
  static const std::set<std::string> kIgnored = {"--no-vizion", "--no-pmx", "--no-automation",
                                                 "--disable-source-map-support", "--disable-trace"};
  return kIgnored.count(flag_of(word)) > 0;
}

}  // namespace pmd::cli
