// Starts a program with its stdout on a pipe and reads the first line it prints, within a
// deadline: how pmd starts its fd holder (which says "ready") and tries a new binary before an
// upgrade (which says the handover format it reads). Environment and other fds as posix_spawn
// gives them; the caller decides what happens to the process afterwards.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace pmd::handover {

struct FirstLine {
  pid_t pid = -1;     // -1 when it could not be started
  std::string line;   // without the newline; "" if none came in time
  std::string error;  // why it could not be started
};

FirstLine run_for_first_line(const std::string& program, const std::vector<std::string>& argv,
                             std::chrono::milliseconds deadline);

}  // namespace pmd::handover
