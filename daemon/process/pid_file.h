// PM2's pid files: each running instance's pid in <pid_file without .pid>-<id>.pid, written when
// it starts and removed when it is gone, for scripts and monitoring that read them. Written with
// no more privilege than the app's user has (see app_file.h).
#pragma once

#include "process/app_credentials.h"

#include <sys/types.h>

#include <string>

namespace pmd {

/// "/run/app.pid", 3 -> "/run/app-3.pid"; "/run/app" -> "/run/app-3".
std::string instance_pid_path(const std::string& pid_file, int id);

/// Writes "<pid>\n" to `path` (created 0640, replaced if present). An error sentence, or "".
std::string write_pid_file(const std::string& path, const AppCredentials& owner, pid_t pid);

/// Removes the file if it is there.
void remove_pid_file(const std::string& path, const AppCredentials& owner);

}  // namespace pmd
