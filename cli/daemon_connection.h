// Reaching the daemon of a PMD_HOME, starting it when none answers, the way `pm2` does. Never
// leaves two daemons: pmctl connects first, then takes a lock, retries, and only then starts one
// (and pmd itself refuses to run twice on the same home).
#pragma once

#include "paths.h"
#include "rpc_client.h"

#include <optional>
#include <string>

namespace pmd::cli {

/// The pmd to start: next to pmctl (build tree and install), or $PMD_BIN, else "pmd" from PATH.
std::string pmd_binary();

struct ConnectResult {
  std::optional<RpcClient> client;
  std::string error;       // set when client is empty
  bool no_daemon = false;  // nothing is running (and we were told not to start one)
};

ConnectResult connect_to_daemon(const HomePaths& paths, bool start_if_needed);

}  // namespace pmd::cli
