// One append-only log file: lines are written whole, many in one write (O_APPEND): those added
// between two commits, usually every line of one read of an app's pipe. The file is rotated by
// renaming when it passes its size limit (never copy-truncate, never inside a line), reopened on
// request for external logrotate, and a failing disk is reported and retried without stopping the
// app. Each write is noted in the write journal, if any, so a pmd killed inside one leaves no torn
// line for the next (write_journal.h).
#pragma once

#include "process/app_file.h"
#include "write_journal.h"

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
  /// Lines added beyond this are written before more are added.
  static constexpr std::size_t kMaxBatchBytes = 256 << 10;

  /// `credentials`: the app's; the file is opened and rotated with no more privilege (app_file.h).
  LogFile(std::string path, RotationPolicy rotation, AppCredentials credentials = {});
  ~LogFile();
  LogFile(const LogFile&) = delete;
  LogFile& operator=(const LogFile&) = delete;

  /// Adds one formatted line (newline included) to the next commit().
  void add(std::string_view line);
  /// Writes the lines added since the last commit.
  void commit();
  /// add() and commit() of one line.
  void write(std::string_view line) {
    add(line);
    commit();
  }
  /// Where each write is noted (nullptr: nowhere); it must outlive this file.
  void set_journal(WriteJournal* journal) { journal_ = journal; }
  /// Tries again to write what failed before; call periodically.
  void retry();
  /// Closes and opens the path again (after an external rename).
  void reopen();
  /// Empties the file (`pmctl flush`).
  void truncate();

  const std::string& path() const { return file_.path(); }
  /// Empty when healthy; otherwise what went wrong, for `describe` and pmd.log.
  const std::string& error() const { return error_; }
  /// Whether retry() has something to do (a write failed).
  bool failing() const { return !error_.empty() || !pending_.empty(); }
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
  std::uint64_t device_ = 0, inode_ = 0;  // the open file's, for the journal
  WriteJournal* journal_ = nullptr;
  std::string batch_;  // lines added, not yet committed
  std::deque<std::string> pending_;
  std::size_t pending_bytes_ = 0;
  std::uint64_t dropped_lines_ = 0;
  std::string error_;
};

}  // namespace pmd
