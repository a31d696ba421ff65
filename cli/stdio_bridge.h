// `pmctl --stdio`: what `pmctl --host` runs on the remote machine through ssh. It connects to
// that account's pmd (starting it, as any pmctl command would, unless --no-start) and relays
// bytes both ways between its stdin/stdout and the daemon's socket, so the JSON-RPC lines of
// the local pmctl reach the remote pmd unchanged. Authentication and authorization are SSH's
// and the remote account's: the bridge is just another client of its own user's daemon.
#pragma once

namespace pmd::cli {

/// Returns when either side closes: 0, or kExitNoDaemon / kExitFailed when no daemon answers.
int run_stdio_bridge(bool start_if_needed);

}  // namespace pmd::cli
