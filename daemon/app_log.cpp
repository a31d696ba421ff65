// AppLog: append-only line writes.
#include "app_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace pmd {

AppLog::AppLog(std::string out_path, std::string err_path)
    : out_path_(std::move(out_path)), err_path_(std::move(err_path)) {
  out_fd_ = open_file(out_path_);
  err_fd_ = err_path_ == out_path_ ? -1 : open_file(err_path_);
}

AppLog::~AppLog() {
  if (out_fd_ >= 0) ::close(out_fd_);
  if (err_fd_ >= 0) ::close(err_fd_);
}

void AppLog::reopen(std::string out_path, std::string err_path) {
  if (out_fd_ >= 0) ::close(out_fd_);
  if (err_fd_ >= 0) ::close(err_fd_);
  out_path_ = std::move(out_path);
  err_path_ = std::move(err_path);
  last_error_.clear();
  out_fd_ = open_file(out_path_);
  err_fd_ = err_path_ == out_path_ ? -1 : open_file(err_path_);
}

int AppLog::open_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) last_error_ = "cannot open " + path + ": " + std::strerror(errno);
  return fd;
}

void AppLog::write_line(bool is_stderr, std::string_view line) {
  int fd = is_stderr && err_path_ != out_path_ ? err_fd_ : out_fd_;
  const std::string& path = is_stderr ? err_path_ : out_path_;
  if (fd < 0) {
    // Retry the open on every line: a directory created later or a freed disk heals the log.
    fd = open_file(path);
    if (fd < 0) return;
    (is_stderr && err_path_ != out_path_ ? err_fd_ : out_fd_) = fd;
  }
  // One writev per line: O_APPEND makes it land whole, after every other instance's line.
  std::string buf;
  buf.reserve(line.size() + 1);
  buf.append(line);
  buf.push_back('\n');
  std::size_t done = 0;
  while (done < buf.size()) {
    ssize_t n = ::write(fd, buf.data() + done, buf.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      last_error_ = "cannot write " + path + ": " + std::strerror(errno);
      return;
    }
    done += static_cast<std::size_t>(n);
  }
  last_error_.clear();
}

}  // namespace pmd
