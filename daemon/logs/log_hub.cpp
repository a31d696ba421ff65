// LogHub: subscriptions to the apps' logs, and their delivery under backpressure.
#include "logs/log_hub.h"

#include "jsonrpc.h"

#include <algorithm>

namespace pmd {

using nlohmann::json;

void LogHub::app_added(const std::shared_ptr<AppLog>& log) {
  std::erase_if(apps_, [](const auto& weak) { return weak.expired(); });
  apps_.push_back(log);
  std::erase_if(later_apps_followers_, [](const LaterAppsFollower& f) { return f.connection.expired(); });
  for (auto& f : later_apps_followers_)
    if (auto c = f.connection.lock(); c && !c->closed()) follow_app({log, {}}, c, f.missed);
  if (echo_) subscribe_echo(*log);
  log->on_failure(on_failure_);
}

void LogHub::on_failure(std::function<void()> callback) {
  on_failure_ = std::move(callback);
  for (auto& weak : apps_)
    if (auto log = weak.lock()) log->on_failure(on_failure_);
}

void LogHub::app_removed(const std::shared_ptr<AppLog>& log) {
  std::erase_if(apps_, [&](const auto& weak) {
    auto app = weak.lock();
    return !app || app == log;
  });
}

json LogHub::recent(const std::vector<LogSource>& sources, std::size_t lines) const {
  std::vector<std::pair<LogRecord, std::string>> recent;
  for (const auto& [log, ids] : sources)
    for (auto& r : log->tail(lines))
      if (ids.empty() || std::find(ids.begin(), ids.end(), r.id) != ids.end()) recent.emplace_back(r, log->app_name());
  std::stable_sort(recent.begin(), recent.end(),
                   [](const auto& a, const auto& b) { return a.first.unix_ms < b.first.unix_ms; });
  if (recent.size() > lines) recent.erase(recent.begin(), recent.end() - static_cast<std::ptrdiff_t>(lines));
  json out = json::array();
  for (auto& [r, app] : recent) out.push_back(log_record_view(r, app));
  return out;
}

void LogHub::follow(const std::vector<LogSource>& sources, bool later_apps,
                    const std::shared_ptr<RpcConnection>& connection) {
  // One count of missed lines per connection, whichever app they came from.
  auto missed = std::make_shared<std::uint64_t>(0);
  for (const auto& source : sources) follow_app(source, connection, missed);
  if (!later_apps) return;
  // Pruned here too, not only when an app arrives: clients that come and go with `logs -f`
  // while no app is started would otherwise grow the list without bound.
  std::erase_if(later_apps_followers_, [](const LaterAppsFollower& f) { return f.connection.expired(); });
  later_apps_followers_.push_back({connection, missed});
}

void LogHub::follow_app(const LogSource& source, const std::shared_ptr<RpcConnection>& connection,
                        std::shared_ptr<std::uint64_t> missed) {
  std::weak_ptr<RpcConnection> weak = connection;
  AppLog::Follower follower;
  follower.deliver = [weak, missed, only_ids = source.only_ids](const FollowedLine& line) {
    if (!only_ids.empty() && std::find(only_ids.begin(), only_ids.end(), line.record().id) == only_ids.end())
      return true;
    auto c = weak.lock();
    if (!c || c->closed()) return true;  // unsubscribed when the connection's close runs
    if (!c->stream_has_room()) return false;
    if (*missed > 0) {
      if (!c->send_stream(rpc::encode_notification("log.missed", json{{"count", *missed}}))) return false;
      *missed = 0;
    }
    if (!c->send_stream(line.notification())) ++*missed;
    return true;
  };
  // Paused (its reader is behind): every line meanwhile is missed; it takes lines again once its
  // connection has room, and is told how many it skipped with the next one.
  follower.resume = [weak, missed](std::uint64_t skipped) {
    auto c = weak.lock();
    if (!c || c->closed() || !c->stream_has_room()) return false;
    *missed += skipped;
    return true;
  };
  int token = source.log->subscribe(std::move(follower));
  std::weak_ptr<AppLog> weak_log = source.log;
  connection->on_close([weak_log, token] {
    if (auto log = weak_log.lock()) log->unsubscribe(token);
  });
}

void LogHub::echo_to(Echo echo) {
  echo_ = std::move(echo);
  for (auto& weak : apps_)
    if (auto app = weak.lock()) subscribe_echo(*app);
}

void LogHub::subscribe_echo(AppLog& log) const {
  log.subscribe({[echo = echo_, app = log.app_name()](const FollowedLine& l) {
                   echo(app, l.record());
                   return true;
                 },
                 {}});
}

void LogHub::reopen_all() {
  for (auto& weak : apps_)
    if (auto log = weak.lock()) log->reopen_all();
}

void LogHub::retry() {
  for (auto& weak : apps_)
    if (auto log = weak.lock()) {
      log->retry_failed();
      log->resume_paused();
    }
}

bool LogHub::needs_upkeep() const {
  if (!later_apps_followers_.empty()) return true;
  return std::any_of(apps_.begin(), apps_.end(), [](const auto& weak) {
    auto log = weak.lock();
    return log && log->needs_upkeep();
  });
}

}  // namespace pmd
