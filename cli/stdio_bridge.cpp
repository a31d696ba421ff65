// A byte relay between stdin/stdout and the daemon's socket, with poll().
#include "stdio_bridge.h"

#include "daemon_connection.h"
#include "session.h"
#include "write_fully.h"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>

namespace pmd::cli {

int run_stdio_bridge(bool start_if_needed) {
  ::signal(SIGPIPE, SIG_IGN);  // a side that went away ends the relay with EPIPE instead
  auto connection = connect_to_daemon(home_paths(default_home()), start_if_needed);
  if (!connection.client) {
    print_error(connection.error);
    return connection.no_daemon ? kExitNoDaemon : kExitFailed;
  }
  const int daemon = connection.client->fd();
  pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {daemon, POLLIN, 0}};
  const int to[2] = {daemon, STDOUT_FILENO};
  char buf[64 * 1024];
  for (;;) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return kExitFailed;
    }
    for (int side = 0; side < 2; ++side) {
      if (!(fds[side].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t n = ::read(fds[side].fd, buf, sizeof buf);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      // Either end closing ends the conversation: the client is done, or the daemon is gone.
      if (n <= 0) return kExitOk;
      if (write_fully(to[side], std::string_view(buf, static_cast<std::size_t>(n))) != static_cast<std::size_t>(n))
        return kExitOk;
    }
  }
}

}  // namespace pmd::cli
