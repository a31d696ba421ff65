// `pmctl --host`: one command on one or several machines. With one host, commands that only
// talk to the daemon go through `pmctl --stdio` over ssh (Session), and those whose arguments
// name files or take this shell's environment run whole on that host. With several, pmctl runs
// itself once per host and gathers what they print: one table with a host column for `list`,
// a host label on every metric, `logs` merged line by line with a host prefix, one section per
// host otherwise. `reload` rolls host by host and stops at the first host that fails.
#pragma once

#include "command_table.h"
#include "remote_host.h"

#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace pmd::cli {

struct Fleet {
  std::vector<RemoteHost> hosts;
  int parallel = 0;  // hosts at a time; 0: every host at once, but one at a time for reload
};

/// Takes --host/-H LIST, --host=LIST and --parallel-hosts N out of `words` (never after `--`);
/// without --host, PMD_HOST (a list) or PMD_HOSTS (a file of hosts). nullopt: this machine.
std::variant<std::optional<Fleet>, std::string> take_fleet_flags(std::vector<std::string>& words);

/// Whether the command, as parsed, must run whole on the remote host: its arguments name
/// files there (start, ecosystem files, export, startup) or it takes the environment
/// (--update-env, start flags), or it manages the daemon itself (kill, update, version).
bool runs_whole_on_host(const Command& command, const CommandArgs& args);

/// Runs the parsed command on the fleet; `words` is the command line without the fleet flags.
int run_on_fleet(const Fleet& fleet, const Command& command, CommandArgs& args, const std::vector<std::string>& words);

}  // namespace pmd::cli
