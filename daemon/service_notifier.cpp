// ServiceNotifier: sd_notify(3) without libsystemd.
#include "service_notifier.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace pmd {

ServiceNotifier ServiceNotifier::from_environment() {
  ServiceNotifier notifier;
  if (const char* socket = std::getenv("NOTIFY_SOCKET"); socket && (socket[0] == '/' || socket[0] == '@'))
    notifier.address_ = socket;
  ::unsetenv("NOTIFY_SOCKET");
  return notifier;
}

void ServiceNotifier::notify(std::string_view state) const {
  if (address_.empty() || address_.size() >= sizeof(sockaddr_un::sun_path)) return;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, address_.data(), address_.size());
  if (address_[0] == '@') addr.sun_path[0] = '\0';  // abstract namespace
  const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address_.size());
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&addr), length);
  ::close(fd);
}

}  // namespace pmd
