// NotifySocket: receive, check credentials, hand over.
#include "process/notify_socket.h"

#include <spdlog/spdlog.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <system_error>

namespace pmd {

std::map<std::string, std::string> parse_notify_message(std::string_view text) {
  std::map<std::string, std::string> fields;
  while (!text.empty()) {
    auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    auto eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    fields[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
  }
  return fields;
}

NotifySocket::NotifySocket(boost::asio::io_context& io, Handler handler, int adopted_fd, std::string adopted_address)
    : socket_(io), handler_(std::move(handler)) {
  if (adopted_fd >= 0 && adopted_address.size() > 1 && adopted_address[0] == '@') {
    socket_.assign(adopted_fd);
    socket_.non_blocking(true);
    address_ = std::move(adopted_address);
    wait();
    return;
  }
  if (adopted_fd >= 0) ::close(adopted_fd);
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "notify socket");
  // Unique per daemon: several daemons (tests, other users) run side by side.
  std::random_device random;
  std::string name = "pmd-notify-" + std::to_string(::getpid()) + "-" + std::to_string(random() % 1000000);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path + 1, name.data(), name.size());  // sun_path[0] = 0: abstract
  auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  int on = 1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      ::setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on) != 0) {
    int err = errno;
    ::close(fd);
    throw std::system_error(err, std::generic_category(), "notify socket");
  }
  socket_.assign(fd);
  address_ = "@" + name;
  wait();
}

void NotifySocket::wait() {
  socket_.async_wait(boost::asio::posix::stream_descriptor::wait_read, [this](const boost::system::error_code& ec) {
    if (ec) return;
    drain();
    wait();
  });
}

void NotifySocket::drain() {
  for (;;) {
    char data[4096];
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
    iovec iov{data, sizeof data - 1};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = ::recvmsg(socket_.native_handle(), &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // EAGAIN: drained
    }
    const ucred* sender = nullptr;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS)
        sender = reinterpret_cast<const ucred*>(CMSG_DATA(c));
      // Nobody passes fds to us on purpose (FDSTORE is not supported): close any we received.
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
        std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (std::size_t i = 0; i < count; ++i) {
          int received;
          std::memcpy(&received, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
          ::close(received);
        }
      }
    }
    if (!sender || sender->pid <= 0) continue;
    handler_(sender->pid, parse_notify_message(std::string_view(data, static_cast<std::size_t>(n))));
  }
}

}  // namespace pmd
