// A ProcessOps without processes: a launch is a pair of pipes and a made-up pid, an exit is
// whatever the test says, signals are recorded, timers fire when the test fires them. Instance
// and Supervisor run on it in unit tests, so races that integration tests only hit by luck
// (a stop during a memory restart, a crash while launching) are played in a chosen order.
#pragma once

#include "process/process_ops.h"

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace pmd::test {

class FakeProcessOps : public ProcessOps {
 public:
  struct Signal {
    pid_t pgid;
    int signo;
  };
  struct Timer;

  FakeProcessOps();
  ~FakeProcessOps() override;

  std::variant<LaunchedProcess, std::string> launch(const AppSpec& spec, const InstanceIdentity& who,
                                                    const ClusterSocket& socket) override;
  void watch_exit(pid_t pid, std::function<void(int wait_status)> on_exit) override;
  void forget(pid_t pid) override;
  void signal(ProcessTree& tree, int signo) override;
  void signal_process(pid_t pid, int signo) override { signals_.push_back({pid, signo}); }
  void release(ProcessTree& tree) override;
  std::unique_ptr<DeadlineTimer> make_timer() override;
  void sweep() override {}

  // What the test does.
  /// The next launch fails with `error` (an exec that cannot happen).
  void fail_next_launch(std::string error) { next_error_ = std::move(error); }
  /// The next launch gets this pid (the kernel reusing a number).
  void give_next_pid(pid_t pid) { next_pid_ = pid; }
  /// Closes the process's stdout and stderr (EOF for the instance's readers).
  void close_output(pid_t pid);
  /// The process is reaped with `wait_status` (closing its output first, unless told not to).
  void exit(pid_t pid, int wait_status, bool close_output_first = true);
  /// Fires the armed deadline of the instance whose timer is `index` (in creation order).
  /// False if that timer is not armed.
  bool fire_timer(std::size_t index);
  /// The delay the timer `index` is armed with, or -1 ms if it is not armed.
  std::chrono::milliseconds armed_for(std::size_t index) const;

  // What the test checks.
  const std::vector<pid_t>& launched() const { return launched_; }
  const std::vector<Signal>& signals() const { return signals_; }
  int signals_to(pid_t pgid, int signo) const;
  bool watched(pid_t pid) const { return watchers_.count(pid) != 0; }
  int released() const { return released_; }
  /// Launches and releases in the order they happened: "launch <pid>", "release <pgid> <pid file>".
  const std::vector<std::string>& journal() const { return journal_; }
  std::size_t timer_count() const { return timers_.size(); }

 private:
  struct Output {
    int out = -1, err = -1;
  };
  std::string next_error_;
  pid_t next_pid_ = 40000;
  std::vector<pid_t> launched_;
  std::vector<Signal> signals_;
  std::map<pid_t, std::function<void(int)>> watchers_;
  std::map<pid_t, Output> outputs_;  // write ends, held for the "process"
  std::vector<std::shared_ptr<Timer>> timers_;
  int released_ = 0;
  std::vector<std::string> journal_;
};

/// Runs every handler that is ready (EOF of a closed pipe included) until the loop has nothing
/// left to do right now; never waits for time to pass.
void drain(boost::asio::io_context& io);

/// Runs `io` until `done()` or `limit` passes; false on the deadline.
bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
               std::chrono::milliseconds limit = std::chrono::seconds(5));

}  // namespace pmd::test
