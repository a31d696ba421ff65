// Told, not asking: calls back once when a descriptor becomes readable, which for a socket whose
// peer only answers requests means the peer hung up. pmd watches its fd holder's socket this way
// instead of polling it every second.
#pragma once

#include <boost/asio/io_context.hpp>

#include <functional>
#include <memory>

namespace pmd {

class ReadableWatch {
 public:
  /// Watches a duplicate of `fd` (the caller's stays its own). Destroying the watch cancels it.
  ReadableWatch(boost::asio::io_context& io, int fd, std::function<void()> readable);
  ~ReadableWatch();
  ReadableWatch(const ReadableWatch&) = delete;
  ReadableWatch& operator=(const ReadableWatch&) = delete;

  /// False if the descriptor could not be duplicated (no watch: the caller keeps polling).
  bool active() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace pmd
