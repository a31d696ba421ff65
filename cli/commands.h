// pmctl's command line: CLI11 wiring of each command to one or two RPC calls. Exit statuses,
// documented in the README and tested: 0 done, 1 the operation failed, 2 bad usage, 3 no daemon
// reachable (see session.h).
#pragma once

namespace pmd::cli {

int run_pmctl(int argc, char** argv);

}  // namespace pmd::cli
