// A client connection to the daemon's own socket.
#include "web/daemon_connection.h"

#include "loop/cloexec.h"

#include <boost/asio/buffer.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <array>

namespace pmd {

namespace asio = boost::asio;

DaemonConnection::DaemonConnection(asio::io_context& io) : io_(io), socket_(io) {}

asio::awaitable<void> DaemonConnection::open(const std::filesystem::path& socket, const std::string& method,
                                             const nlohmann::json& params) {
  socket_.open();
  set_cloexec(socket_.native_handle());
  co_await socket_.async_connect(asio::local::stream_protocol::endpoint(socket.string()), asio::use_awaitable);
  co_await asio::async_write(socket_, asio::buffer(rpc::encode_request(1, method, params)), asio::use_awaitable);
}

asio::awaitable<std::optional<rpc::Response>> DaemonConnection::next(std::chrono::milliseconds patience,
                                                                     bool keep_result_text) {
  for (;;) {
    auto frame = framer_.next();
    if (frame.kind == LineFramer::Frame::Kind::kOversized)
      throw rpc::Error(rpc::kInternalError, "pmd's answer is larger than the dashboard reads");
    if (frame.kind == LineFramer::Frame::Kind::kLine) {
      if (frame.line.empty()) continue;
      co_return keep_result_text ? rpc::parse_response_keeping_text(std::move(frame.line))
                                 : rpc::parse_response(frame.line);
    }
    // Nothing whole yet: read, giving up after `patience` (the timer cancels the read).
    asio::steady_timer timer(io_, patience);
    timer.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) socket_.cancel();
    });
    std::array<char, 64 * 1024> chunk;
    boost::system::error_code ec;
    std::size_t n =
        co_await socket_.async_read_some(asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, ec));
    timer.cancel();
    if (ec == asio::error::operation_aborted) co_return std::nullopt;
    if (ec) throw rpc::Error(rpc::kInternalError, "pmd hung up: " + ec.message());
    framer_.feed(std::string_view(chunk.data(), n));
  }
}

void DaemonConnection::close() {
  boost::system::error_code ignored;
  socket_.close(ignored);
}

}  // namespace pmd
