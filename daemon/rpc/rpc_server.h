// The daemon's end of the protocol: accepts on the Unix socket, refuses peers of another uid,
// frames NDJSON, and hands each request to the method table. A client can send garbage, hang up
// mid-line or never speak; it costs only its own connection.
#pragma once

#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without including it

#include "rpc/method_table.h"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include <filesystem>
#include <string>

namespace pmd {

class RpcServer {
 public:
  RpcServer(boost::asio::io_context& io, const MethodTable& methods);

  /// Binds the socket (replacing a stale file), mode 0600, and starts accepting. Returns an error
  /// sentence on failure.
  std::string listen(const std::filesystem::path& socket_path);
  void close();

 private:
  void start_accepting();
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> serve(boost::asio::local::stream_protocol::socket socket);
  boost::asio::awaitable<std::string> handle_line(const std::string& line,
                                                  const std::shared_ptr<RpcConnection>& connection);

  boost::asio::io_context& io_;
  const MethodTable& methods_;
  boost::asio::local::stream_protocol::acceptor acceptor_;
  std::filesystem::path socket_path_;
};

}  // namespace pmd
