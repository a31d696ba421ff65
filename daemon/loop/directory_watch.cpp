// DirectoryWatch: one inotify instance, one watch, read on the loop.
#include "loop/directory_watch.h"

#include <sys/inotify.h>

#include <cstring>

namespace pmd {

namespace {
constexpr std::uint32_t kEntryChanges =
    IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
}

DirectoryWatch::DirectoryWatch(boost::asio::io_context& io, std::filesystem::path directory,
                               std::function<void()> changed)
    : inotify_(io), directory_(std::move(directory)), changed_(std::move(changed)) {
  int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return;
  inotify_.assign(fd);
  renew();
  read_events();
}

void DirectoryWatch::renew() {
  if (watch_ >= 0 || !inotify_.is_open()) return;
  watch_ = ::inotify_add_watch(inotify_.native_handle(), directory_.c_str(), kEntryChanges);
}

void DirectoryWatch::read_events() {
  inotify_.async_read_some(boost::asio::buffer(buffer_), [this](const boost::system::error_code& ec, std::size_t n) {
    if (ec) return;  // closed with the loop
    // The watch ends when the directory is deleted or its file system unmounted (IN_IGNORED).
    for (std::size_t at = 0; at + sizeof(inotify_event) <= n;) {
      inotify_event event{};
      std::memcpy(&event, buffer_.data() + at, sizeof event);
      if (event.mask & IN_IGNORED && event.wd == watch_) watch_ = -1;
      at += sizeof(inotify_event) + event.len;
    }
    changed_();
    read_events();
  });
}

}  // namespace pmd
