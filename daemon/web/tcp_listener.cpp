// Listening and accepting.
#include "web/tcp_listener.h"

#include "loop/cloexec.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>

namespace pmd {

namespace asio = boost::asio;
using asio::ip::tcp;

std::string open_listener(tcp::acceptor& acceptor, const HttpAddress& address, const std::string& what,
                          const std::string& flag) {
  boost::system::error_code ec;
  tcp::endpoint endpoint(asio::ip::make_address(address.host, ec), address.port);
  if (!ec) acceptor.open(endpoint.protocol(), ec);
  if (!ec) set_cloexec(acceptor.native_handle());
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) return {};
  boost::system::error_code ignored;
  acceptor.close(ignored);
  std::string why = "cannot serve " + what + " on " + host_and_port(address.host, address.port) + ": ";
  if (ec == asio::error::address_in_use) return why + "the port is in use; choose another with " + flag + " HOST:PORT";
  return why + ec.message();
}

asio::awaitable<void> accept_each(tcp::acceptor& acceptor, std::function<void(tcp::socket)> serve) {
  while (acceptor.is_open()) {
    boost::system::error_code ec;
    tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) {
      asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(100));
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    set_cloexec(socket.native_handle());
    serve(std::move(socket));
  }
}

}  // namespace pmd
