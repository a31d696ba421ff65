// One append-only log file: lines are written whole (one write each, O_APPEND), the file is
// rotated by renaming when it passes its size limit (never copy-truncate), reopened on request for
// external logrotate, and a failing disk is reported and retried without stopping the app.
#pragma once

#include "process/app_file.h"

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

namespace pmd {

struct RotationPolicy {
  std::uint64_t max_size = 0;  // bytes; 0 = never rotate
  int retain = 5;              // rotated files kept: path.1 (newest) .. path.<retain>
};

class LogFile {
 public:
  /// Bytes kept in memory while the file cannot be written (disk full, permissions).
  static constexpr std::size_t kMaxPendingBytes = 8 << 20;

  /// `credentials`: the app's; the file is opened and rotated with no more privilege (app_file.h).
  LogFile(std::string path, RotationPolicy rotation, AppCredentials credentials = {});
  ~LogFile();
  LogFile(const LogFile&) = delete;
  LogFile& operator=(const LogFile&) = delete;

  /// Appends one formatted line (newline included).
  void write(std::string_view line);
  /// Tries again to write what failed before; call periodically.
  void retry();
  /// Closes and opens the path again (after an external rename).
  void reopen();
  /// Empties the file (`pmctl flush`).
  void truncate();

  const std::string& path() const { return file_.path(); }
  /// Empty when healthy; otherwise what went wrong, for `describe` and pmd.log.
  const std::string& error() const { return error_; }
  std::uint64_t dropped_lines() const { return dropped_lines_; }

 private:
  bool open();
  void rotate();
  /// Writes what it can; fewer bytes than asked means an error was recorded.
  std::size_t write_some(std::string_view data);
  void healed();
  void fail(const std::string& what);

  AppFile file_;
  RotationPolicy rotation_;
  bool discard_ = false;  // /dev/null: nothing to do
  int fd_ = -1;           // file_'s, while open
  std::uint64_t size_ = 0;
  std::deque<std::string> pending_;
  std::size_t pending_bytes_ = 0;
  std::uint64_t dropped_lines_ = 0;
  std::string error_;
};

}  // namespace pmd
