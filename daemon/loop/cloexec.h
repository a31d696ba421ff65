// Asio opens and accepts sockets without SOCK_CLOEXEC; every one the daemon keeps to itself is
// marked at once, so no exec (an app's, the fd holder's, an in-place upgrade's) inherits it.
#pragma once

#include <fcntl.h>

namespace pmd {

inline void set_cloexec(int fd) {
  if (fd < 0) return;
  const int flags = ::fcntl(fd, F_GETFD);
  if (flags >= 0) ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

}  // namespace pmd
