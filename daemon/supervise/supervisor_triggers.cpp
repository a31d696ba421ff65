// What restarts an app by itself: its file watch and its cron_restart schedule (the timers and
// inotify live in triggers/; this is what a firing does to the app's instances).
#include "jsonrpc.h"
#include "loop/detached.h"
#include "process/pid_file.h"
#include "supervise/supervisor.h"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>

#include <filesystem>

namespace pmd {

namespace asio = boost::asio;
using nlohmann::json;

std::string Supervisor::arm_triggers(App& app) {
  app.watcher.reset();
  app.cron.reset();
  const AppSpec& spec = app.runtime->spec;
  const std::string name = spec.name;
  if (!spec.watch.empty()) {
    WatchPlan plan;
    plan.roots = spec.watch;
    plan.rules.patterns = spec.ignore_watch;
    // What pmd writes for the app never restarts it, even inside the watched tree.
    for (const auto& inst : app.instances) {
      const int id = inst->identity().id;
      for (const auto& path : {app.runtime->log.out_path(id), app.runtime->log.err_path(id), spec.log_file,
                               instance_pid_path(spec.pid_file, id)})
        if (!path.empty()) plan.rules.ignored_files.push_back(path);
    }
    plan.follow_symlinks = spec.watch_follow_symlinks;
    plan.delay = spec.watch_delay;
    plan.max_watches = max_watches_;
    auto watcher = FileWatcher::create(io_, std::move(plan), [this, name](const std::string& path, std::size_t events) {
      on_trigger(name, "file changed: " + path +
                           (events > 1 ? " (and " + std::to_string(events - 1) + " more changes)" : std::string()));
    });
    if (auto* error = std::get_if<std::string>(&watcher)) return *error;
    app.watcher = std::move(std::get<std::unique_ptr<FileWatcher>>(watcher));
    spdlog::info("app {}: watching {} director{} for changes", name, app.watcher->watched(),
                 app.watcher->watched() == 1 ? "y" : "ies");
  }
  if (!spec.cron_restart.empty()) {
    auto parsed = parse_cron(spec.cron_restart);
    if (auto* error = std::get_if<std::string>(&parsed)) return "cron_restart: " + *error;
    app.cron = std::make_unique<CronTimer>(
        io_, std::get<CronExpression>(parsed),
        [this, name, when = spec.cron_restart] { on_trigger(name, "cron_restart (" + when + ")"); });
  }
  return "";
}

void Supervisor::on_trigger(const std::string& name, const std::string& reason) {
  asio::co_spawn(io_, run_trigger(name, reason), logged("restart by " + reason));
}

asio::awaitable<void> Supervisor::run_trigger(std::string name, std::string reason) {
  // A reload or scale under way finishes first; the change is then applied on top of it.
  for (App* busy = find_app(name); busy && busy->busy; busy = find_app(name)) co_await busy_ended_.wait();
  App* app = find_app(name);
  if (!app) co_return;  // deleted meanwhile
  app->last_trigger = reason;
  std::vector<std::shared_ptr<Instance>> running, idle;
  for (const auto& inst : app->instances) {
    const auto state = inst->state();
    if (state == InstanceState::kOnline || state == InstanceState::kLaunching)
      running.push_back(inst);
    else if ((state == InstanceState::kStopped || state == InstanceState::kErrored) && !inst->stopped_by_request())
      idle.push_back(inst);  // a periodic job that finished, or an app that crashed for good
  }
  if (running.empty() && idle.empty()) co_return;
  spdlog::info("app {}: {}", name, reason);
  for (const auto& inst : app->instances)
    app->runtime->log.write_line(inst->identity().id, inst->identity().number, false, "[pmd] " + reason);
  for (auto& inst : idle) {
    inst->forget_crash_history();
    if (auto error = inst->launch("started: " + reason); !error.empty()) spdlog::warn("app {}: {}", name, error);
  }
  if (running.empty()) co_return;
  try {
    if (app->runtime->spec.exec_mode == "cluster") {
      // Zero downtime: each replacement is ready before the instance it replaces stops.
      BusyGuard busy(*this, name);
      std::vector<int> numbers;
      for (const auto& inst : running) numbers.push_back(inst->identity().number);
      co_await roll_app(name, numbers, 1, "reloaded: " + reason, {});
    } else {
      co_await restart_instances(running, "restarted: " + reason);
    }
  } catch (const rpc::Error& e) {
    spdlog::warn("app {}: the restart for {} failed: {}", name, reason, e.what());
  }
}

json Supervisor::unwatch(const std::string& target) {
  auto instances = resolve_some(target, "unwatch");
  json names = json::array();
  for (auto& app : apps_) {
    bool targeted = std::any_of(app.instances.begin(), app.instances.end(), [&](const auto& inst) {
      return std::find(instances.begin(), instances.end(), inst) != instances.end();
    });
    if (!targeted || app.runtime->spec.watch.empty()) continue;
    app.runtime->spec.watch.clear();
    app.watcher.reset();
    names.push_back(app.runtime->spec.name);
  }
  return names;
}

}  // namespace pmd
