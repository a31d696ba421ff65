// A connection's output queue: replies always queue, stream messages stop at the backlog bound
// so a reader that does not keep up costs bounded memory and never blocks the daemon.
#include "rpc/rpc_connection.h"

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

TEST_CASE("stream backlogs are bounded across connections, and replies apply backpressure", "[rpc]") {
  boost::asio::io_context io;
  std::vector<std::shared_ptr<pmd::RpcConnection>> connections;
  std::vector<boost::asio::local::stream_protocol::socket> peers;
  // One shared message queued on many stuck connections: the total bound stops them, not each
  // connection's own.
  auto message = std::make_shared<const std::string>(std::string(64 * 1024, 'x'));
  std::size_t accepted = 0;
  for (int i = 0; i < 20; ++i) {
    boost::asio::local::stream_protocol::socket ours(io), theirs(io);
    boost::asio::local::connect_pair(ours, theirs);
    connections.push_back(std::make_shared<pmd::RpcConnection>(io, std::move(ours)));
    peers.push_back(std::move(theirs));
    while (connections.back()->stream_has_room(message->size()) && connections.back()->send_stream(message)) ++accepted;
  }
  CHECK(accepted * message->size() <= pmd::RpcConnection::kMaxTotalStreamBacklog);
  CHECK(accepted * message->size() > pmd::RpcConnection::kMaxTotalStreamBacklog - message->size());
  CHECK(pmd::RpcConnection::total_stream_bytes() == accepted * message->size());
  // Closing gives the budget back.
  for (auto& c : connections) c->close();
  CHECK(pmd::RpcConnection::total_stream_bytes() == 0);

  boost::asio::local::stream_protocol::socket ours(io), theirs(io);
  boost::asio::local::connect_pair(ours, theirs);
  auto replies = std::make_shared<pmd::RpcConnection>(io, std::move(ours));
  CHECK_FALSE(replies->reply_backlog_full());
  replies->send(std::string(pmd::RpcConnection::kMaxReplyBacklog, 'r'));
  CHECK(replies->reply_backlog_full());
  // The writer drains it once the peer reads; then the backlog is no longer full.
  boost::asio::co_spawn(io, replies->write_loop(), boost::asio::detached);
  std::vector<char> sink(pmd::RpcConnection::kMaxReplyBacklog);
  std::size_t read = 0;
  while (replies->reply_backlog_full()) {
    io.poll();
    boost::system::error_code ec;
    if (theirs.available(ec) > 0) read += theirs.read_some(boost::asio::buffer(sink), ec);
  }
  CHECK(read > 0);
  replies->close();
  io.poll();
}
