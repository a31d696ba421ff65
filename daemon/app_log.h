// An app's log files: one for stdout, one for stderr, shared by its instances. Each line is
// written whole with one append, so lines from different instances never tear into each other.
#pragma once

#include <string>
#include <string_view>

namespace pmd {

class AppLog {
 public:
  AppLog(std::string out_path, std::string err_path);
  ~AppLog();
  AppLog(const AppLog&) = delete;
  AppLog& operator=(const AppLog&) = delete;

  void write_line(bool is_stderr, std::string_view line);

  /// Switches to other files (the app's spec changed them); the old files are closed.
  void reopen(std::string out_path, std::string err_path);

  const std::string& out_path() const { return out_path_; }
  const std::string& err_path() const { return err_path_; }
  /// The last write or open error, empty when the files are healthy.
  const std::string& last_error() const { return last_error_; }

 private:
  int open_file(const std::string& path);

  std::string out_path_, err_path_;
  int out_fd_ = -1, err_fd_ = -1;
  std::string last_error_;
};

}  // namespace pmd
