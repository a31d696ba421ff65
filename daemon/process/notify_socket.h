// The daemon's end of systemd's readiness protocol (sd_notify): one datagram socket in the
// abstract namespace, named to apps by NOTIFY_SOCKET. Any language can say READY=1 on it
// (`systemd-notify --ready`, libsystemd, or four lines of code). The kernel stamps each datagram
// with the sender's pid (SO_PASSCRED), which is how a message is matched to its instance; a
// datagram without credentials is dropped.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <sys/types.h>

#include <functional>
#include <map>
#include <string>

namespace pmd {

class NotifySocket {
 public:
  /// Fields of one datagram ("READY" -> "1", "STATUS" -> "..."), from the process `sender`.
  using Handler = std::function<void(pid_t sender, const std::map<std::string, std::string>& fields)>;

  /// Binds the socket; throws std::system_error if it cannot. With `adopted_fd` (the socket a
  /// previous pmd bound, at `adopted_address`), serves that one instead: its apps keep reaching it.
  NotifySocket(boost::asio::io_context& io, Handler handler, int adopted_fd = -1, std::string adopted_address = {});
  int native_handle() { return socket_.native_handle(); }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  /// The NOTIFY_SOCKET value ("@pmd-notify-..." : abstract, so apps running as another user
  /// reach it too, while credentials still say who sent what).
  const std::string& address() const { return address_; }

 private:
  void wait();
  void drain();

  boost::asio::posix::stream_descriptor socket_;
  Handler handler_;
  std::string address_;
};

/// "READY=1\nSTATUS=x\n" -> {READY: 1, STATUS: x}. Lines without '=' are ignored.
std::map<std::string, std::string> parse_notify_message(std::string_view text);

}  // namespace pmd
