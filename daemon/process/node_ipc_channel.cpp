// NodeIpcChannel: a socketpair, line framing and JSON.
#include "process/node_ipc_channel.h"
#include "loop/detached.h"

#include "bounded_json.h"

#include "line_framer.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace pmd {

namespace asio = boost::asio;

namespace {
constexpr std::size_t kMaxMessageBytes = 1 << 20;  // a larger message is skipped, not buffered
}

std::shared_ptr<NodeIpcChannel> NodeIpcChannel::create(asio::io_context& io) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return nullptr;
  return std::shared_ptr<NodeIpcChannel>(new NodeIpcChannel(io, fds[0], fds[1]));
}

std::shared_ptr<NodeIpcChannel> NodeIpcChannel::adopt(asio::io_context& io, int parent_fd) {
  return std::shared_ptr<NodeIpcChannel>(new NodeIpcChannel(io, parent_fd, -1));
}

int NodeIpcChannel::fd() const {
  return socket_.is_open() ? const_cast<NodeIpcChannel*>(this)->socket_.native_handle() : -1;
}

NodeIpcChannel::NodeIpcChannel(asio::io_context& io, int parent_fd, int child_fd)
    : socket_(io, parent_fd), child_fd_(child_fd) {
  socket_.non_blocking(true);
}

NodeIpcChannel::~NodeIpcChannel() { child_end_passed(); }

void NodeIpcChannel::child_end_passed() {
  if (child_fd_ >= 0) ::close(child_fd_);
  child_fd_ = -1;
}

void NodeIpcChannel::start(Handler handler) {
  asio::co_spawn(socket_.get_executor(), read_loop(std::move(handler)), logged("reading a Node app's IPC channel"));
}

asio::awaitable<void> NodeIpcChannel::read_loop(Handler handler) {
  auto self = shared_from_this();
  LineFramer framer(kMaxMessageBytes);
  std::array<char, 8192> buf;
  for (;;) {
    boost::system::error_code ec;
    std::size_t n = co_await socket_.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
    if (n > 0) {
      framer.feed(std::string_view(buf.data(), n));
      for (auto frame = framer.next(); frame.kind != LineFramer::Frame::Kind::kNone; frame = framer.next()) {
        if (frame.kind != LineFramer::Frame::Kind::kLine) continue;
        BoundedJson message = parse_json_bounded(frame.line);
        if (message.status == BoundedJson::kOk) handler(message.value);
      }
    }
    if (ec) break;
  }
}

bool NodeIpcChannel::send(const nlohmann::json& message) {
  if (!socket_.is_open()) return false;
  std::string line = message.dump() + "\n";
  ssize_t n = ::send(socket_.native_handle(), line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  return n == static_cast<ssize_t>(line.size());
}

bool NodeIpcChannel::send_handle(const nlohmann::json& message, int fd) {
  if (!socket_.is_open()) return false;
  // Node's wire form for a handle: the JSON line and the fd in one sendmsg (SCM_RIGHTS messages
  // are never coalesced, so the child matches the fd to this line).
  std::string line = nlohmann::json{{"cmd", "NODE_HANDLE"}, {"type", "net.Native"}, {"msg", message}}.dump() + "\n";
  iovec iov{line.data(), line.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
  ssize_t n = ::sendmsg(socket_.native_handle(), &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
  return n == static_cast<ssize_t>(line.size());
}

void NodeIpcChannel::close() {
  boost::system::error_code ignored;
  socket_.close(ignored);
}

}  // namespace pmd
