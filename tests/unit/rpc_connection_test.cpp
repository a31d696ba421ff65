// A connection's output queue: replies always queue, stream messages stop at the backlog bound
// so a reader that does not keep up costs bounded memory and never blocks the daemon.
#include "rpc_connection.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <catch2/catch.hpp>

TEST_CASE("stream messages are refused past the backlog bound, replies still go out", "[rpc]") {
  boost::asio::io_context io;
  boost::asio::local::stream_protocol::socket ours(io), theirs(io);
  boost::asio::local::connect_pair(ours, theirs);
  auto connection = std::make_shared<pmd::RpcConnection>(io, std::move(ours));
  // No writer runs and nobody reads: everything stays queued.
  const std::string line(1024, 'x');
  std::size_t accepted = 0;
  while (connection->send_stream(line)) ++accepted;
  CHECK(accepted == pmd::RpcConnection::kMaxStreamBacklog / line.size());
  connection->send("a reply is never refused\n");
  bool closed = false;
  connection->on_close([&] { closed = true; });
  connection->close();
  CHECK(closed);
  CHECK_FALSE(connection->send_stream(line));
}
