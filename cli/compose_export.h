// `pmctl export compose FILE`: an ecosystem file's apps as a Compose file (docker compose,
// podman compose) for one machine. Pure: specs in, the document out; what Compose cannot say is
// said in notes.
#pragma once

#include "app_spec.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace pmd::cli {

struct ComposeExportRequest {
  std::string image;           // --image for every service; "" = one with the app's interpreter
  std::string ecosystem_file;  // as the image holds it, for apps that run under `pmd run`
  std::string env_name;
};

struct ComposeExport {
  nlohmann::json document;  // {"services": {...}}
  std::vector<std::string> notes;
};

/// One service per app: its command as the entrypoint (no shell), working_dir, environment,
/// `restart` from autorestart, stop_signal and stop_grace_period from kill_signal and
/// kill_timeout, deploy.replicas from instances and deploy.resources.limits.memory from
/// max_memory_restart. A port is published on the host for one replica; several replicas cannot
/// share a host port without a proxy, so they only expose it (a note says so). `$` is written
/// `$$`, since Compose would expand it.
ComposeExport export_compose(const std::vector<AppSpec>& apps, const ComposeExportRequest& request);

/// A Compose service name: lower case letters, digits, '-', '_' and '.', starting with a letter
/// or digit.
std::string compose_name(const std::string& app_name);

}  // namespace pmd::cli
