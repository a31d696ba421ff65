// cut_torn_write: find the file by path, prove it is the one written, cut the torn tail.
#include "logs/torn_write.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace pmd {

namespace {

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::string cut_torn_write(const WriteInFlight& w) {
  // A write is one batch (LogFile::kMaxBatchBytes plus one line of at most 64 KiB, formatted):
  // a note claiming more is not one pmd made, and is not read into memory.
  constexpr std::uint64_t kMaxWriteBytes = 16 << 20;
  if (w.path.empty() || w.length == 0 || w.length > kMaxWriteBytes) return {};
  // O_PATH opens nothing (no device is touched, no FIFO waited on); only a regular file that is
  // the very one written is then opened for writing, through its descriptor.
  Fd at{::open(w.path.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC)};
  struct stat st {};
  if (at.fd < 0 || ::fstat(at.fd, &st) != 0 || !S_ISREG(st.st_mode) ||
      static_cast<std::uint64_t>(st.st_dev) != w.device || static_cast<std::uint64_t>(st.st_ino) != w.inode)
    return {};
  const auto size = static_cast<std::uint64_t>(st.st_size);
  // Whole (size at its end or beyond: later writes by the same pmd) or never started.
  if (size <= w.offset || size >= w.offset + w.length) return {};
  Fd file{::open(("/proc/self/fd/" + std::to_string(at.fd)).c_str(), O_RDWR | O_CLOEXEC | O_NOCTTY)};
  struct stat again {};
  if (file.fd < 0 || ::fstat(file.fd, &again) != 0 || again.st_ino != st.st_ino || again.st_dev != st.st_dev)
    return "cannot cut the line torn in " + w.path + ": " + std::strerror(errno);
  std::vector<char> written(size - w.offset);
  const ssize_t n = ::pread(file.fd, written.data(), written.size(), static_cast<off_t>(w.offset));
  if (n != static_cast<ssize_t>(written.size()))
    return "cannot read the line torn in " + w.path + ": " + (n < 0 ? std::strerror(errno) : "short read");
  if (written.back() == '\n') return {};  // it stopped between two lines: nothing torn
  const auto last_newline = std::find(written.rbegin(), written.rend(), '\n');
  const std::uint64_t keep = w.offset + static_cast<std::uint64_t>(written.rend() - last_newline);
  if (::ftruncate(file.fd, static_cast<off_t>(keep)) != 0)
    return "cannot cut the line torn in " + w.path + ": " + std::strerror(errno);
  return "cut " + std::to_string(size - keep) +
         " byte(s) of a line the previous pmd was writing when it was killed from " + w.path;
}

}  // namespace pmd
