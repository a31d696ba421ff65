// What the daemon's two HTTP servers (/metrics and the dashboard) share: a TCP listener opened
// close-on-exec at an address a person wrote, and the loop that accepts its connections.
#pragma once

#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without including it

#include "web/http_address.h"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <functional>
#include <string>

namespace pmd {

/// Opens `acceptor` listening at `address`; "" on success, else a sentence naming `what` is
/// served and, when the port is taken, the `flag` that chooses another.
std::string open_listener(boost::asio::ip::tcp::acceptor& acceptor, const HttpAddress& address, const std::string& what,
                          const std::string& flag);

/// Accepts connections until the acceptor closes, giving each (close-on-exec) to `serve`. When
/// accepting fails (EMFILE and friends) it pauses 100 ms: the RPC socket matters more.
boost::asio::awaitable<void> accept_each(boost::asio::ip::tcp::acceptor& acceptor,
                                         std::function<void(boost::asio::ip::tcp::socket)> serve);

}  // namespace pmd
