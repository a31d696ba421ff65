// Running another program from pmctl (pmd itself, systemctl, loginctl): exec'd directly, no
// shell, with pmctl's stdout and stderr, waited for.
#pragma once

#include <string>
#include <vector>

namespace pmd::cli {

/// Its exit status, or -1 if it could not be started or was killed. When exec fails, the child
/// prints "pmctl: error: cannot run NAME: REASON" followed by ` (hint)` if one is given.
int run_program(const std::vector<std::string>& argv, const std::string& hint = "");

}  // namespace pmd::cli
