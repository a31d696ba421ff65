// pmctl: the command line built from the command table, parsed, and the chosen command run.
#include "commands.h"

#include "command_table.h"
#include "fleet.h"
#include "pm2_flags.h"
#include "pmd_version.h"
#include "session.h"
#include "stdio_bridge.h"
#include "unknown_command.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>

namespace pmd::cli {

int run_pmctl(int argc, char** argv) {
  std::vector<std::string> line(argv + 1, argv + argc);
  // What `pmctl --host` runs on the other machine, through ssh.
  if (!line.empty() && line.front() == "--stdio") {
    if (line.size() > 2 || (line.size() == 2 && line[1] != "--no-start")) {
      print_error("usage: pmctl --stdio [--no-start] (run by pmctl --host over ssh)");
      return kExitUsage;
    }
    return run_stdio_bridge(line.size() == 1);
  }
  auto fleet = take_fleet_flags(line);
  if (auto* error = std::get_if<std::string>(&fleet)) {
    print_error(*error);
    return kExitUsage;
  }
  CLI::App app{"pmctl: drive the pmd process manager"};
  app.require_subcommand(1);
  app.set_version_flag("--version,-v", std::string("pmctl ") + kVersion);
  CommandArgs args;
  const Command* chosen = nullptr;
  const std::string first = line.empty() ? "" : line.front();
  add_commands(app, args, chosen, first);
  if (!first.empty() && first[0] != '-') {
    if (auto message = unknown_command_message(first)) {
      print_error(*message);
      return kExitUsage;
    }
  }
  // Everything after `--` is the app's (PM2: `pm2 start app.js -- --port 3000`), never pmctl's.
  std::vector<std::string> words(line.rbegin(), line.rend());  // CLI11 takes them reversed
  if (auto dashes = std::find(words.rbegin(), words.rend(), "--"); dashes != words.rend()) {
    args.start.args.assign(dashes + 1, words.rend());
    words.erase(words.begin(), dashes.base());
  }
  // Flags PM2 users pass anywhere on the line: global ones, and PM2's own that pmd lacks or drops.
  for (auto it = words.begin(); it != words.end();) {
    if (auto refusal = unsupported_pm2_flag(*it)) {
      print_error(*refusal);
      return kExitUsage;
    }
    if (*it == "--no-color" || *it == "--no-colors") {
      disable_color();
    } else if (*it == "--silent" || *it == "-s") {
      if (std::FILE* null = std::freopen("/dev/null", "w", stdout); null == nullptr) return kExitFailed;
      silence_output();
    } else if (!is_ignored_pm2_flag(*it)) {
      ++it;
      continue;
    }
    it = words.erase(it);
  }
  try {
    app.parse(words);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  if (!chosen) return kExitOk;
  if (!args.start.args.empty() && chosen->name != "start") {
    print_error("arguments after -- are for the app, and only `pmctl start` takes them");
    return kExitUsage;
  }
  try {
    if (const auto& hosts = std::get<std::optional<Fleet>>(fleet)) return run_on_fleet(*hosts, *chosen, args, line);
    return chosen->run(args);
  } catch (const std::exception& e) {
    // A last resort: whatever slipped past the checks ends as an error line, never an abort.
    print_error(std::string("unexpected failure: ") + e.what() + " (please report it)");
    return kExitFailed;
  }
}

}  // namespace pmd::cli
