// `pmctl logs`: the recent lines from the daemon's memory, then (unless --nostream) the live
// stream until Ctrl-C, prefixed `id|name |` as PM2 prints them.
#pragma once

#include "session.h"

#include <nlohmann/json.hpp>

#include <string>

namespace pmd::cli {

struct LogsOptions {
  std::string target = "all";
  long long lines = 15;
  bool no_stream = false;
  bool only_out = false;
  bool only_err = false;
  bool json = false;
  bool timestamp = false;
  std::string timestamp_format;  // --timestamp [format] (moment.js tokens); "" = ISO 8601 with ms
  bool raw = false;              // --raw: the app's text only
  bool format = false;           // --format: key=value fields, as PM2's
  std::string highlight;         // --highlight TEXT: shown in reverse video on a terminal
};

int show_logs(Session& session, const LogsOptions& options);

/// One line as printed: `0|api  | text`, with the time first when asked; or the JSON object
/// (--json), the bare text (--raw), or `timestamp=... app=api id=0 type=out message=text` (--format).
std::string render_log_line(const nlohmann::json& record, const LogsOptions& options, std::size_t name_width,
                            bool color);

}  // namespace pmd::cli
