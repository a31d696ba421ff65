// pmctl logs.
#include "logs_command.h"

#include "units.h"

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <iostream>

namespace pmd::cli {

using nlohmann::json;

std::string render_log_line(const json& r, const LogsOptions& o, std::size_t name_width, bool color) {
  if (o.json) return r.dump(-1, ' ', false, json::error_handler_t::replace);
  std::string out;
  if (o.timestamp) {
    long long ms = r.value("time", 0LL);
    std::time_t t = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    ::localtime_r(&t, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    char millis[8];
    std::snprintf(millis, sizeof millis, ".%03lld", ms % 1000);
    out += std::string(buf) + millis + " ";
  }
  std::string prefix = std::to_string(r.value("id", 0)) + "|" + r.value("app", "");
  std::size_t width = name_width + 3;
  if (prefix.size() < width) prefix += std::string(width - prefix.size(), ' ');
  const bool err = r.value("stream", "out") == "err";
  if (color) out += err ? "\033[31m" : "\033[32m";
  out += prefix + "| ";
  if (color) out += "\033[0m";
  out += r.value("text", "");
  return out;
}

int show_logs(Session& session, const LogsOptions& o) {
  json params = {{"target", o.target}, {"lines", o.lines}, {"follow", !o.no_stream}};
  json recent;
  if (int rc = session.call("logs", params, recent); rc != kExitOk) return rc;
  const bool color = !o.json && ::isatty(STDOUT_FILENO) == 1;
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
