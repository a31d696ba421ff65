// LogFile: whole-line appends, rename rotation, reopen, retry.
#include "logs/log_file.h"

#include "write_fully.h"

#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace pmd {

LogFile::LogFile(std::string path, RotationPolicy rotation, AppCredentials credentials)
    : file_(std::move(path), std::move(credentials)), rotation_(rotation) {
  discard_ = file_.path() == "/dev/null";
  if (!discard_) open();
}

LogFile::~LogFile() {
  // Lines added and not committed (only an exception between the two leaves any) still go out;
  // the journal may already be gone at this point.
  journal_ = nullptr;
  commit();
}

bool LogFile::open() {
  fd_ = file_.open_append();
  if (fd_ < 0) {
    fail("cannot open " + file_.path() + ": " + std::strerror(errno));
    return false;
  }
  struct stat st {};
  const bool known = ::fstat(fd_, &st) == 0;
  size_ = known ? static_cast<std::uint64_t>(st.st_size) : 0;
  device_ = known ? static_cast<std::uint64_t>(st.st_dev) : 0;
  inode_ = known ? static_cast<std::uint64_t>(st.st_ino) : 0;
  return true;
}

void LogFile::fail(const std::string& what) {
  if (error_ != what) spdlog::warn("log file problem: {} (lines are kept in memory and retried)", what);
  error_ = what;
}

void LogFile::rotate() {
  // path.N-1 -> path.N ... path -> path.1; the oldest beyond `retain` is removed. Done the way
  // the file was opened (app_file.h), so a rotation renames nothing the app's user could not.
  const auto suffix = [](int n) { return "." + std::to_string(n); };
  file_.remove_suffix(suffix(rotation_.retain));
  for (int i = rotation_.retain - 1; i >= 1; --i) file_.rename_suffix(suffix(i), suffix(i + 1));
  if (rotation_.retain > 0)
    file_.rename_suffix("", suffix(1));
  else
    file_.remove_suffix("");
  file_.close();
  fd_ = -1;
  open();
}

std::size_t LogFile::write_some(std::string_view data) {
  if (fd_ < 0 && !open()) return 0;
  if (rotation_.max_size > 0 && size_ > 0 && size_ + data.size() > rotation_.max_size) {
    rotate();
    if (fd_ < 0) return 0;
  }
  if (journal_) journal_->begin(file_.path(), device_, inode_, size_, data.size());
  const std::size_t done = write_fully(fd_, data);
  if (journal_) journal_->end();
  if (done < data.size()) fail("cannot write " + file_.path() + ": " + std::strerror(errno));
  size_ += done;
  return done;
}

void LogFile::healed() {
  if (error_.empty()) return;
  spdlog::info("log file {} is writable again", file_.path());
  error_.clear();
}

void LogFile::add(std::string_view line) {
  if (discard_) return;
  // A rotation falls between two writes, so lines that would pass the limit start a new write.
  const bool passes_limit =
      rotation_.max_size > 0 && size_ + batch_.size() > 0 && size_ + batch_.size() + line.size() > rotation_.max_size;
  if (passes_limit) {
    commit();
    if (pending_.empty() && fd_ >= 0 && size_ > 0) rotate();
  } else if (batch_.size() + line.size() > kMaxBatchBytes) {
    commit();
  }
  batch_.append(line);
}

void LogFile::commit() {
  if (batch_.empty()) return;
  retry();
  std::string_view lines(batch_);
  if (pending_.empty()) {
    std::size_t n = write_some(lines);
    if (n == lines.size()) {
      batch_.clear();
      return healed();
    }
    // The rest waits its turn, so every line still ends whole in the file.
    lines.remove_prefix(n);
  }
  pending_.emplace_back(lines);
  pending_bytes_ += lines.size();
  batch_.clear();
  while (pending_bytes_ > kMaxPendingBytes && pending_.size() > 1) {
    pending_bytes_ -= pending_.front().size();
    const auto& dropped = pending_.front();
    dropped_lines_ += static_cast<std::uint64_t>(std::count(dropped.begin(), dropped.end(), '\n'));
    pending_.pop_front();
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
  if (fd_ >= 0) healed();
}

void LogFile::reopen() {
  if (discard_) return;
  open();
  retry();
}

void LogFile::truncate() {
  if (discard_) return;
  if (fd_ >= 0 && ::ftruncate(fd_, 0) == 0) size_ = 0;
  batch_.clear();
  pending_.clear();
  pending_bytes_ = 0;
}

}  // namespace pmd
