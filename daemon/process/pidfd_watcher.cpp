// PidfdWatcher: pidfd_open + wait for readability.
#include "process/pidfd_watcher.h"

#include <boost/asio/posix/stream_descriptor.hpp>

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

namespace pmd {

struct PidfdWatcher::Watch {
  Watch(boost::asio::io_context& io, int fd, OnExit f) : descriptor(io, fd), on_exit(std::move(f)) {}
  boost::asio::posix::stream_descriptor descriptor;
  OnExit on_exit;
};

bool PidfdWatcher::watch(pid_t pid, OnExit on_exit) {
  int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) return false;
  ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  auto w = std::make_shared<Watch>(io_, fd, std::move(on_exit));
  watches_[pid] = w;
  std::weak_ptr<Watch> weak = w;
  w->descriptor.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                           [this, pid, weak](const boost::system::error_code& ec) {
                             auto self = weak.lock();
                             if (ec || !self) return;
                             OnExit handler = std::move(self->on_exit);
                             watches_.erase(pid);
                             handler(kUnknownStatus);
                           });
  return true;
}

void PidfdWatcher::forget(pid_t pid) { watches_.erase(pid); }

}  // namespace pmd
