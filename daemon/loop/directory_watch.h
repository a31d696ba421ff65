// Told, not asking: inotify on one directory (not its subdirectories) calls back when an entry
// is created, deleted or renamed, or the directory itself goes. pmd uses it on its home, so a
// deleted or replaced socket is noticed without looking at it every second. Where inotify is
// not available (the user's instance limit), active() is false and the caller keeps looking.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <array>
#include <filesystem>
#include <functional>

namespace pmd {

class DirectoryWatch {
 public:
  DirectoryWatch(boost::asio::io_context& io, std::filesystem::path directory, std::function<void()> changed);
  DirectoryWatch(const DirectoryWatch&) = delete;
  DirectoryWatch& operator=(const DirectoryWatch&) = delete;

  /// Whether changes are being told (false: inotify unavailable, or the directory is gone).
  bool active() const { return watch_ >= 0; }
  /// Watches the directory again if its watch ended (it was deleted and made again).
  void renew();

 private:
  void read_events();

  boost::asio::posix::stream_descriptor inotify_;
  std::filesystem::path directory_;
  std::function<void()> changed_;
  int watch_ = -1;
  alignas(8) std::array<char, 4096> buffer_{};
};

}  // namespace pmd
