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
};

int show_logs(Session& session, const LogsOptions& options);

/// One line as printed: `0|api  | text`, with the time first when asked, or the JSON object.
std::string render_log_line(const nlohmann::json& record, const LogsOptions& options, std::size_t name_width,
                            bool color);

}  // namespace pmd::cli
