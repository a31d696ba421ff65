// One client connection's outgoing side: replies and stream notifications go through one queue,
// written in order by a single writer, so a stream (logs -f) never interleaves with a reply.
// A slow reader only ever costs its own bounded queue.
#pragma once

#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without including it

#include "loop/async_event.h"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace pmd {

/// An encoded message, shared by every connection it is queued on (one log line, one sample).
using SharedMessage = std::shared_ptr<const std::string>;

class RpcConnection : public std::enable_shared_from_this<RpcConnection> {
 public:
  /// Stream messages are refused beyond this many queued bytes (the reader is too slow).
  static constexpr std::size_t kMaxStreamBacklog = 4 << 20;
  /// ... and beyond this many queued on all connections together (100 stuck followers must not
  /// hold 100 backlogs' worth).
  static constexpr std::size_t kMaxTotalStreamBacklog = 32 << 20;
  /// Past this many unsent bytes the connection's requests are no longer read (backpressure): a
  /// client that pipelines requests and never reads the replies stops being served, not fed.
  static constexpr std::size_t kMaxReplyBacklog = 1 << 20;

  RpcConnection(boost::asio::io_context& io, boost::asio::local::stream_protocol::socket socket);
  ~RpcConnection();

  boost::asio::local::stream_protocol::socket& socket() { return socket_; }

  /// Queues a reply: always accepted (the reader waits on reply_backlog_full() before the next).
  void send(std::string message);
  /// Queues a stream message unless a backlog bound would be passed; returns whether it was.
  bool send_stream(std::string message);
  bool send_stream(const SharedMessage& message);
  /// Whether `bytes` more of stream could be queued now: checked before the work of encoding a
  /// message, so a follower stuck at its bound costs nothing per line. The default leaves room
  /// for any log line's notification, so a near-full backlog counts as full.
  bool stream_has_room(std::size_t bytes = kStreamHeadroom) const;
  static constexpr std::size_t kStreamHeadroom = 192 << 10;

  bool reply_backlog_full() const { return queued_bytes_ >= kMaxReplyBacklog; }
  /// Suspends until the queue is below kMaxReplyBacklog or the connection closed.
  boost::asio::awaitable<void> wait_until_drained();

  /// Runs when the connection ends (the client hung up or the daemon closed it).
  void on_close(std::function<void()> callback);
  bool closed() const { return closed_; }
  void close();
  /// Closes once everything queued has been written.
  void close_after_flush();

  /// Writes the queue until the connection closes.
  boost::asio::awaitable<void> write_loop();

  /// Stream bytes queued on every connection (for tests and metrics).
  static std::size_t total_stream_bytes() { return total_stream_bytes_; }

 private:
  struct Queued {
    SharedMessage message;
    bool stream = false;
  };
  void enqueue(SharedMessage message, bool stream);
  void drop_queue();

  boost::asio::local::stream_protocol::socket socket_;
  std::deque<Queued> queue_;
  std::size_t queued_bytes_ = 0;
  std::size_t stream_bytes_ = 0;  // this connection's share of total_stream_bytes_
  std::size_t peak_bytes_ = 0;
  AsyncEvent wake_;
  AsyncEvent drained_;
  bool closed_ = false;
  bool close_when_flushed_ = false;
  std::vector<std::function<void()>> on_close_;
  static inline std::size_t total_stream_bytes_ = 0;
};

}  // namespace pmd
