// The dashboard talks to its own daemon as pmctl does: over the control socket, in JSON-RPC.
// So every action goes through the very methods (and checks, and bounds) pmctl's do, and a
// live log stream is an ordinary `logs` follower, paused like any other when its reader is slow.
// One connection per HTTP request; all of it on the daemon's event loop.
#pragma once

#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without including it

#include "jsonrpc.h"
#include "line_framer.h"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

namespace pmd {

class DaemonConnection {
 public:
  /// The largest reply read (a `list` of thousands of instances, 2,000 recent log lines).
  static constexpr std::size_t kMaxLine = 64 << 20;

  explicit DaemonConnection(boost::asio::io_context& io);
  /// Connects and sends one request; throws boost::system::system_error when pmd's socket
  /// cannot be reached.
  boost::asio::awaitable<void> open(const std::filesystem::path& socket, const std::string& method,
                                    const nlohmann::json& params);
  /// The next message (a notification or the reply), or nullopt when none came within
  /// `patience`. Throws rpc::Error when the daemon hung up or wrote something that is not one.
  /// With `keep_result_text`, a result is checked but kept as the daemon wrote it (result_text),
  /// not parsed: what is passed on as it came is not built as a DOM and written again.
  boost::asio::awaitable<std::optional<rpc::Response>> next(std::chrono::milliseconds patience,
                                                            bool keep_result_text = false);
  void close();

 private:
  boost::asio::io_context& io_;
  boost::asio::local::stream_protocol::socket socket_;
  LineFramer framer_{kMaxLine};
};

}  // namespace pmd
