// LogFile: whole-line appends, rename rotation, reopen, retry.
#include "log_file.h"

#include "write_fully.h"

#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace pmd {

LogFile::LogFile(std::string path, RotationPolicy rotation) : path_(std::move(path)), rotation_(rotation) {
  discard_ = path_ == "/dev/null";
  if (!discard_) open();
}

LogFile::~LogFile() {
  if (fd_ >= 0) ::close(fd_);
}

bool LogFile::open() {
  if (fd_ >= 0) ::close(fd_);
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), ec);
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd_ < 0) {
    fail("cannot open " + path_ + ": " + std::strerror(errno));
    return false;
  }
  struct stat st {};
  size_ = ::fstat(fd_, &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
  return true;
}

void LogFile::fail(const std::string& what) {
  if (error_ != what) spdlog::warn("log file problem: {} (lines are kept in memory and retried)", what);
  error_ = what;
}

void LogFile::rotate() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  // path.N-1 -> path.N ... path -> path.1; the oldest beyond `retain` is removed.
  std::remove((path_ + "." + std::to_string(rotation_.retain)).c_str());
  for (int i = rotation_.retain - 1; i >= 1; --i)
    std::rename((path_ + "." + std::to_string(i)).c_str(), (path_ + "." + std::to_string(i + 1)).c_str());
  if (rotation_.retain > 0) std::rename(path_.c_str(), (path_ + ".1").c_str());
  else std::remove(path_.c_str());
  open();
}

std::size_t LogFile::write_some(std::string_view data) {
  if (fd_ < 0 && !open()) return 0;
  if (rotation_.max_size > 0 && size_ > 0 && size_ + data.size() > rotation_.max_size) {
    rotate();
    if (fd_ < 0) return 0;
  }
  const std::size_t done = write_fully(fd_, data);
  if (done < data.size()) fail("cannot write " + path_ + ": " + std::strerror(errno));
  size_ += done;
  return done;
}

void LogFile::healed() {
  if (error_.empty()) return;
  spdlog::info("log file {} is writable again", path_);
  error_.clear();
}

void LogFile::write(std::string_view line) {
  if (discard_) return;
  retry();
  if (pending_.empty()) {
    std::size_t n = write_some(line);
    if (n == line.size()) return healed();
    // The rest of the line waits its turn, so the line still ends whole in the file.
    line.remove_prefix(n);
  }
  pending_.emplace_back(line);
  pending_bytes_ += line.size();
  while (pending_bytes_ > kMaxPendingBytes && pending_.size() > 1) {
    pending_bytes_ -= pending_.front().size();
    pending_.pop_front();
    ++dropped_lines_;
  }
}

void LogFile::retry() {
  while (!pending_.empty()) {
    std::string& front = pending_.front();
    std::size_t n = write_some(front);
    pending_bytes_ -= n;
    if (n < front.size()) {
      front.erase(0, n);
      return;
    }
    pending_.pop_front();
  }
  healed();
}

void LogFile::reopen() {
  if (discard_) return;
  open();
  retry();
}

void LogFile::truncate() {
  if (discard_) return;
  if (fd_ >= 0 && ::ftruncate(fd_, 0) == 0) size_ = 0;
  pending_.clear();
  pending_bytes_ = 0;
}

}  // namespace pmd
