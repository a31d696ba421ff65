// Binding cluster sockets.
#include "listeners.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
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

std::optional<int> cluster_port(const AppSpec& spec) {
  if (spec.exec_mode != "cluster") return std::nullopt;
  if (spec.port > 0) return spec.port;
  if (auto colon = spec.listen.rfind(':'); colon != std::string::npos) return parse_port(spec.listen.substr(colon + 1));
  if (auto it = spec.env.find("PORT"); it != spec.env.end()) return parse_port(it->second);
  if (auto it = spec.base_env.find("PORT"); it != spec.base_env.end()) return parse_port(it->second);
  return std::nullopt;
}

std::variant<int, std::string> bind_listener(int port, const std::string& host) {
  // Node's listen(port) binds [::] dual-stack; do the same, falling back to IPv4 without IPv6.
  int fd = -1;
  int error = 0;
  const bool any = host.empty() || host == "::" || host == "0.0.0.0";
  if (any || host.find(':') != std::string::npos) {
    fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0) {
      int on = 1, off = 0;
      ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
      ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
      sockaddr_in6 addr{};
      addr.sin6_family = AF_INET6;
      addr.sin6_port = htons(static_cast<uint16_t>(port));
      addr.sin6_addr = in6addr_any;
      if (!any && ::inet_pton(AF_INET6, host.c_str(), &addr.sin6_addr) != 1) return "cannot listen on " + host + ": not an address";
      if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 && ::listen(fd, 511) == 0) return fd;
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
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    if (!any && ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
      ::close(fd);
      return "cannot listen on " + host + ": not an address";
    }
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 && ::listen(fd, 511) == 0) return fd;
    error = errno;
    ::close(fd);
  } else {
    error = errno;
  }
failed:
  if (error == EADDRINUSE)
    return "port " + std::to_string(port) + " is already in use (stop what listens there, or choose another PORT)";
  if (error == EACCES)
    return "port " + std::to_string(port) + " needs privileges to bind (use a port above 1023, or run pmd as root)";
  return "cannot listen on port " + std::to_string(port) + ": " + std::strerror(error);
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
