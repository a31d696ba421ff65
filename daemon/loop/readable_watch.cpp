// ReadableWatch: a stream_descriptor on a dup, one async_wait.
#include "loop/readable_watch.h"

#include <boost/asio/posix/stream_descriptor.hpp>

#include <fcntl.h>

namespace pmd {

struct ReadableWatch::State {
  explicit State(boost::asio::io_context& io) : descriptor(io) {}
  boost::asio::posix::stream_descriptor descriptor;
};

ReadableWatch::ReadableWatch(boost::asio::io_context& io, int fd, std::function<void()> readable)
    : state_(std::make_shared<State>(io)) {
  const int copy = fd >= 0 ? ::fcntl(fd, F_DUPFD_CLOEXEC, 0) : -1;
  if (copy < 0) return;
  state_->descriptor.assign(copy);
  // The state outlives a callback that destroys this watch (the handler holds it).
  state_->descriptor.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                                [keep = state_, readable = std::move(readable)](const boost::system::error_code& ec) {
                                  if (!ec) readable();
                                });
}

ReadableWatch::~ReadableWatch() {
  boost::system::error_code ignored;
  state_->descriptor.close(ignored);  // the pending wait ends with operation_aborted
}

bool ReadableWatch::active() const { return state_->descriptor.is_open(); }

}  // namespace pmd
