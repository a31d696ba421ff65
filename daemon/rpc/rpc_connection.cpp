// RpcConnection: ordered, bounded output.
#include "rpc/rpc_connection.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <malloc.h>

namespace pmd {

namespace asio = boost::asio;

RpcConnection::RpcConnection(asio::io_context& io, asio::local::stream_protocol::socket socket)
    : socket_(std::move(socket)), wake_(io), drained_(io) {}

RpcConnection::~RpcConnection() { drop_queue(); }

void RpcConnection::enqueue(SharedMessage message, bool stream) {
  if (closed_) return;
  queued_bytes_ += message->size();
  peak_bytes_ = std::max(peak_bytes_, queued_bytes_);
  if (stream) {
    stream_bytes_ += message->size();
    total_stream_bytes_ += message->size();
  }
  queue_.push_back({std::move(message), stream});
  wake_.notify_all();
}

void RpcConnection::send(std::string message) {
  enqueue(std::make_shared<const std::string>(std::move(message)), false);
}

bool RpcConnection::stream_has_room(std::size_t bytes) const {
  return !closed_ && queued_bytes_ + bytes <= kMaxStreamBacklog &&
         total_stream_bytes_ + bytes <= kMaxTotalStreamBacklog;
}

bool RpcConnection::send_stream(const SharedMessage& message) {
  if (closed_ || queued_bytes_ + message->size() > kMaxStreamBacklog ||
      total_stream_bytes_ + message->size() > kMaxTotalStreamBacklog)
    return false;
  enqueue(message, true);
  return true;
}

bool RpcConnection::send_stream(std::string message) {
  return send_stream(std::make_shared<const std::string>(std::move(message)));
}

asio::awaitable<void> RpcConnection::wait_until_drained() {
  auto self = shared_from_this();
  while (!closed_ && reply_backlog_full()) co_await drained_.wait();
}

void RpcConnection::on_close(std::function<void()> callback) {
  if (closed_)
    callback();
  else
    on_close_.push_back(std::move(callback));
}

void RpcConnection::drop_queue() {
  total_stream_bytes_ -= stream_bytes_;
  stream_bytes_ = 0;
  queued_bytes_ = 0;
  std::deque<Queued>().swap(queue_);
  // A client that made pmd queue megabytes leaves: give the memory back to the system rather
  // than keep the daemon's high-water mark for ever.
  if (peak_bytes_ >= kMaxReplyBacklog) ::malloc_trim(0);
  peak_bytes_ = 0;
}

void RpcConnection::close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ignored;
  socket_.close(ignored);
  drop_queue();
  wake_.notify_all();
  drained_.notify_all();
  auto callbacks = std::move(on_close_);
  for (auto& cb : callbacks) cb();
}

void RpcConnection::close_after_flush() {
  close_when_flushed_ = true;
  wake_.notify_all();
}

asio::awaitable<void> RpcConnection::write_loop() {
  auto self = shared_from_this();
  while (!closed_) {
    if (queue_.empty()) {
      if (close_when_flushed_) {
        close();
        co_return;
      }
      co_await wake_.wait();
      continue;
    }
    // The message stays alive through the write even if close() empties the queue meanwhile.
    SharedMessage front = queue_.front().message;
    boost::system::error_code ec;
    co_await asio::async_write(socket_, asio::buffer(*front), asio::redirect_error(asio::use_awaitable, ec));
    if (ec || closed_) {
      close();
      co_return;
    }
    queued_bytes_ -= front->size();
    if (queue_.front().stream) {
      stream_bytes_ -= front->size();
      total_stream_bytes_ -= front->size();
    }
    queue_.pop_front();
    if (!reply_backlog_full()) drained_.notify_all();
  }
}

}  // namespace pmd
