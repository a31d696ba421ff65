// The parent's end of a Node IPC channel, the one child_process.fork() would have made: Node
// opens it in the child from NODE_CHANNEL_FD, so `process.send('ready')` and
// `process.on('message')` work unchanged from PM2. Wire format ("json" serialization): one
// JSON.stringify'd message per line.
#pragma once

#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without including it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <string>

namespace pmd {

class NodeIpcChannel : public std::enable_shared_from_this<NodeIpcChannel> {
 public:
  using Handler = std::function<void(const nlohmann::json& message)>;

  /// A connected socket pair: ours (O_CLOEXEC) and the child's (give it to the spawner, then
  /// call child_end_passed()). nullptr if the pair cannot be made.
  static std::shared_ptr<NodeIpcChannel> create(boost::asio::io_context& io);

  /// Our end of a channel a previous pmd opened (taken back from the fd holder).
  static std::shared_ptr<NodeIpcChannel> adopt(boost::asio::io_context& io, int parent_fd);

  int child_end() const { return child_fd_; }
  /// Our end, for the fd holder; -1 once closed.
  int fd() const;
  /// Closes our copy of the child's end once the child has it.
  void child_end_passed();

  /// Reads messages until the child closes its end; each goes to `handler`.
  void start(Handler handler);
  /// Sends one message (best effort: a child that never reads cannot block the daemon).
  bool send(const nlohmann::json& message);
  /// Sends a listening socket the way a Node parent sends a raw handle (`type: net.Native`):
  /// the child receives it as an 'internalMessage' (msg, handle) when msg.cmd starts with NODE_.
  bool send_handle(const nlohmann::json& message, int fd);
  void close();

  ~NodeIpcChannel();

 private:
  NodeIpcChannel(boost::asio::io_context& io, int parent_fd, int child_fd);
  boost::asio::awaitable<void> read_loop(Handler handler);

  boost::asio::posix::stream_descriptor socket_;
  int child_fd_;
};

}  // namespace pmd
