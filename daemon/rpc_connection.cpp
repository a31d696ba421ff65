// RpcConnection: ordered, bounded output.
#include "rpc_connection.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace pmd {

namespace asio = boost::asio;

RpcConnection::RpcConnection(asio::io_context& io, asio::local::stream_protocol::socket socket)
    : socket_(std::move(socket)), wake_(io) {}

void RpcConnection::send(std::string message) {
  if (closed_) return;
  queued_bytes_ += message.size();
  queue_.push_back(std::move(message));
  wake_.notify_all();
}

bool RpcConnection::send_stream(std::string message) {
  if (closed_ || queued_bytes_ + message.size() > kMaxStreamBacklog) return false;
  send(std::move(message));
  return true;
}

void RpcConnection::on_close(std::function<void()> callback) {
  if (closed_) callback();
  else on_close_.push_back(std::move(callback));
}

void RpcConnection::close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ignored;
  socket_.close(ignored);
  wake_.notify_all();
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
    boost::system::error_code ec;
    co_await asio::async_write(socket_, asio::buffer(queue_.front()), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      close();
      co_return;
    }
    queued_bytes_ -= queue_.front().size();
    queue_.pop_front();
  }
}

}  // namespace pmd
