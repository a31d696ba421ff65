// Timestamp and line formatting.
#include "logs/log_format.h"

#include <nlohmann/json.hpp>

#include <array>
#include <cstdio>
#include <ctime>

namespace pmd {

std::string format_log_line(const LogRecord& r, const std::string& app_name, const LogStyle& style) {
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
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  std::string line;
  if (!style.date_format.empty()) {
    line = format_timestamp(style.date_format, r.unix_ms);
    line += ": ";
  }
  line += r.text;
  if (r.continues) line += kContinuationMark;
  line += '\n';
  return line;
}

}  // namespace pmd
