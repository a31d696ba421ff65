// Supervisor: the verbs, applied to the instances they target.
#include "supervise/supervisor.h"

#include "json_writer.h"
#include "loop/detached.h"
#include "loop/readable_watch.h"

#include "jsonrpc.h"
#include "nearest_name.h"
#include "process/launch_plan.h"
#include "process/listeners.h"
#include "process/proc_table.h"
#include "process/system_process_ops.h"
#include "supervise/target.h"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <cstring>

namespace pmd {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

std::string default_log_path(const HomePaths& paths, const std::string& name, const char* kind) {
  return (paths.logs_dir / (name + "-" + kind + ".log")).string();
}

}  // namespace

Supervisor::Supervisor(asio::io_context& io, ChildReaper& reaper, HomePaths paths, int notify_fd,
                       std::string notify_address)
    : io_(io),
      paths_(std::move(paths)),
      notify_(
          io, [this](pid_t sender, const std::map<std::string, std::string>& fields) { on_notify(sender, fields); },
          notify_fd, std::move(notify_address)),
      busy_ended_(io),
      handover_(std::make_shared<HandoverQueue>(io)) {
  if (const char* limit = std::getenv("PMD_MAX_WATCHES"))
    std::from_chars(limit, limit + std::strlen(limit), max_watches_);
  handover_->flush = [this] { flush_handover(); };
  // The processes get the notify socket's address, known once it is bound.
  ops_ = std::make_shared<SystemProcessOps>(io, reaper, notify_.address());
}

Supervisor::Supervisor(asio::io_context& io, HomePaths paths, std::shared_ptr<ProcessOps> ops)
    : io_(io),
      paths_(std::move(paths)),
      notify_(io,
              [this](pid_t sender, const std::map<std::string, std::string>& fields) { on_notify(sender, fields); }),
      ops_(std::move(ops)),
      busy_ended_(io),
      handover_(std::make_shared<HandoverQueue>(io)) {
  if (const char* limit = std::getenv("PMD_MAX_WATCHES"))
    std::from_chars(limit, limit + std::strlen(limit), max_watches_);
  handover_->flush = [this] { flush_handover(); };
}

Supervisor::~Supervisor() { handover_->flush = nullptr; }

std::shared_ptr<Instance> Supervisor::make_instance(const std::shared_ptr<AppRuntime>& runtime, InstanceIdentity who,
                                                    std::uint64_t serial) {
  auto inst = std::make_shared<Instance>(io_, ops_, runtime, who);
  if (serial == 0) serial = next_serial_++;
  inst->set_serial(serial);
  inst->on_change([weak = std::weak_ptr<HandoverQueue>(handover_), serial](bool state) {
    if (auto queue = weak.lock()) queue->mark_instance(serial, state);
  });
  inst->on_transition([observer = transition_observer_](const Instance& instance, const Transition& transition) {
    if (*observer) (*observer)(instance, transition);
  });
  return inst;
}

// READY=1 on the notify socket, from an instance's process (or anything in its group).
void Supervisor::on_notify(pid_t sender, const std::map<std::string, std::string>& fields) {
  auto ready = fields.find("READY");
  if (ready == fields.end() || ready->second != "1") return;
  // The sender may be the main process or anything in its group (a wrapper script's child).
  auto entry = read_proc_entry(sender);
  const pid_t group = entry ? entry->pgid : -1;
  for (auto& app : apps_) {
    for (auto* list : {&app.instances, &app.incoming}) {
      for (auto& inst : *list) {
        if (inst->is_running() && (inst->pid() == sender || inst->pid() == group)) {
          inst->notify_ready("said READY=1 (sd_notify)");
          return;
        }
      }
    }
  }
  spdlog::debug("READY=1 from pid {}, which is no instance of ours; ignored", sender);
}

Supervisor::App* Supervisor::find_app(const std::string& name) {
  auto it = std::find_if(apps_.begin(), apps_.end(), [&](const App& a) { return a.runtime->spec.name == name; });
  return it == apps_.end() ? nullptr : &*it;
}

std::vector<std::shared_ptr<Instance>> Supervisor::resolve(const std::string& target) const {
  std::vector<AppFacts> facts;
  for (const auto& app : apps_) {
    AppFacts f{app.runtime->spec.name, app.runtime->spec.namespace_, app.runtime->spec.script, {}};
    for (const auto& inst : app.instances) f.ids.push_back(inst->identity().id);
    facts.push_back(std::move(f));
  }
  TargetMatch match = match_target(target, facts);
  if (!match.error.empty()) throw rpc::Error(rpc::kAppNotFound, match.error);
  std::vector<std::shared_ptr<Instance>> out;
  for (std::size_t i : match.apps)
    for (const auto& inst : apps_[i].instances)
      if (!match.id || inst->identity().id == *match.id) out.push_back(inst);
  return out;
}

std::vector<std::shared_ptr<Instance>> Supervisor::resolve_some(const std::string& target, const char* verb) const {
  auto instances = resolve(target);
  // PM2 fails a verb that had nothing to act on; scripts rely on it.
  if (instances.empty())
    throw rpc::Error(rpc::kAppNotFound,
                     std::string("nothing to ") + verb + ": no apps are registered (start one with `pmctl start`)");
  return instances;
}

json Supervisor::views(const std::vector<std::shared_ptr<Instance>>& instances) const {
  json out = json::array();
  for (const auto& inst : instances) out.push_back(inst->view(false));
  return out;
}

json Supervisor::start(AppSpec spec, bool launch) {
  if (const App* existing = find_app(spec.name)) {
    throw rpc::Error(rpc::kAppExists, "an app named '" + spec.name + "' already exists (id " +
                                          std::to_string(existing->instances.front()->identity().id) +
                                          "): `pmctl restart " + spec.name +
                                          "` restarts it; -f or --name starts another");
  }
  resolve_log_paths(spec);
  auto runtime = std::make_shared<AppRuntime>(std::move(spec));
  runtime->use_board(output_board_);
  if (auto error = runtime->use_address(cluster_address(runtime->spec)); !error.empty())
    throw rpc::Error(rpc::kSpawnFailed, runtime->spec.name + ": " + error);
  App app;
  app.runtime = runtime;
  app.epoch = ++epoch_counter_;
  for (int n = 0; n < runtime->spec.instances; ++n)
    app.instances.push_back(make_instance(runtime, InstanceIdentity{next_id_ + n, n}));
  // A watch that cannot cover its tree is refused before anything runs.
  if (auto error = arm_triggers(app); !error.empty())
    throw rpc::Error(rpc::kInvalidParams, runtime->spec.name + ": " + error);
  for (auto& inst : app.instances) {
    if (!launch) break;
    auto error = inst->launch("started");
    if (!error.empty()) {
      // Nothing half-registered: the instances already launched are stopped at once.
      for (auto& other : app.instances)
        if (other->is_running()) other->request_stop("start failed");
      throw rpc::Error(rpc::kSpawnFailed, error);
    }
  }
  next_id_ += runtime->spec.instances;
  apps_.push_back(std::move(app));
  log_hub_.app_added(AppRuntime::log_of(runtime));
  spdlog::info("app {} registered with {} instance(s)", runtime->spec.name, runtime->spec.instances);
  return views(apps_.back().instances);
}

void Supervisor::resolve_log_paths(AppSpec& spec) const {
  if (spec.pid_file.empty()) spec.pid_file = (paths_.home / "pids" / (spec.name + ".pid")).string();
  if (spec.out_file.empty()) spec.out_file = default_log_path(paths_, spec.name, "out");
  if (spec.error_file.empty()) spec.error_file = default_log_path(paths_, spec.name, "error");
}

asio::awaitable<json> Supervisor::apply(AppSpec spec, ApplyMode mode, bool update_env, Progress progress) {
  const std::string name = spec.name;
  json result = co_await apply_spec(std::move(spec), mode, update_env, std::move(progress));
  // The spec may have changed what is watched or when cron fires.
  if (App* app = find_app(name); app && result.value("action", "") != "started")
    if (auto error = arm_triggers(*app); !error.empty()) throw rpc::Error(rpc::kInvalidParams, name + ": " + error);
  co_return result;
}

asio::awaitable<json> Supervisor::apply_spec(AppSpec spec, ApplyMode mode, bool update_env, Progress progress) {
  App* app = find_app(spec.name);
  if (!app) {
    std::string new_name = spec.name;
    const bool launch = spec.autostart;  // autostart: false registers it stopped, as PM2
    json started = start(std::move(spec), launch);
    co_await wait_ready(new_name);
    co_return json{{"name", new_name},
                   {"action", launch ? "started" : "registered stopped"},
                   {"instances", views(find_app(new_name)->instances)}};
  }

  const std::string name = spec.name;
  resolve_log_paths(spec);
  AppSpec& current = app->runtime->spec;
  if (!update_env) spec.base_env = current.base_env;
  json before = to_json(current), after = to_json(spec);
  before.erase("base_env");
  after.erase("base_env");
  const bool changed = before != after || (update_env && spec.base_env != current.base_env);
  if (!changed && mode == ApplyMode::kIfChanged) {
    bool all_up =
        std::all_of(app->instances.begin(), app->instances.end(), [](const auto& i) { return i->is_running(); });
    if (all_up) co_return json{{"name", name}, {"action", "unchanged"}, {"instances", views(app->instances)}};
    json started = co_await start_existing(name);
    co_return json{{"name", name}, {"action", "started"}, {"instances", started}};
  }

  // A reload keeps the app serving: same socket, replacements ready before the old ones stop.
  // Only a changed port cannot roll (the new instances would serve elsewhere): that restarts.
  const bool same_port = cluster_address(spec).value_or(ListenAddress{}) == app->runtime->listener.address &&
                         spec.balance == app->runtime->spec.balance;
  if (mode != ApplyMode::kRestart && same_port) {
    BusyGuard busy(*this, name);
    AppSpec previous = app->runtime->spec;
    const int wanted = spec.instances;
    app->runtime->log.reconfigure(log_settings_for(spec));
    app->runtime->spec = std::move(spec);
    app->runtime->spec.instances = static_cast<int>(app->instances.size());
    std::vector<int> numbers;
    for (const auto& inst : app->instances) numbers.push_back(inst->identity().number);
    std::string failure;
    try {
      co_await roll_app(name, numbers, 1, changed ? "reloaded with the new configuration" : "reloaded by request",
                        progress);
    } catch (const rpc::Error& e) {
      failure = e.what();
    }
    if (!failure.empty()) {
      // The old instances keep serving; so their spec stays in force for their restarts.
      if (App* a = find_app(name)) {
        a->runtime->log.reconfigure(log_settings_for(previous));
        a->runtime->spec = std::move(previous);
      }
      throw rpc::Error(rpc::kReloadAborted, failure);
    }
    if (wanted != static_cast<int>(find_app(name)->instances.size()))
      co_await set_instance_count(name, wanted, progress);
    app = find_app(name);
    co_return json{{"name", name}, {"action", "reloaded"}, {"instances", views(app->instances)}};
  }

  // Restart: stop what runs on the old spec, then switch specs and relaunch on the new one.
  app->epoch = ++epoch_counter_;
  auto instances = app->instances;
  co_await stop_and_wait(instances,
                         mode == ApplyMode::kRestart ? "restarting by request" : "restarting: the app's port changed");
  app = find_app(name);  // the registry may have changed while we waited
  if (!app) throw rpc::Error(rpc::kAppNotFound, "app '" + name + "' was deleted during the restart");
  // A cluster app keeps its socket across the restart unless its port changed.
  auto address = cluster_address(spec);
  const bool rebind =
      address.value_or(ListenAddress{}) != app->runtime->listener.address || spec.balance != app->runtime->spec.balance;
  if (rebind) {
    app->runtime->spec.balance = spec.balance;
    if (auto error = app->runtime->use_address(address); !error.empty())
      throw rpc::Error(rpc::kSpawnFailed, name + ": " + error);
  }
  app->runtime->log.reconfigure(log_settings_for(spec));
  app->runtime->spec = std::move(spec);
  const int wanted = app->runtime->spec.instances;
  while (static_cast<int>(app->instances.size()) > wanted) app->instances.pop_back();
  for (int n = static_cast<int>(app->instances.size()); n < wanted; ++n)
    app->instances.push_back(make_instance(app->runtime, InstanceIdentity{next_id_++, n}));
  std::string first_error;
  for (auto& inst : app->instances) {
    inst->reset_restart_history();
    auto error =
        inst->launch(mode == ApplyMode::kRestart ? "restarted by request" : "restarted with the new configuration");
    if (!error.empty() && first_error.empty()) first_error = error;
  }
  if (!first_error.empty()) throw rpc::Error(rpc::kSpawnFailed, name + ": " + first_error);
  co_await wait_ready(name);
  app = find_app(name);
  if (!app) throw rpc::Error(rpc::kAppNotFound, "app '" + name + "' was deleted during the restart");
  co_return json{{"name", name}, {"action", "restarted"}, {"instances", views(app->instances)}};
}

std::string Supervisor::bind_failure(const std::string& name) const {
  for (const auto& app : apps_)
    if (app.runtime->spec.name == name) return app.runtime->bind_failure;
  return {};
}

asio::awaitable<void> Supervisor::wait_ready(const std::string& name) {
  App* app = find_app(name);
  if (!app) co_return;
  auto instances = app->instances;
  for (auto& inst : instances) co_await inst->wait_ready();
}

asio::awaitable<json> Supervisor::start_existing(const std::string& target) {
  // PM2's meaning: stopped instances start (not a restart), running ones restart.
  auto instances = resolve(target);
  std::vector<std::shared_ptr<Instance>> running;
  for (auto& inst : instances) {
    auto s = inst->state();
    if (s == InstanceState::kStopped || s == InstanceState::kErrored) {
      inst->forget_crash_history();
      auto error = inst->launch("started by request");
      if (!error.empty()) throw rpc::Error(rpc::kSpawnFailed, error);
    } else if (s != InstanceState::kStopping) {
      running.push_back(inst);
    }
  }
  if (!running.empty()) co_await restart_instances(running, "restarted by request (start of a running app)");
  for (auto& inst : instances) co_await inst->wait_ready();
  co_return views(instances);
}

json Supervisor::reset_counters(const std::string& target) {
  auto instances = resolve_some(target, "reset");
  for (auto& inst : instances) inst->reset_counters();
  return views(instances);
}

json Supervisor::send_signal(const std::string& target, int signo) {
  auto instances = resolve_some(target, "signal");
  json signalled = json::array();
  for (auto& inst : instances)
    if (inst->send_signal(signo)) signalled.push_back(inst->view(false));
  if (signalled.empty())
    throw rpc::Error(rpc::kAppNotFound, "no process of '" + target + "' is running to receive the signal");
  return signalled;
}

json Supervisor::environments(const std::string& target) const {
  json out = json::array();
  for (const auto& inst : resolve(target))
    out.push_back({{"id", inst->identity().id},
                   {"name", inst->app().spec.name},
                   {"env", instance_environment(inst->app().spec, inst->identity())}});
  return out;
}

json Supervisor::specs(const std::string& target) const {
  auto instances = resolve(target);
  json out = json::array();
  for (const auto& app : apps_) {
    bool targeted = std::any_of(app.instances.begin(), app.instances.end(), [&](const auto& inst) {
      return std::find(instances.begin(), instances.end(), inst) != instances.end();
    });
    if (targeted) out.push_back(to_json(app.runtime->spec));
  }
  return out;
}

asio::awaitable<void> Supervisor::stop_and_wait(const std::vector<std::shared_ptr<Instance>>& instances,
                                                const std::string& reason) {
  // Signal every instance first, then wait: they stop in parallel, not one kill_timeout each.
  for (auto& inst : instances) inst->request_stop(reason);
  for (auto& inst : instances) co_await inst->wait_until_down();
}

void Supervisor::add_transients(const App& app, std::vector<std::shared_ptr<Instance>>& out) {
  out.insert(out.end(), app.incoming.begin(), app.incoming.end());
  out.insert(out.end(), app.retiring.begin(), app.retiring.end());
}

void Supervisor::interrupt_reloads(const std::vector<std::shared_ptr<Instance>>& instances) {
  for (auto& app : apps_)
    for (auto& inst : app.instances)
      if (std::find(instances.begin(), instances.end(), inst) != instances.end()) app.epoch = ++epoch_counter_;
}

asio::awaitable<json> Supervisor::stop(const std::string& target) {
  auto instances = resolve_some(target, "stop");
  interrupt_reloads(instances);
  co_await stop_and_wait(instances, "stopped by request");
  co_return views(instances);
}

asio::awaitable<json> Supervisor::restart(const std::string& target, const std::optional<Env>& new_base_env) {
  auto instances = resolve_some(target, "restart");
  if (new_base_env) {
    for (auto& app : apps_) {
      bool targeted = std::any_of(app.instances.begin(), app.instances.end(), [&](const auto& inst) {
        return std::find(instances.begin(), instances.end(), inst) != instances.end();
      });
      if (targeted) app.runtime->spec.base_env = *new_base_env;
    }
  }
  co_await restart_instances(instances, "restarted by request");
  co_return views(instances);
}

asio::awaitable<void> Supervisor::restart_instances(std::vector<std::shared_ptr<Instance>> instances,
                                                    std::string reason) {
  interrupt_reloads(instances);
  co_await stop_and_wait(instances, "restarting by request");
  std::vector<std::string> errors;
  for (auto& inst : instances) {
    inst->reset_restart_history();
    auto error = inst->launch(reason);
    if (!error.empty()) errors.push_back(inst->app().spec.name + ": " + error);
  }
  if (!errors.empty()) {
    std::string message = errors.front();
    if (errors.size() > 1) message += " (and " + std::to_string(errors.size() - 1) + " more)";
    throw rpc::Error(rpc::kSpawnFailed, message);
  }
  for (auto& inst : instances) co_await inst->wait_ready();
}

asio::awaitable<json> Supervisor::remove(const std::string& target) {
  auto instances = resolve_some(target, "delete");
  interrupt_reloads(instances);
  // Whole apps going away take their draining predecessors with them.
  auto doomed = instances;
  for (auto& app : apps_) {
    bool whole = std::all_of(app.instances.begin(), app.instances.end(), [&](const auto& inst) {
      return std::find(instances.begin(), instances.end(), inst) != instances.end();
    });
    if (whole) add_transients(app, doomed);
  }
  co_await stop_and_wait(doomed, "deleting");
  json removed = views(instances);
  for (auto& app : apps_) {
    std::erase_if(app.instances, [&](const std::shared_ptr<Instance>& inst) {
      return std::find(instances.begin(), instances.end(), inst) != instances.end();
    });
  }
  std::erase_if(apps_, [this](const App& app) {
    if (!app.instances.empty()) return false;
    log_hub_.app_removed(AppRuntime::log_of(app.runtime));
    spdlog::info("app {} deleted", app.runtime->spec.name);
    return true;
  });
  co_return removed;
}

asio::awaitable<void> Supervisor::stop_all() {
  auto everything = resolve("all");
  interrupt_reloads(everything);
  for (auto& app : apps_) add_transients(app, everything);
  co_await stop_and_wait(everything, "daemon shutting down");
}

std::vector<DumpEntry> Supervisor::snapshot() const {
  std::vector<DumpEntry> out;
  for (const auto& app : apps_) {
    bool running = std::any_of(app.instances.begin(), app.instances.end(),
                               [](const auto& inst) { return inst->state() != InstanceState::kStopped; });
    out.push_back(DumpEntry{app.runtime->spec, running});
  }
  return out;
}

asio::awaitable<json> Supervisor::restore(std::vector<DumpEntry> entries) {
  json rows = json::array();
  std::vector<std::string> started;
  for (auto& entry : entries) {
    const std::string name = entry.spec.name;
    json row{{"name", name}};
    if (find_app(name)) {
      row["action"] = "already present";
    } else {
      try {
        start(std::move(entry.spec), entry.running);
        row["action"] = entry.running ? "started" : "registered stopped";
        if (entry.running) started.push_back(name);
      } catch (const rpc::Error& e) {
        row["action"] = "failed";
        row["error"] = e.what();
        spdlog::warn("resurrect: {}: {}", name, e.what());
      }
    }
    rows.push_back(std::move(row));
  }
  // Launched all at once above; now waited on together, so one slow app does not delay the rest.
  for (const auto& name : started) co_await wait_ready(name);
  co_return rows;
}

json Supervisor::list() const {
  // Instances being replaced are shown too, draining, until they are gone.
  json out = json::array();
  for (const auto& app : apps_) {
    for (const auto& inst : app.instances) out.push_back(inst->view(false));
    for (const auto& inst : app.retiring) {
      json v = inst->view(false);
      v["retiring"] = true;
      out.push_back(std::move(v));
    }
  }
  return out;
}

std::string Supervisor::list_text() const {
  std::string text;
  JsonWriter out(text);
  out.begin_array();
  for (const auto& app : apps_) {
    for (const auto& inst : app.instances) inst->write_list_row(out, false);
    for (const auto& inst : app.retiring) inst->write_list_row(out, true);
  }
  out.end_array();
  return text;
}

json Supervisor::describe(const std::string& target) const {
  json out = json::array();
  for (const auto& inst : resolve(target)) {
    json v = inst->view(true);
    // What restarts the app by itself: its watch and its cron schedule.
    for (const auto& app : apps_) {
      if (std::find(app.instances.begin(), app.instances.end(), inst) == app.instances.end()) continue;
      v["watching"] =
          app.watcher ? json{{"paths", app.watcher->plan().roots},
                             {"directories", app.watcher->watched()},
                             {"problem", app.watcher->problem().empty() ? json(nullptr) : json(app.watcher->problem())}}
                      : json(nullptr);
      const auto next = app.cron ? app.cron->next() : std::nullopt;
      v["cron_next_ms"] =
          next ? json(std::chrono::duration_cast<std::chrono::milliseconds>(next->time_since_epoch()).count())
               : json(nullptr);
      v["last_trigger"] = app.last_trigger.empty() ? json(nullptr) : json(app.last_trigger);
    }
    out.push_back(std::move(v));
  }
  return out;
}

json Supervisor::logs(const std::string& target, std::size_t lines, bool follow,
                      const std::shared_ptr<RpcConnection>& connection) {
  // Which apps, and which instance ids of them when the target is an id.
  auto instances = resolve(target);
  const bool whole_apps = target == "all" || !std::all_of(target.begin(), target.end(),
                                                          [](unsigned char c) { return std::isdigit(c) != 0; });
  std::vector<LogSource> sources;
  for (auto& app : apps_) {
    std::vector<int> ids;
    for (auto& inst : app.instances)
      if (std::find(instances.begin(), instances.end(), inst) != instances.end()) ids.push_back(inst->identity().id);
    if (!ids.empty()) sources.push_back({AppRuntime::log_of(app.runtime), whole_apps ? std::vector<int>{} : ids});
  }
  json out = log_hub_.recent(sources, lines);
  // `all` also means the apps started from now on.
  if (follow) log_hub_.follow(sources, target == "all", connection);
  return out;
}

json Supervisor::flush_logs(const std::string& target) {
  auto instances = resolve(target);
  json flushed = json::array();
  for (auto& app : apps_) {
    bool targeted = std::any_of(app.instances.begin(), app.instances.end(), [&](const auto& inst) {
      return std::find(instances.begin(), instances.end(), inst) != instances.end();
    });
    if (!targeted) continue;
    app.runtime->log.flush();
    flushed.push_back(app.runtime->spec.name);
  }
  return flushed;
}

void Supervisor::echo_logs(LogEcho echo) { log_hub_.echo_to(std::move(echo)); }

void Supervisor::reopen_logs() {
  log_hub_.reopen_all();
  spdlog::info("reopened every app's log files");
}

void Supervisor::retry_logs() { log_hub_.retry(); }

void Supervisor::sweep() { ops_->sweep(); }

void Supervisor::on_upkeep_needed(std::function<void()> callback) {
  upkeep_needed_ = std::move(callback);
  log_hub_.on_failure([this] {
    if (upkeep_needed_) upkeep_needed_();
  });
}

bool Supervisor::upkeep_pending() const {
  return ops_->sweep_pending() || log_hub_.needs_upkeep() || (holder_ && !holder_->connected());
}

bool Supervisor::any_memory_limit() const {
  return std::any_of(apps_.begin(), apps_.end(),
                     [](const App& app) { return app.runtime->spec.max_memory_restart > 0; });
}

std::vector<std::shared_ptr<Instance>> Supervisor::running_instances() const {
  // Launching and stopping ones too: the sampler forgets processes it cannot attribute.
  std::vector<std::shared_ptr<Instance>> out;
  for (const auto& app : apps_)
    for (const auto& inst : app.instances)
      if (inst->is_running()) out.push_back(inst);
  return out;
}

void Supervisor::restart_for_memory(const std::shared_ptr<Instance>& inst, const std::string& reason) {
  App* app = find_app(inst->app().spec.name);
  if (!app || std::find(app->instances.begin(), app->instances.end(), inst) == app->instances.end()) return;
  if (app->busy) return;  // a reload or a replacement is under way; the next sample decides
  // Cluster mode: a replacement serves before the leaking instance stops (no downtime).
  if (app->runtime->has_socket()) {
    spdlog::warn("app {} [id {}]: {}; replacing it (the replacement serves first)", app->runtime->spec.name,
                 inst->identity().id, reason);
    asio::co_spawn(io_, replace_for_memory(app->runtime->spec.name, inst, reason),
                   logged("replacing app " + app->runtime->spec.name + " for its memory"));
  } else {
    spdlog::warn("app {} [id {}]: {}; restarting it", app->runtime->spec.name, inst->identity().id, reason);
    inst->restart_for(reason);
  }
}

}  // namespace pmd
