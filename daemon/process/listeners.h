// The listening sockets pmd owns for cluster mode. pmd binds an app's port once; every instance
// inherits the socket (fd 3, systemd's LISTEN_FDS protocol), so instances share the port instead
// of fighting over it, and the socket outlives any one instance.
#pragma once

#include "process/app_credentials.h"

#include "app_spec.h"

#include <optional>
#include <string>
#include <variant>

namespace pmd {

/// Where a cluster app listens: a TCP port (on `host`, or every interface), or a unix socket.
struct ListenAddress {
  int port = 0;
  std::string host;  // empty: every interface, IPv4 and IPv6
  std::string path;  // a unix socket instead of a port
  bool operator==(const ListenAddress&) const = default;
  /// "port 3000", "127.0.0.1:3000", "/run/api.sock"
  std::string describe() const;
};

/// A listening socket shared by an app's instances (cluster mode).
struct ClusterSocket {
  int fd = -1;
  ListenAddress address;
};

/// Where a cluster-mode app serves: `listen` ("host:port", "port" or a unix socket path), else
/// `port`, else its PORT variable (declared env first, then the starter's). nullopt when there is
/// none or the app is in fork mode.
std::optional<ListenAddress> cluster_address(const AppSpec& spec);

/// A bound, listening socket (close-on-exec; the spawner passes it on), or an error sentence
/// naming the address ("port 3000 is already in use ..."). A unix socket file left by a dead
/// process is replaced; one something still listens on is in use.
/// With `reuseport` the socket joins a SO_REUSEPORT group (one socket per instance, balanced by
/// the kernel).
/// A unix socket path is probed, cleared and bound with `owner`'s file-system identity (the
/// path is the app's: app_file.h), so a planted symlink gains nothing.
std::variant<ClusterSocket, std::string> bind_listener(const ListenAddress& address, bool reuseport = false,
                                                       const AppCredentials& owner = {});

/// Whether the kernel moves connections queued on a closing reuseport socket to the others in
/// its group (net.ipv4.tcp_migrate_req); if not, closing one resets them.
bool kernel_migrates_queued_connections();

/// Closes the socket, and removes the file of a unix socket.
void close_listener(const ClusterSocket& socket);

/// The Node preload that hands the shared socket to `server.listen(PORT)`: installed next to pmd
/// (build tree) or in ../lib/pmd. Empty when missing.
std::string node_preload_path();

}  // namespace pmd
