// Who reads the apps' logs besides the files: `pmctl logs -f` connections (following some apps,
// some instance ids, or `all`, which includes apps started later) and `pmd run`'s echo. The
// supervisor tells the hub about apps coming and going and asks it for recent lines; the hub
// owns the followers, the rules of who gets which line, and the bounded, shared delivery (a
// line is encoded once for every follower; a follower too slow for the stream is paused and told
// how many lines it missed).
#pragma once

#include "logs/app_log.h"
#include "rpc/rpc_connection.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace pmd {

/// One app's part of a `logs` target: the whole app, or some of its instance ids. (An app's log
/// lives inside its runtime; the pointer keeps the runtime alive, as std::shared_ptr's aliasing
/// constructor allows, so the hub needs nothing else of the app.)
struct LogSource {
  std::shared_ptr<AppLog> log;
  std::vector<int> only_ids;  // empty: every line of the app
};

class LogHub {
 public:
  using Echo = std::function<void(const std::string& app, const LogRecord& record)>;

  /// A new app: followers of `all` and the echo take its lines from now on.
  void app_added(const std::shared_ptr<AppLog>& log);
  /// An app deleted: its files are no longer retried or reopened.
  void app_removed(const std::shared_ptr<AppLog>& log);

  /// The last `lines` lines of `sources`, oldest first across apps, as `log` records.
  nlohmann::json recent(const std::vector<LogSource>& sources, std::size_t lines) const;
  /// Every new line of `sources` (and with `later_apps`, of apps added later) goes to
  /// `connection` as a `log` notification until it closes.
  void follow(const std::vector<LogSource>& sources, bool later_apps, const std::shared_ptr<RpcConnection>& connection);
  /// Every line of every app, current and later, also goes to `echo` (never paused).
  void echo_to(Echo echo);

  /// Reopens every log file (after an external logrotate moved them).
  void reopen_all();
  /// Retries files that failed (a full disk), and offers paused followers to take lines again.
  void retry();
  /// Whether retry() has work to do, or someone follows (see AppLog::needs_upkeep).
  bool needs_upkeep() const;
  /// Called when a write leaves a log file failing (see AppLog::on_failure), for every app.
  void on_failure(std::function<void()> callback);

 private:
  struct LaterAppsFollower {
    std::weak_ptr<RpcConnection> connection;
    std::shared_ptr<std::uint64_t> missed;  // lines it could not take, reported when it can again
  };
  static void follow_app(const LogSource& source, const std::shared_ptr<RpcConnection>& connection,
                         std::shared_ptr<std::uint64_t> missed);
  void subscribe_echo(AppLog& log) const;

  std::vector<std::weak_ptr<AppLog>> apps_;
  std::vector<LaterAppsFollower> later_apps_followers_;
  Echo echo_;
  std::function<void()> on_failure_;
};

}  // namespace pmd
