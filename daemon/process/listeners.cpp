// Binding cluster sockets.
#include "process/listeners.h"
#include "process/port_holder.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>

namespace pmd {

namespace {

std::optional<int> parse_port(const std::string& text) {
  int port = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (ec != std::errc() || ptr != text.data() + text.size() || port <= 0 || port > 65535) return std::nullopt;
  return port;
}

}  // namespace

std::string ListenAddress::describe() const {
  if (!path.empty()) return path;
  if (host.empty()) return "port " + std::to_string(port);
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::optional<ListenAddress> cluster_address(const AppSpec& spec) {
  if (spec.exec_mode != "cluster") return std::nullopt;
  ListenAddress address;
  const std::string& listen = spec.listen;
  if (!listen.empty()) {
    auto colon = listen.rfind(':');
    if (colon == std::string::npos) {
      if (auto port = parse_port(listen)) {
        address.port = *port;
        return address;
      }
      address.path = listen;  // not a number: a unix socket path
      return address;
    }
    auto port = parse_port(listen.substr(colon + 1));
    if (!port) return std::nullopt;
    address.port = *port;
    address.host = listen.substr(0, colon);
    if (address.host.size() > 2 && address.host.front() == '[' && address.host.back() == ']')
      address.host = address.host.substr(1, address.host.size() - 2);
    return address;
  }
  std::optional<int> port;
  if (spec.port > 0)
    port = spec.port;
  else if (auto declared = spec.env.find("PORT"); declared != spec.env.end())
    port = parse_port(declared->second);
  else if (auto inherited = spec.base_env.find("PORT"); inherited != spec.base_env.end())
    port = parse_port(inherited->second);
  if (!port) return std::nullopt;
  address.port = *port;
  return address;
}

namespace {

std::variant<ClusterSocket, std::string> bind_unix(const ListenAddress& address, const AppCredentials& owner) {
  const std::string& path = address.path;
  ActingAs as(owner);
  sockaddr_un addr{};
  if (path.size() >= sizeof addr.sun_path)
    return "cannot listen on " + path + ": the path is too long for a unix socket";
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::string("cannot create a unix socket: ") + std::strerror(errno);
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      ::close(fd);
      return "cannot listen on " + path + ": a file that is not a socket is in the way";
    }
    // A socket file: in use if something answers, else left over by a dead process.
    int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bool answered = probe >= 0 && ::connect(probe, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    if (probe >= 0) ::close(probe);
    if (answered) {
      ::close(fd);
      return path + " is already in use (something listens there; stop it, or choose another path)";
    }
    ::unlink(path.c_str());
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 511) != 0) {
    int error = errno;
    ::close(fd);
    return "cannot listen on " + path + ": " + std::strerror(error);
  }
  return ClusterSocket{fd, address};
}

std::variant<ClusterSocket, std::string> bind_tcp(const ListenAddress& address, bool reuseport) {
  const int port = address.port;
  const int reuse_port = reuseport ? 1 : 0;
  const std::string& host = address.host;
  // Node's listen(port) binds [::] dual-stack; do the same, falling back to IPv4 without IPv6.
  int fd = -1;
  int error = 0;
  const bool any = host.empty() || host == "::" || host == "0.0.0.0";
  if (any || host.find(':') != std::string::npos) {
    fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0) {
      int on = 1, off = 0;
      ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
      ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &reuse_port, sizeof reuse_port);
      ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
      sockaddr_in6 addr{};
      addr.sin6_family = AF_INET6;
      addr.sin6_port = htons(static_cast<uint16_t>(port));
      addr.sin6_addr = in6addr_any;
      if (!any && ::inet_pton(AF_INET6, host.c_str(), &addr.sin6_addr) != 1)
        return "cannot listen on " + host + ": not an address";
      if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 && ::listen(fd, 511) == 0)
        return ClusterSocket{fd, address};
      error = errno;
      ::close(fd);
      fd = -1;
      if (error == EADDRINUSE || !any) goto failed;
    }
  }
  fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0) {
    int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &reuse_port, sizeof reuse_port);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    if (!any && ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
      ::close(fd);
      return "cannot listen on " + host + ": not an address";
    }
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 && ::listen(fd, 511) == 0)
      return ClusterSocket{fd, address};
    error = errno;
    ::close(fd);
  } else {
    error = errno;
  }
failed:
  if (error == EADDRINUSE)
    return "port " + std::to_string(port) + " is already in use" + describe_port_holder(port) +
           " (stop what listens there, or choose another port)";
  if (error == EACCES)
    return "port " + std::to_string(port) + " needs privileges to bind (use a port above 1023, or run pmd as root)";
  return "cannot listen on port " + std::to_string(port) + ": " + std::strerror(error);
}

}  // namespace

std::variant<ClusterSocket, std::string> bind_listener(const ListenAddress& address, bool reuseport,
                                                       const AppCredentials& owner) {
  return address.path.empty() ? bind_tcp(address, reuseport) : bind_unix(address, owner);
}

bool kernel_migrates_queued_connections() {
  char value = '0';
  int fd = ::open("/proc/sys/net/ipv4/tcp_migrate_req", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  ssize_t n = ::read(fd, &value, 1);
  ::close(fd);
  return n == 1 && value == '1';
}

void close_listener(const ClusterSocket& socket) {
  if (socket.fd < 0) return;
  ::close(socket.fd);
  if (!socket.address.path.empty()) ::unlink(socket.address.path.c_str());
}

std::string node_preload_path() {
  std::error_code ec;
  auto exe_dir = std::filesystem::read_symlink("/proc/self/exe", ec).parent_path();
  if (ec) return {};
  for (const auto& candidate : {exe_dir / "pmd-node-preload.js", exe_dir / ".." / "lib" / "pmd" / "node-preload.js"})
    if (std::filesystem::exists(candidate, ec)) return std::filesystem::weakly_canonical(candidate, ec).string();
  return {};
}

}  // namespace pmd
