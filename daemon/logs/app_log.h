// An app's logs: the files its instances' lines go to (merged, or one pair per instance, plus an
// optional combined file), the recent lines kept in memory for `pmctl logs`, and the live
// followers of `pmctl logs -f`. Lines arrive whole from the instances' line splitters.
#pragma once

#include "app_spec.h"
#include "logs/log_file.h"
#include "logs/log_format.h"
#include "process/app_credentials.h"

#include <nlohmann/json.hpp>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pmd {

struct LogSettings {
  std::string out_file;  // resolved paths; "/dev/null" discards
  std::string error_file;
  std::string log_file;       // combined stdout+stderr; "" = none
  bool per_instance = false;  // one pair of files per instance: name-out-<id>.log
  LogStyle style;
  RotationPolicy rotation;
  AppCredentials owner;  // the app's user: files are opened with no more privilege than theirs
};

/// The log settings an app spec asks for (its paths already resolved).
LogSettings log_settings_for(const AppSpec& spec);

/// A record as clients get it (`logs` results, `log` notifications).
nlohmann::json log_record_view(const LogRecord& record, const std::string& app);

/// A new line as followers get it: the record, and its `log` notification, encoded the first time
/// a follower asks for it and then shared by every follower (100 followers, one encoding).
class FollowedLine {
 public:
  FollowedLine(const LogRecord& record, const std::string& app) : record_(record), app_(app) {}
  const LogRecord& record() const { return record_; }
  const std::shared_ptr<const std::string>& notification() const;

 private:
  const LogRecord& record_;
  const std::string& app_;
  mutable std::shared_ptr<const std::string> encoded_;
};

class AppLog {
 public:
  /// Recent lines kept per app for `pmctl logs`: whichever bound is reached first.
  static constexpr std::size_t kTailLines = 2000;
  static constexpr std::size_t kTailBytes = 2 << 20;

  /// A live reader of new lines (`logs -f`, `monit`, pmd run's echo). Neither function may
  /// subscribe or unsubscribe from inside the call.
  struct Follower {
    /// Takes one new line; false when it could not (its reader is behind): the follower is then
    /// paused and costs nothing per line until resume() takes it back.
    std::function<bool(const FollowedLine&)> deliver;
    /// Called about once a second while paused, with the lines written since the pause; true
    /// when the follower can take lines again. Unset: never paused.
    std::function<bool(std::uint64_t missed)> resume;
  };

  AppLog(std::string app_name, LogSettings settings);
  const std::string& app_name() const { return app_name_; }

  /// Adds one line of an instance's output, read at `unix_ms`; it reaches its files at commit().
  void add_line(int id, int instance, bool is_stderr, std::string_view text, bool continues, std::int64_t unix_ms);
  /// Writes the lines added since the last commit: one write per file.
  void commit();
  /// add_line() now, and commit().
  void write_line(int id, int instance, bool is_stderr, std::string_view text, bool continues = false);
  /// Where the files note each write (the output board), so a pmd killed inside one tears no line.
  void set_journal(WriteJournal* journal);
  /// Called after a write that left a file failing, so its retries start within an interval even
  /// while the daemon is at rest.
  void on_failure(std::function<void()> callback) { on_failure_ = std::move(callback); }

  /// New settings (the app's spec changed): files are reopened where their paths changed.
  void reconfigure(LogSettings settings);
  void reopen_all();
  void retry_failed();
  /// Whether retry_failed() or resume_paused() has work, or someone follows the lines (a
  /// follower may fall behind at any moment and then waits for resume_paused()).
  bool needs_upkeep() const;
  /// Empties every file and the in-memory tail (`pmctl flush`).
  void flush();

  /// The last `lines` records, oldest first.
  std::vector<LogRecord> tail(std::size_t lines) const;
  int subscribe(Follower follower);
  void unsubscribe(int token);
  /// Offers every paused follower to take lines again (see Follower::resume).
  void resume_paused();

  /// Paths in use for an instance (for `describe`), and any file problem.
  std::string out_path(int id) const;
  std::string err_path(int id) const;
  std::string error() const;

 private:
  struct Files {
    std::unique_ptr<LogFile> out, err;
  };
  Files& files_for(int id);
  void track(LogFile& file);
  std::string path_for(const std::string& base, int id) const;

  std::string app_name_;
  LogSettings settings_;
  std::map<int, Files> files_;  // key -1: the merged pair
  std::unique_ptr<LogFile> combined_;
  WriteJournal* journal_ = nullptr;
  std::function<void()> on_failure_;
  std::vector<LogFile*> uncommitted_;  // files with lines added since the last commit
  std::string formatted_;              // one line's bytes, reused
  std::deque<LogRecord> tail_;
  std::size_t tail_bytes_ = 0;
  struct Paused {
    Follower follower;
    std::uint64_t since = 0;  // lines_written_ when it was paused
  };
  std::map<int, Follower> followers_;  // taking lines
  std::map<int, Paused> paused_;       // behind: skipped without a call until resumed
  std::uint64_t lines_written_ = 0;
  int next_token_ = 1;
};

}  // namespace pmd
