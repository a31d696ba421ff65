// Timestamp and line formatting.
#include "logs/log_format.h"

#include <nlohmann/json.hpp>

#include <array>
#include <cstdio>
#include <ctime>

namespace pmd {

namespace {

// The lines of one read share their millisecond: their stamp is formatted once.
const std::string& stamp(const std::string& pattern, std::int64_t unix_ms) {
  thread_local std::string last_pattern, last_text;
  thread_local std::int64_t last_ms = -1;
  if (unix_ms != last_ms || pattern != last_pattern) {
    last_text = format_timestamp(pattern, unix_ms);
    last_pattern = pattern;
    last_ms = unix_ms;
  }
  return last_text;
}

}  // namespace

std::string format_log_line(const LogRecord& r, const std::string& app_name, const LogStyle& style) {
  std::string line;
  append_log_line(line, r, app_name, style);
  return line;
}

void append_log_line(std::string& out, const LogRecord& r, const std::string& app_name, const LogStyle& style) {
  if (style.json) {
    nlohmann::json j = {
        {"timestamp", style.date_format.empty() ? format_timestamp("YYYY-MM-DDTHH:mm:ss.SSSZ", r.unix_ms)
                                                : format_timestamp(style.date_format, r.unix_ms)},
        {"app", app_name},
        {"id", r.id},
        {"instance", r.instance},
        {"stream", r.is_stderr ? "err" : "out"},
        {"message", r.text},
    };
    if (r.continues) j["continued"] = true;
    out += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    out += '\n';
    return;
  }
  if (!style.date_format.empty()) {
    out += stamp(style.date_format, r.unix_ms);
    out += ": ";
  }
  out += r.text;
  if (r.continues) out += kContinuationMark;
  out += '\n';
}

}  // namespace pmd
