// A broadcast wake-up for coroutines on the loop: waiters re-check their condition after each
// notify. Boost 1.74 has no channel or condition variable for awaitables; a timer that never
// expires and is cancelled to wake everyone is the usual substitute.
#pragma once

#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without including it

#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace pmd {

class AsyncEvent {
 public:
  explicit AsyncEvent(boost::asio::io_context& io) : timer_(io) {
    timer_.expires_at(boost::asio::steady_timer::time_point::max());
  }

  /// Wakes every coroutine currently waiting.
  void notify_all() { timer_.cancel(); }

  /// Suspends until the next notify_all().
  boost::asio::awaitable<void> wait() {
    boost::system::error_code ec;
    co_await timer_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  }

 private:
  boost::asio::steady_timer timer_;
};

}  // namespace pmd
