// `pmd run`: which apps a container runs (from an ecosystem file or one script), and when the
// container is finished and with what status. Pure apart from reading the ecosystem file.
#pragma once

#include "app_spec.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace pmd {

struct RunRequest {
  std::string target;             // an ecosystem file, or a script / program
  std::vector<std::string> args;  // for the script, after `--`
  std::string instances;          // -i: for a script ("" = 1)
  std::string name;               // --name: for a script
  std::string env_name;           // --env: env_<NAME> of the file
  std::vector<std::string> only;  // --only: apps of the file
  int specs_fd = -1;              // --specs-fd: app specs as JSON, from `pmctl start --no-daemon`
};

struct RunApps {
  std::vector<AppSpec> apps;
  std::vector<std::string> warnings;
  std::vector<std::string> errors;  // non-empty: nothing may start
};

/// The apps of `request` as `pmctl start` would make them from this shell. Logs that a spec
/// does not send anywhere in particular are not written to files: the container's stdout is
/// the log.
RunApps apps_to_run(const RunRequest& request);

/// nullopt while some instance is running or will be restarted. Once every instance is stopped
/// or errored: 0 if each last exited cleanly, else the first failure's code (128 + signal for a
/// signal, 1 for an instance that never ran), as a shell reports a command's status.
std::optional<int> container_exit_status(const nlohmann::json& instance_list);

}  // namespace pmd
