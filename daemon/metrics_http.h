// `pmd --metrics 127.0.0.1:9209`: the monitor's Prometheus text on GET /metrics, over plain
// HTTP/1.1 (Boost.Beast), keep-alive, on the daemon's event loop. Nothing else is served.
#pragma once

#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without including it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "web/http_address.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace pmd {

class MetricsHttpServer {
 public:
  MetricsHttpServer(boost::asio::io_context& io, std::function<std::string()> render);

  /// Binds and starts serving; an error message (e.g. the port is in use) on failure.
  std::string listen(const HttpAddress& address);
  /// The port actually bound (useful with port 0).
  std::uint16_t port() const;
  void close();

 private:
  boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& io_;
  std::function<std::string()> render_;
  boost::asio::ip::tcp::acceptor acceptor_;
};

}  // namespace pmd
