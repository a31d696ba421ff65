// `pmd --web 127.0.0.1:9615`: the dashboard over HTTP/1.1 (Boost.Beast) on the daemon's event
// loop. It serves the page built into the binary and a small JSON API (web_routes.h), checks
// every request against the access rules (web_access.h), and carries out each API call as a
// JSON-RPC request on pmd's own socket (daemon_connection.h): reads answer as JSON, actions
// stream their progress as NDJSON, and /api/logs/stream is a `logs` follower as Server-Sent
// Events.
#pragma once

#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without including it

#include "web/http_address.h"
#include "web/web_access.h"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <filesystem>
#include <string>
#include <string_view>

namespace pmd {

class WebServer {
 public:
  /// Connections served at once; more are answered 503 and closed.
  static constexpr int kMaxConnections = 64;

  WebServer(boost::asio::io_context& io, std::filesystem::path daemon_socket, std::string_view page);

  /// Binds and starts serving; an error sentence on failure.
  std::string listen(const HttpAddress& address, std::string token);
  bool serving() const { return acceptor_.is_open(); }
  /// "http://127.0.0.1:9615/" (the bound port, also for port 0).
  std::string url() const;
  /// "127.0.0.1:9615", the address bound (its real port, also when asked for port 0).
  std::string bound() const { return host_and_port(address_.host, address_.port); }
  bool loopback() const { return rules_.loopback; }
  void close();

 private:
  boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& io_;
  std::filesystem::path daemon_socket_;
  std::string_view page_;
  boost::asio::ip::tcp::acceptor acceptor_;
  HttpAddress address_;
  WebAccessRules rules_;
  int connections_ = 0;
};

}  // namespace pmd
