// Exits of processes that are not pmd's children: the apps a new pmd adopts after the previous
// one was killed or crashed (they were re-parented to init or a subreaper). A pidfd becomes
// readable when its process ends; how it ended is known only to its parent, so the watcher
// reports kUnknownWaitStatus.
#pragma once

#include <boost/asio/io_context.hpp>

#include <sys/types.h>

#include <functional>
#include <memory>
#include <unordered_map>

namespace pmd {

class PidfdWatcher {
 public:
  using OnExit = std::function<void(int wait_status)>;
  /// What on_exit gets (policy::kUnknownWaitStatus, restated here: process/ is below supervise/).
  static constexpr int kUnknownStatus = -1;
  explicit PidfdWatcher(boost::asio::io_context& io) : io_(io) {}

  /// False when no pidfd could be had (the process is already gone, or an old kernel): the
  /// caller then treats it as ended.
  bool watch(pid_t pid, OnExit on_exit);
  void forget(pid_t pid);

 private:
  struct Watch;
  boost::asio::io_context& io_;
  std::unordered_map<pid_t, std::shared_ptr<Watch>> watches_;
};

}  // namespace pmd
