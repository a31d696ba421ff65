// A periodic job whose period the job itself chooses each time: every interval while something
// needs it (someone watches, a memory limit is enforced), much less often at rest, since every
// wake-up costs the machine something even when there is nothing to do. Whatever learns that
// the pace matters again (a client's request, a deleted socket) calls hurry().
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>

namespace pmd {

class PacedTimer {
 public:
  /// Runs the job and returns how long until the next run (at least `interval`).
  using Job = std::function<std::chrono::milliseconds()>;

  PacedTimer(boost::asio::io_context& io, std::chrono::milliseconds interval, Job job);

  /// The first run happens at once.
  void start();
  /// The next run comes no later than one interval from now (it may come sooner: the cadence is
  /// kept where it already was).
  void hurry();
  /// The delay the job chose last: how often the daemon wakes up now.
  std::chrono::milliseconds pace() const { return pace_; }

 private:
  void arm();

  boost::asio::steady_timer timer_;
  std::chrono::milliseconds interval_;
  Job job_;
  std::chrono::steady_clock::time_point due_{};
  std::chrono::milliseconds pace_;
};

}  // namespace pmd
