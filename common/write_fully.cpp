// write_fully.
#include "write_fully.h"

#include <unistd.h>

#include <cerrno>

namespace pmd {

std::size_t write_fully(int fd, std::string_view data) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  return done;
}

}  // namespace pmd
