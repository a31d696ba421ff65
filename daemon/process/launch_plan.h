// From an app spec to the exact exec of one instance: which file, which argv, which environment.
#pragma once

#include "app_spec.h"
#include "process/listeners.h"
#include "process/spawner.h"

#include <string>
#include <variant>

namespace pmd {

struct InstanceIdentity {
  int id = 0;      // pm_id: unique across the daemon
  int number = 0;  // 0..instances-1 within the app (NODE_APP_INSTANCE)
};

/// The environment an instance gets: the starter's, the declared variables on top, then the
/// identity variables PM2 apps rely on (pm_id, name, NODE_APP_INSTANCE) and pmd's own.
Env instance_environment(const AppSpec& spec, const InstanceIdentity& who);

/// What the daemon hands an instance besides its spec.
struct LaunchExtras {
  ClusterSocket socket;       // cluster mode: inherited at fd 3 (LISTEN_FDS=1)
  std::string node_preload;   // Node apps sharing a socket get it through NODE_OPTIONS
  int ipc_fd = -1;            // the child's end of a Node IPC channel (NODE_CHANNEL_FD)
  std::string notify_socket;  // NOTIFY_SOCKET, for sd_notify's READY=1
  std::string unit;           // PMD_UNIT: marks every process of this launch, even one that escapes
};

/// Node apps get an IPC channel (process.send) and, in cluster mode, the preload.
bool is_node_app(const AppSpec& spec);

/// Resolves the executable against the app's own PATH. Returns an error sentence when the
/// interpreter or binary cannot be found any more (a Node upgrade, a deleted file).
/// With a cluster socket the instance inherits it at fd 3 and learns its port (PORT, PMD_PORT);
/// Node apps also get pmd's preload, so their unmodified listen(PORT) uses it.
std::variant<SpawnRequest, std::string> make_spawn_request(const AppSpec& spec, const InstanceIdentity& who,
                                                           const LaunchExtras& extras = {});

}  // namespace pmd
