// Rolling replacement: reload, scale, and the no-downtime memory restart of cluster apps.
//
// A cluster app's socket belongs to the daemon, so a replacement can start next to the instance
// it replaces and share the port at once: it takes the slot only when it is ready, and the old
// instance drains after that. While that happens no connection is refused; the ones the old
// instance did not accept wait in the kernel's queue for the others.
#include "supervise/supervisor.h"

#include "jsonrpc.h"
#include "process/listeners.h"
#include "process/proc_table.h"
#include "units.h"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>

namespace pmd {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

std::string label(const std::string& name, int number) { return name + " #" + std::to_string(number); }

std::string interrupted(const std::string& name) {
  return "the reload of " + name + " was interrupted (the app was stopped, restarted or deleted meanwhile)";
}

std::shared_ptr<Instance> in_slot(const std::vector<std::shared_ptr<Instance>>& slots, int number) {
  for (const auto& inst : slots)
    if (inst->identity().number == number) return inst;
  return nullptr;
}

void forget(std::vector<std::shared_ptr<Instance>>& list, const std::shared_ptr<Instance>& inst) {
  std::erase(list, inst);
}

}  // namespace

Supervisor::BusyGuard::BusyGuard(Supervisor& sup, std::string name) : sup_(sup), name_(std::move(name)) {
  App* app = sup_.find_app(name_);
  if (!app) throw rpc::Error(rpc::kAppNotFound, "no app named '" + name_ + "'");
  if (app->busy)
    throw rpc::Error(rpc::kAppBusy, "a reload or scale of '" + name_ + "' is already under way; wait for it to finish");
  app->busy = true;
}

Supervisor::BusyGuard::~BusyGuard() {
  if (App* app = sup_.find_app(name_)) app->busy = false;
  sup_.busy_ended_.notify_all();
}

Supervisor::Swap Supervisor::start_replacement(App& app, const std::shared_ptr<Instance>& old,
                                               const std::string& reason) {
  Swap swap{old, make_instance(app.runtime, old->identity()), -1, {}};
  swap.error = swap.fresh->launch(reason);
  swap.fresh_pid = swap.fresh->pid();
  if (swap.error.empty()) app.incoming.push_back(swap.fresh);
  return swap;
}

void Supervisor::swap_in(App& app, const Swap& swap, const std::string& reason, bool for_memory) {
  forget(app.incoming, swap.fresh);
  auto slot = std::find(app.instances.begin(), app.instances.end(), swap.old);
  if (slot == app.instances.end()) return;
  swap.fresh->continue_counters_of(*swap.old, for_memory);
  *slot = swap.fresh;
  app.retiring.push_back(swap.old);
  swap.old->request_stop("replaced by pid " + std::to_string(swap.fresh_pid) + " (" + reason + ")");
}

asio::awaitable<std::string> Supervisor::replace_batch(const std::string& name, const std::vector<int>& batch,
                                                       std::uint64_t epoch, const std::string& reason,
                                                       const Progress& progress) {
  App* app = find_app(name);
  if (!app || app->epoch != epoch) co_return interrupted(name);
  std::vector<Swap> swaps;
  for (int number : batch) {
    auto old = in_slot(app->instances, number);
    if (!old) continue;
    if (old->is_running()) {
      swaps.push_back(start_replacement(*app, old, reason));
    } else {
      // Nothing serves in this slot: start it in place.
      old->reset_restart_history();
      auto error = old->launch(reason);
      swaps.push_back({nullptr, old, old->pid(), error});
    }
  }
  for (auto& swap : swaps)
    if (swap.error.empty()) swap.error = co_await swap.fresh->wait_ready();

  app = find_app(name);
  const bool still_wanted = app && app->epoch == epoch;
  std::string failure;
  std::vector<std::shared_ptr<Instance>> abandoned;
  for (auto& swap : swaps) {
    const std::string who = label(name, swap.fresh->identity().number);
    const std::string fresh_pid = "pid " + std::to_string(swap.fresh_pid);
    if (!swap.old) {
      if (!swap.error.empty() && failure.empty()) failure = who + ": " + swap.error;
      if (progress) progress(who + ": started " + fresh_pid + (swap.error.empty() ? "" : " but " + swap.error));
      continue;
    }
    if (!still_wanted || !swap.error.empty()) {
      if (app) forget(app->incoming, swap.fresh);
      if (swap.fresh_pid > 0) abandoned.push_back(swap.fresh);
      if (!still_wanted) continue;
      std::string what = who + ": the replacement " + (swap.fresh_pid > 0 ? "(" + fresh_pid + ") " : "") +
                         "failed: " + swap.error + "; pid " + std::to_string(swap.old->pid()) + " keeps serving";
      swap.old->set_reload_error(what);
      if (progress) progress(what);
      if (failure.empty()) failure = what;
      continue;
    }
    const pid_t old_pid = swap.old->pid();
    swap_in(*app, swap, reason, false);
    if (progress)
      progress(who + ": pid " + std::to_string(old_pid) + " -> " + fresh_pid + " (" + swap.fresh->readiness_note() +
               ")");
  }
  for (auto& inst : abandoned) inst->request_stop(still_wanted ? "replacement failed; stopped" : "reload interrupted");
  for (auto& inst : abandoned) co_await inst->wait_until_down();
  if (!still_wanted) co_return interrupted(name);
  co_return failure;
}

asio::awaitable<std::string> Supervisor::restart_batch(const std::string& name, const std::vector<int>& batch,
                                                       std::uint64_t epoch, const std::string& reason,
                                                       const Progress& progress) {
  App* app = find_app(name);
  if (!app || app->epoch != epoch) co_return interrupted(name);
  std::vector<std::shared_ptr<Instance>> targets;
  std::vector<pid_t> old_pids;
  for (int number : batch) {
    if (auto inst = in_slot(app->instances, number)) {
      targets.push_back(inst);
      old_pids.push_back(inst->pid());
    }
  }
  co_await stop_and_wait(targets, "restarting: " + reason);
  app = find_app(name);
  if (!app || app->epoch != epoch) co_return interrupted(name);
  std::vector<std::string> errors(targets.size());
  for (std::size_t i = 0; i < targets.size(); ++i) {
    targets[i]->reset_restart_history();
    errors[i] = targets[i]->launch(reason);
  }
  std::vector<pid_t> new_pids;
  for (auto& inst : targets) new_pids.push_back(inst->pid());
  for (std::size_t i = 0; i < targets.size(); ++i)
    if (errors[i].empty()) errors[i] = co_await targets[i]->wait_ready();
  std::string failure;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const std::string who = label(name, targets[i]->identity().number);
    std::string line = who + ": restarted, pid " + (old_pids[i] > 0 ? std::to_string(old_pids[i]) : "-") + " -> pid " +
                       std::to_string(new_pids[i]);
    if (errors[i].empty()) {
      line += " (" + targets[i]->readiness_note() + ")";
    } else {
      line += ", but " + errors[i];
      targets[i]->set_reload_error(line);
      if (failure.empty()) failure = line;
    }
    if (progress) progress(line);
  }
  co_return failure;
}

asio::awaitable<void> Supervisor::roll_app(const std::string& name, const std::vector<int>& numbers, int parallel,
                                           const std::string& reason, const Progress& progress) {
  App* app = find_app(name);
  if (!app) co_return;
  const std::uint64_t epoch = app->epoch;
  const bool side_by_side = app->runtime->has_socket();
  const std::size_t step = static_cast<std::size_t>(std::max(1, parallel));
  std::string failure;
  for (std::size_t first = 0; first < numbers.size() && failure.empty(); first += step) {
    std::vector<int> batch(numbers.begin() + static_cast<std::ptrdiff_t>(first),
                           numbers.begin() + static_cast<std::ptrdiff_t>(std::min(first + step, numbers.size())));
    // (No co_await inside ?: here: GCC 12 evaluates both arms of such a conditional.)
    if (side_by_side)
      failure = co_await replace_batch(name, batch, epoch, reason, progress);
    else
      failure = co_await restart_batch(name, batch, epoch, reason, progress);
  }
  co_await wait_retired(name);
  if (!failure.empty()) throw rpc::Error(rpc::kReloadAborted, failure);
}

asio::awaitable<void> Supervisor::wait_retired(const std::string& name) {
  App* app = find_app(name);
  if (!app) co_return;
  auto retiring = app->retiring;
  for (auto& inst : retiring) co_await inst->wait_until_down();
  if ((app = find_app(name)))
    std::erase_if(app->retiring, [](const auto& inst) {
      return inst->state() == InstanceState::kStopped || inst->state() == InstanceState::kErrored;
    });
}

asio::awaitable<json> Supervisor::reload(const std::string& target, int parallel,
                                         const std::optional<Env>& new_base_env, Progress progress) {
  auto instances = resolve_some(target, "reload");
  // Which apps, in registry order, and which of their instance numbers.
  std::vector<std::pair<std::string, std::vector<int>>> plan;
  for (auto& app : apps_) {
    std::vector<int> numbers;
    for (auto& inst : app.instances)
      if (std::find(instances.begin(), instances.end(), inst) != instances.end())
        numbers.push_back(inst->identity().number);
    if (!numbers.empty()) plan.emplace_back(app.runtime->spec.name, numbers);
  }
  // Every app is attempted: one that fails keeps its old instances serving, and the others
  // still reload (PM2 goes on too); the failures are reported together at the end.
  json done = json::array();
  std::vector<std::string> failures;
  for (const auto& [name, numbers] : plan) {
    if (!find_app(name)) continue;  // deleted meanwhile
    BusyGuard busy(*this, name);
    if (new_base_env) find_app(name)->runtime->spec.base_env = *new_base_env;
    auto started = std::chrono::steady_clock::now();
    try {
      co_await roll_app(name, numbers, parallel, "reloaded by request", progress);
      auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
      done.push_back({{"name", name}, {"replaced", numbers.size()}, {"ms", took.count()}});
    } catch (const rpc::Error& e) {
      failures.push_back(e.what());
    }
  }
  if (!failures.empty()) {
    std::string message = "reload aborted: " + failures.front();
    for (std::size_t i = 1; i < failures.size(); ++i) message += "; " + failures[i];
    if (!done.empty()) {
      message += " (reloaded:";
      for (const auto& app : done) message += " " + app.value("name", "");
      message += ")";
    }
    throw rpc::Error(rpc::kReloadAborted, message);
  }
  co_return json{{"apps", done}, {"instances", views(resolve(target))}};
}

asio::awaitable<json> Supervisor::scale(const std::string& target, const std::string& how, Progress progress) {
  auto instances = resolve(target);
  const std::string name = instances.front()->app().spec.name;
  const int current = static_cast<int>(find_app(name)->instances.size());
  const bool relative = !how.empty() && (how[0] == '+' || how[0] == '-');
  int value = 0;
  const char* begin = how.data() + (relative && how[0] == '+' ? 1 : 0);
  auto [ptr, ec] = std::from_chars(begin, how.data() + how.size(), value);
  if (how.empty() || ec != std::errc() || ptr != how.data() + how.size())
    throw rpc::Error(rpc::kInvalidParams, "scale expects a number of instances: 4, +2 or -1 (got '" + how + "')");
  const long long wanted = relative ? static_cast<long long>(current) + value : value;
  if (wanted < 1)
    throw rpc::Error(rpc::kInvalidParams, "cannot scale " + name + " to " + std::to_string(wanted) +
                                              " instances; to stop every instance use `pmctl stop " + name + "`");
  if (wanted > kMaxInstances)
    throw rpc::Error(rpc::kInvalidParams,
                     "cannot scale " + name + " beyond " + std::to_string(kMaxInstances) + " instances");
  BusyGuard busy(*this, name);
  co_await set_instance_count(name, wanted, progress);
  App* app = find_app(name);
  if (!app) throw rpc::Error(rpc::kAppNotFound, "app '" + name + "' was deleted during the scale");
  // New instances write new log and pid files: the watch must leave those alone too.
  if (app->watcher)
    if (auto error = arm_triggers(*app); !error.empty()) spdlog::warn("app {}: {}", name, error);
  co_return json{{"name", name}, {"from", current}, {"to", wanted}, {"instances", views(app->instances)}};
}

asio::awaitable<void> Supervisor::set_instance_count(const std::string& name, int wanted, const Progress& progress) {
  App* app = find_app(name);
  if (!app) co_return;
  const int current = static_cast<int>(app->instances.size());
  if (wanted > current) {
    std::set<int> used;
    for (auto& inst : app->instances) used.insert(inst->identity().number);
    std::vector<std::pair<std::shared_ptr<Instance>, std::string>> added;
    for (int number = 0; static_cast<int>(app->instances.size()) < wanted; ++number) {
      if (used.count(number)) continue;
      auto inst = make_instance(app->runtime, InstanceIdentity{next_id_++, number});
      app->instances.push_back(inst);
      added.emplace_back(inst, inst->launch("scaled up"));
    }
    std::sort(app->instances.begin(), app->instances.end(),
              [](const auto& a, const auto& b) { return a->identity().number < b->identity().number; });
    app->runtime->spec.instances = wanted;
    std::string failure;
    for (auto& [inst, error] : added) {
      if (error.empty()) error = co_await inst->wait_ready();
      const std::string who = label(name, inst->identity().number);
      // Silent past listen_timeout but running: online, as `start` has it. (A reload is stricter:
      // there an old instance is still serving and is kept.)
      std::string note = inst->readiness_note();
      if (!error.empty() && inst->state() == InstanceState::kOnline) {
        note = error + "; treated as online";
        error.clear();
      }
      std::string line =
          error.empty() ? who + ": started pid " + std::to_string(inst->pid()) + " (" + note + ")" : who + ": " + error;
      if (!error.empty() && failure.empty()) failure = line;
      if (progress) progress(line);
    }
    if (!failure.empty()) throw rpc::Error(rpc::kSpawnFailed, failure);
  } else if (wanted < current) {
    // The highest numbers go. They leave their slots at once (new work is not theirs any more)
    // and drain; the shared socket stays open, so nothing waiting in its queue is reset.
    auto by_number = app->instances;
    std::sort(by_number.begin(), by_number.end(),
              [](const auto& a, const auto& b) { return a->identity().number > b->identity().number; });
    by_number.resize(static_cast<std::size_t>(current - wanted));
    if (app->runtime->reuseport() && !kernel_migrates_queued_connections() && progress)
      progress(
          "note: net.ipv4.tcp_migrate_req is 0, so connections queued on a closing reuseport slot can be reset; "
          "`sysctl -w net.ipv4.tcp_migrate_req=1` makes the kernel hand them to the other instances");
    for (auto& inst : by_number) {
      forget(app->instances, inst);
      app->retiring.push_back(inst);
      // reuseport: pmd lets go of the slot's socket first, so it leaves the kernel's group as
      // soon as the instance stops accepting, instead of collecting connections nobody takes.
      app->runtime->close_slot(inst->identity().number);
      if (progress) progress(label(name, inst->identity().number) + ": stopping pid " + std::to_string(inst->pid()));
      inst->request_stop("scaled down");
    }
    app->runtime->spec.instances = wanted;
    co_await wait_retired(name);
  }
}

asio::awaitable<void> Supervisor::replace_for_memory(std::string name, std::shared_ptr<Instance> inst,
                                                     std::string reason) {
  App* app = find_app(name);
  if (!app || app->busy) co_return;
  BusyGuard busy(*this, name);
  Swap swap = start_replacement(*app, inst, "replaced: " + reason);
  if (swap.error.empty()) swap.error = co_await swap.fresh->wait_ready();
  app = find_app(name);
  const bool still_there = app && inst->is_running() && in_slot(app->instances, inst->identity().number) == inst;
  if (!swap.error.empty() || !still_there) {
    if (app) forget(app->incoming, swap.fresh);
    if (swap.fresh->is_running()) {
      swap.fresh->request_stop("memory replacement abandoned");
      co_await swap.fresh->wait_until_down();
    }
    if (still_there) {
      spdlog::warn("app {} [id {}]: its replacement failed ({}); restarting it in place", name, inst->identity().id,
                   swap.error);
      inst->restart_for(reason);
    }
    co_return;
  }
  swap_in(*app, swap, reason, true);
  co_await wait_retired(name);
}

}  // namespace pmd
