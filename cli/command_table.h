// pmctl's commands as one table, mirroring the daemon's method table: each entry has its name,
// aliases, help, the daemon method it calls, its flags and what it does. run_pmctl builds the
// command line from it; the completion script and the README are checked against it.
#pragma once

#include "ecosystem_commands.h"
#include "export_command.h"
#include "logs_command.h"
#include "start_options.h"
#include "startup_command.h"

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace pmd::cli {

/// Where every command's flags land while the command line is parsed.
struct CommandArgs {
  config::StartOptions start;            // start's flags (also restart's and reload's)
  std::vector<std::string> scripts;      // start a.js b.js
  std::vector<std::string> passthrough;  // after `--`: the app's arguments (start only)
  std::vector<std::string> targets;      // stop, restart, reload, delete
  std::vector<std::string> only;         // --only a,b (an ecosystem file's apps)
  std::string env_name;                  // --env NAME (env_<NAME> of an ecosystem file)
  bool update_env = false;
  bool unwatch = false;  // stop --watch
  int parallel = 1;
  std::string target;  // describe, flush, scale
  std::string count;   // scale
  std::string signal;  // sendSignal
  FileOptions file;    // config
  bool json = false;
  std::string sort;  // list --sort
  bool force = false;
  LogsOptions logs;
  bool follow = true;  // logs -f: the default, accepted as PM2 users type it
  StartupOptions startup;
  ExportOptions exported;  // export
};

struct Command {
  std::string name;
  std::vector<std::string> aliases;
  std::string help;
  std::string method;  // the daemon method it calls ("" when none, or several)
  std::function<void(CLI::App& cmd, CommandArgs& args)> add_flags;
  std::function<int(CommandArgs& args)> run;
};

const std::vector<Command>& command_table();

/// Adds the commands of the table to `app` (only the one `first_word` names, if it names one);
/// the one parsed sets `chosen`.
void add_commands(CLI::App& app, CommandArgs& args, const Command*& chosen, std::string_view first_word = {});

}  // namespace pmd::cli
