// The one place that reaps children: SIGCHLD arrives as a loop event, every exited child is
// collected with waitpid, and its status goes to whoever watches that pid. Unknown pids (orphans
// adopted because pmd is a child subreaper) are reaped and ignored, so no zombie is left.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <sys/types.h>

#include <functional>
#include <unordered_map>

namespace pmd {

class ChildReaper {
 public:
  using OnExit = std::function<void(int wait_status)>;

  explicit ChildReaper(boost::asio::io_context& io);

  void watch(pid_t pid, OnExit on_exit);
  void forget(pid_t pid);

 private:
  void arm();
  void reap_all();

  boost::asio::signal_set sigchld_;
  std::unordered_map<pid_t, OnExit> watchers_;
};

}  // namespace pmd
