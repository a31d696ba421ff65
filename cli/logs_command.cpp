// pmctl logs.
#include "logs_command.h"

#include "moment_format.h"
#include "units.h"

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <iostream>

namespace pmd::cli {

using nlohmann::json;

namespace {

std::string when(const json& r, const LogsOptions& o) {
  const long long ms = r.value("time", 0LL);
  return format_timestamp(o.timestamp_format.empty() ? "YYYY-MM-DDTHH:mm:ss.SSS" : o.timestamp_format, ms);
}

std::string highlighted(std::string text, const std::string& needle, bool color) {
  if (needle.empty() || !color) return text;
  const std::string on = "\033[7m", off = "\033[27m";
  for (std::size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + on.size() + needle.size() + off.size()))
    text.replace(at, needle.size(), on + needle + off);
  return text;
}

}  // namespace

std::string render_log_line(const json& r, const LogsOptions& o, std::size_t name_width, bool color) {
  if (o.json) return r.dump(-1, ' ', false, json::error_handler_t::replace);
  const std::string text = highlighted(r.value("text", ""), o.highlight, color);
  if (o.raw) return text;
  const bool err = r.value("stream", "out") == "err";
  if (o.format)
    return (o.timestamp ? "timestamp=" + when(r, o) + " " : std::string()) + "app=" + r.value("app", "") +
           " id=" + std::to_string(r.value("id", 0)) + " type=" + (err ? "err" : "out") + " message=" + text;
  std::string out;
  if (o.timestamp) out += when(r, o) + " ";
  std::string prefix = std::to_string(r.value("id", 0)) + "|" + r.value("app", "");
  std::size_t width = name_width + 3;
  if (prefix.size() < width) prefix += std::string(width - prefix.size(), ' ');
  if (color) out += err ? "\033[31m" : "\033[32m";
  out += prefix + "| ";
  if (color) out += "\033[0m";
  out += text;
  return out;
}

int show_logs(Session& session, const LogsOptions& o) {
  json params = {{"target", o.target}, {"lines", o.lines}, {"follow", !o.no_stream}};
  json recent;
  if (int rc = session.call("logs", params, recent); rc != kExitOk) return rc;
  const bool color = !o.json && color_output();
  std::size_t name_width = 0;
  for (const auto& r : recent) name_width = std::max(name_width, r.value("app", "").size());
  auto wanted = [&](const json& r) {
    const bool err = r.value("stream", "out") == "err";
    return !(o.only_out && err) && !(o.only_err && !err);
  };
  for (const auto& r : recent)
    if (wanted(r)) std::cout << render_log_line(r, o, name_width, color) << "\n";
  std::cout.flush();
  if (o.no_stream) return kExitOk;
  while (auto message = session.next_message()) {
    if (!message->is_notification) continue;
    if (message->method == "log.missed") {
      std::cout << "[pmd] " << message->params.value("count", 0ULL)
                << " lines skipped: this terminal could not keep up (they are all in the log files)\n";
    } else if (message->method == "log" && wanted(message->params)) {
      name_width = std::max(name_width, message->params.value("app", "").size());
      std::cout << render_log_line(message->params, o, name_width, color) << "\n";
    }
    std::cout.flush();
  }
  return kExitOk;
}

}  // namespace pmd::cli
