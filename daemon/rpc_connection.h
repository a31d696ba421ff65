// One client connection's outgoing side: replies and stream notifications go through one queue,
// written in order by a single writer, so a stream (logs -f) never interleaves with a reply.
// A slow reader only ever costs its own bounded queue.
#pragma once

#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without including it

#include "async_event.h"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace pmd {

class RpcConnection : public std::enable_shared_from_this<RpcConnection> {
 public:
  /// Stream messages are refused beyond this many queued bytes (the reader is too slow).
  static constexpr std::size_t kMaxStreamBacklog = 4 << 20;

  RpcConnection(boost::asio::io_context& io, boost::asio::local::stream_protocol::socket socket);

  boost::asio::local::stream_protocol::socket& socket() { return socket_; }

  /// Queues a reply: always accepted.
  void send(std::string message);
  /// Queues a stream message unless the backlog is full; returns whether it was queued.
  bool send_stream(std::string message);

  /// Runs when the connection ends (the client hung up or the daemon closed it).
  void on_close(std::function<void()> callback);
  bool closed() const { return closed_; }
  void close();
  /// Closes once everything queued has been written.
  void close_after_flush();

  /// Writes the queue until the connection closes.
  boost::asio::awaitable<void> write_loop();

 private:
  boost::asio::local::stream_protocol::socket socket_;
  std::deque<std::string> queue_;
  std::size_t queued_bytes_ = 0;
  AsyncEvent wake_;
  bool closed_ = false;
  bool close_when_flushed_ = false;
  std::vector<std::function<void()>> on_close_;
};

}  // namespace pmd
