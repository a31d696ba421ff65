// The listening sockets pmd owns for cluster mode. pmd binds an app's port once; every instance
// inherits the socket (fd 3, systemd's LISTEN_FDS protocol), so instances share the port instead
// of fighting over it, and the socket outlives any one instance.
#pragma once

#include "app_spec.h"

#include <optional>
#include <string>
#include <variant>

namespace pmd {

/// The port a cluster-mode app serves on: `port` in the spec, else its PORT variable (declared
/// env first, then the starter's). nullopt when there is none or the app is in fork mode.
std::optional<int> cluster_port(const AppSpec& spec);

/// A bound, listening TCP socket (close-on-exec; the spawner passes it on), or an error sentence
/// naming the port ("port 3000 is already in use ...").
std::variant<int, std::string> bind_listener(int port, const std::string& host);

/// The Node preload that hands the shared socket to `server.listen(PORT)`: installed next to pmd
/// (build tree) or in ../lib/pmd. Empty when missing.
std::string node_preload_path();

}  // namespace pmd
