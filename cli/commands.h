// pmctl's commands, each a thin function over one or two RPC calls. Exit statuses, documented in
// the README and tested: 0 done, 1 the operation failed, 2 bad usage, 3 no daemon reachable.
#pragma once

namespace pmd::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitNoDaemon = 3;

int run_pmctl(int argc, char** argv);

}  // namespace pmd::cli
