// How one line of app output is written: plain, prefixed with a timestamp in the user's
// log_date_format (moment.js tokens, as PM2 takes them), or as a JSON object for log shippers.
// Pure functions, unit-tested.
#pragma once

#include "moment_format.h"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace pmd {

/// One line of output, as the log hub sees it.
struct LogRecord {
  std::int64_t unix_ms = 0;
  int id = 0;        // pm_id of the instance
  int instance = 0;  // its number within the app
  bool is_stderr = false;
  std::string text;
  bool continues = false;  // a piece of an over-long line; the next record holds the rest
};

/// The wall clock in milliseconds since the epoch, as records carry it.
inline std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline constexpr std::string_view kContinuationMark = " [continued]";

struct LogStyle {
  std::string date_format;  // "" = no timestamp
  bool json = false;
};

/// The bytes written to a file for this record, newline included. A piece of an over-long line
/// ends with kContinuationMark in text files, or has "continued": true in JSON.
std::string format_log_line(const LogRecord& record, const std::string& app_name, const LogStyle& style);
/// The same bytes, appended to `out` (no allocation once `out` has grown: the per-line path).
void append_log_line(std::string& out, const LogRecord& record, const std::string& app_name, const LogStyle& style);

}  // namespace pmd
