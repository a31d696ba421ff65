// pmctl: the command line built from the command table, parsed, and the chosen command run.
#include "commands.h"

#include "command_table.h"
#include "pmd_version.h"
#include "session.h"
#include "unknown_command.h"

#include <CLI/CLI.hpp>

namespace pmd::cli {

int run_pmctl(int argc, char** argv) {
  CLI::App app{"pmctl: drive the pmd process manager"};
  app.require_subcommand(1);
  app.set_version_flag("--version,-v", std::string("pmctl ") + kVersion);
  CommandArgs args;
  const Command* chosen = nullptr;
  add_commands(app, args, chosen);
  if (argc > 1 && argv[1][0] != '-') {
    if (auto message = unknown_command_message(argv[1])) {
      print_error(*message);
      return kExitUsage;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  if (!chosen) return kExitOk;
  try {
    return chosen->run(args);
  } catch (const std::exception& e) {
    // A last resort: whatever slipped past the checks ends as an error line, never an abort.
    print_error(std::string("unexpected failure: ") + e.what() + " (please report it)");
    return kExitFailed;
  }
}

}  // namespace pmd::cli
