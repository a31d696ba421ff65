// ChildReaper: SIGCHLD -> waitpid loop -> watcher.
#include "process/child_reaper.h"

#include <boost/asio/post.hpp>

#include <sys/wait.h>

#include <csignal>

namespace pmd {

ChildReaper::ChildReaper(boost::asio::io_context& io) : sigchld_(io, SIGCHLD) { arm(); }

void ChildReaper::watch(pid_t pid, OnExit on_exit) {
  watchers_[pid] = std::move(on_exit);
  // A child adopted across an upgrade (pmd re-exec'd itself) may have exited before this image
  // set up its SIGCHLD handling: its zombie is collected on the next turn of the loop.
  boost::asio::post(sigchld_.get_executor(), [this] { reap_all(); });
}

void ChildReaper::forget(pid_t pid) { watchers_.erase(pid); }

void ChildReaper::arm() {
  sigchld_.async_wait([this](const boost::system::error_code& ec, int) {
    if (ec) return;
    reap_all();
    arm();
  });
}

void ChildReaper::reap_all() {
  // SIGCHLD coalesces: one delivery can stand for many exits, so drain them all.
  for (;;) {
    int status = 0;
    pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return;
    auto it = watchers_.find(pid);
    if (it == watchers_.end()) continue;
    OnExit on_exit = std::move(it->second);
    watchers_.erase(it);
    on_exit(status);
  }
}

}  // namespace pmd
