// The read ends of one launch's output, shared by instance.cpp and instance_handover.cpp.
#pragma once

#include "logs/line_splitter.h"
#include "supervise/instance.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

namespace pmd {

// The read ends of one launch's stdout and stderr. A relaunch gets new pipes; events from old
// ones are recognised by their generation and ignored.
struct Instance::OutputPipes {
  OutputPipes(boost::asio::io_context& io, int out_fd, int err_fd, std::uint64_t gen)
      : out(io, out_fd), err(io, err_fd), generation(gen) {}
  boost::asio::posix::stream_descriptor out, err;
  LineSplitter out_lines, err_lines;
  int open = 2;
  std::uint64_t generation;
  // An upgrade is about to exec: the readers stop after what they already read (parked), and
  // leave the rest in the pipes for the next image.
  bool parking = false;
  int parked = 0;
};

}  // namespace pmd
