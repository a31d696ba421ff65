// Method registry: params checked here, work done by the Supervisor.
#include "methods.h"

#include "jsonrpc.h"
#include "persistence.h"
#include "pmd_version.h"
#include "prometheus_text.h"
#include "signals.h"

#include <spdlog/spdlog.h>

#include <unistd.h>

namespace pmd {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

std::string target_of(const json& params) {
  return rpc::require_param(params, "target", json::value_t::string).get<std::string>();
}

std::optional<Env> base_env_of(const json& params) {
  if (!params.contains("base_env")) return std::nullopt;
  const json& e = rpc::require_param(params, "base_env", json::value_t::object);
  Env parsed;
  for (auto& [k, v] : e.items()) {
    if (!v.is_string()) throw rpc::Error(rpc::kInvalidParams, "invalid params: base_env values must be strings");
    parsed[k] = v.get<std::string>();
  }
  return parsed;
}

// Progress lines of a reload or scale, sent to the client that asked as they happen.
Progress progress_to(const std::shared_ptr<RpcConnection>& connection) {
  std::weak_ptr<RpcConnection> weak = connection;
  return [weak](const std::string& line) {
    if (auto c = weak.lock(); c && !c->closed())
      c->send_stream(rpc::encode_notification("progress", json{{"message", line}}));
  };
}

// A method that takes {target} and answers at once, from the supervisor's state.
Method on_target(std::string summary, std::function<json(const std::string& target)> answer) {
  return {
      std::move(summary),
      [answer = std::move(answer)](const json& params, const std::shared_ptr<RpcConnection>&) -> asio::awaitable<json> {
        co_return answer(target_of(params));
      }};
}

json daemon_identity(const std::function<json()>& extra) {
  json r = {{"version", kVersion}, {"pid", ::getpid()}};
  if (extra) r.update(extra());
  return r;
}

// The methods after which the set of apps, their specs or whether they run may have changed.
constexpr const char* kChangingMethods[] = {"start",  "apply", "stop",   "restart",
                                            "reload", "scale", "delete", "unwatch"};

// Autosave: the method runs as before, then the apps are saved; a failed save is logged, not
// turned into a failure of the method that already happened.
void save_after(Method& method, Supervisor& sup, const StateStore& store) {
  method.handler = [inner = std::move(method.handler), &sup, &store](
                       const json& params, const std::shared_ptr<RpcConnection>& connection) -> asio::awaitable<json> {
    json result = co_await inner(params, connection);
    try {
      save_apps(sup, store, true);
    } catch (const rpc::Error& e) {
      spdlog::error("autosave: {}", e.what());
    }
    co_return result;
  };
}

}  // namespace

MethodTable make_method_table(Supervisor& sup, Monitor& monitor, const StateStore& store, bool autosave,
                              std::function<void()> request_shutdown, UpgradeHandler upgrade,
                              std::function<json()> identity) {
  MethodTable t;
  t["ping"] = {"answers pong; used to check the daemon is alive",
               [identity](const json&, const std::shared_ptr<RpcConnection>&) -> asio::awaitable<json> {
                 json r = daemon_identity(identity);
                 r["pong"] = true;
                 co_return r;
               }};
  t["version"] = {"the daemon's version and pid, when this image started, its fd holder's pid, and what it adopted",
                  [identity](const json&, const std::shared_ptr<RpcConnection>&) -> asio::awaitable<json> {
                    co_return daemon_identity(identity);
                  }};
  t["update"] = {
      "upgrade in place: try {binary} (a pmd reading this one's handover format), wait until no reload or "
      "scale is under way, reply, then exec it in the same process with every app handed over (none restarts)",
      [upgrade](const json& params, const std::shared_ptr<RpcConnection>& connection) -> asio::awaitable<json> {
        if (!upgrade) throw rpc::Error(rpc::kInvalidParams, "this pmd cannot upgrade in place (pmd run)");
        co_return co_await upgrade(rpc::require_param(params, "binary", json::value_t::string).get<std::string>(),
                                   connection);
      }};
  t["start"] = {
      "start an app from {spec} ({launch} false, or autostart false in the spec: register it stopped), or {target}: "
      "start its stopped "
      "instances and restart its running ones",
      [&sup](const json& params, const std::shared_ptr<RpcConnection>&) -> asio::awaitable<json> {
        if (params.contains("spec")) {
          auto spec = app_spec_from_json(params["spec"]);
          std::string name = spec.name;
          sup.start(std::move(spec), rpc::optional_param(params, "launch", true));
          co_await sup.wait_ready(name);  // the answer shows them online, not launching
          // A port in use, learned from the app's own listen(): its instances gave up.
          if (auto failure = sup.bind_failure(name); !failure.empty())
            throw rpc::Error(rpc::kSpawnFailed, name + ": " + failure);
          co_return sup.describe_list(name);
        }
        co_return co_await sup.start_existing(target_of(params));
      }};
  t["apply"] = {
      "start {specs} as PM2's startOrReload does: new apps start, changed ones reload (rolling), unchanged "
      "running ones are left alone; {mode} \"restart\" or \"reload\" also redoes unchanged apps; "
      "{update_env} also replaces the inherited environment; `progress` notifications as it goes",
      [&sup](const json& params, const std::shared_ptr<RpcConnection>& connection) -> asio::awaitable<json> {
        const json& specs = rpc::require_param(params, "specs", json::value_t::array);
        std::string mode_name = rpc::optional_param(params, "mode", std::string());
        if (rpc::optional_param(params, "force", false)) mode_name = "restart";  // older clients
        ApplyMode mode = mode_name == "restart"  ? ApplyMode::kRestart
                         : mode_name == "reload" ? ApplyMode::kReload
                                                 : ApplyMode::kIfChanged;
        if (!mode_name.empty() && mode == ApplyMode::kIfChanged)
          throw rpc::Error(rpc::kInvalidParams, "invalid params: mode must be \"restart\" or \"reload\"");
        bool update_env = rpc::optional_param(params, "update_env", false);
        std::vector<AppSpec> parsed;
        for (const auto& s : specs) parsed.push_back(app_spec_from_json(s));
        json results = json::array();
        for (auto& spec : parsed)
          results.push_back(co_await sup.apply(std::move(spec), mode, update_env, progress_to(connection)));
        co_return results;
      }};
  t["stop"] = {"stop {target}: kill_signal, then SIGKILL after kill_timeout",
               [&sup](const json& params, const std::shared_ptr<RpcConnection>&) -> asio::awaitable<json> {
                 co_return co_await sup.stop(target_of(params));
               }};
  t["restart"] = {"stop and start {target} again; {base_env} replaces the environment (--update-env)",
                  [&sup](const json& params, const std::shared_ptr<RpcConnection>&) -> asio::awaitable<json> {
                    co_return co_await sup.restart(target_of(params), base_env_of(params));
                  }};
  t["reload"] = {
      "rolling reload of {target}, {parallel} instances at a time (default 1): cluster apps start each "
      "replacement, wait until it is ready, then stop the old one; fork-mode apps restart one by one; "
      "`progress` notifications as it goes; {base_env} replaces the environment (--update-env)",
      [&sup](const json& params, const std::shared_ptr<RpcConnection>& connection) -> asio::awaitable<json> {
        int parallel = rpc::optional_param(params, "parallel", 1);
        if (parallel < 1) throw rpc::Error(rpc::kInvalidParams, "invalid params: \"parallel\" must be at least 1");
        co_return co_await sup.reload(target_of(params), parallel, base_env_of(params), progress_to(connection));
      }};
  t["scale"] = {
      "set the number of instances of {target} to {instances}: \"4\", \"+2\" or \"-1\"; "
      "`progress` notifications as it goes",
      [&sup](const json& params, const std::shared_ptr<RpcConnection>& connection) -> asio::awaitable<json> {
        const json& n = rpc::require_param(params, "instances", json::value_t::string);
        co_return co_await sup.scale(target_of(params), n.get<std::string>(), progress_to(connection));
      }};
  t["delete"] = {"stop {target} and forget it",
                 [&sup](const json& params, const std::shared_ptr<RpcConnection>&) -> asio::awaitable<json> {
                   co_return co_await sup.remove(target_of(params));
                 }};
  t["unwatch"] =
      on_target("stop watching the files of {target}'s apps (pmctl stop --watch); the names of those that were",
                [&sup](const std::string& target) { return sup.unwatch(target); });
  t["reset"] = on_target("set the restart counters of {target} back to zero",
                         [&sup](const std::string& target) { return sup.reset_counters(target); });
  t["signal"] = {
      "send {signal} (a name such as \"SIGUSR2\" or a number) to the main process of each running "
      "instance of {target}, as PM2's sendSignal",
      [&sup](const json& params, const std::shared_ptr<RpcConnection>&) -> asio::awaitable<json> {
        const json& given = rpc::require_param(params, "signal", json::value_t::string);
        auto signo = parse_signal(given.get<std::string>());
        if (!signo || *signo <= 0 || *signo >= 65)
          throw rpc::Error(rpc::kInvalidParams, "invalid params: unknown signal '" + given.get<std::string>() + "'");
        co_return sup.send_signal(target_of(params), *signo);
      }};
  t["env"] = on_target("per instance of {target}: {id, name, env}, the environment its launch gives it",
                       [&sup](const std::string& target) { return sup.environments(target); });
  t["spec"] = on_target("the specs of the apps {target} names, as `start` takes them",
                        [&sup](const std::string& target) { return sup.specs(target); });
  t["list"] = {"every instance with status, pid, cpu and memory", nullptr, [&sup, &monitor](const json&) {
                 monitor.looked_at();  // the next lists show work that starts within seconds
                 return sup.list_text();
               }};
  t["describe"] = on_target("everything known about {target}'s instances", [&sup, &monitor](const std::string& target) {
    monitor.looked_at();
    return sup.describe(target);
  });
  t["logs"] = {
      "recent lines of {target} (default all; {lines}, default 15); with {follow}, then every new line as "
      "`log` notifications (and `log.missed` {count} when the reader is too slow) until the client hangs up",
      [&sup](const json& params, const std::shared_ptr<RpcConnection>& connection) -> asio::awaitable<json> {
        std::string target = params.contains("target") ? target_of(params) : "all";
        std::size_t lines = 15;
        if (params.contains("lines")) {
          auto n = rpc::require_param(params, "lines", json::value_t::number_integer).get<long long>();
          if (n < 0) throw rpc::Error(rpc::kInvalidParams, "invalid params: \"lines\" must not be negative");
          lines = static_cast<std::size_t>(n);
        }
        bool follow = rpc::optional_param(params, "follow", false);
        co_return sup.logs(target, lines, follow, connection);
      }};
  t["monit.subscribe"] = {
      "a snapshot (interval_ms, daemon, processes) and the last {lines} log lines of every app (default 20); then a "
      "`monit.sample` notification with a new snapshot after every sampling round and every new log line as `log`, "
      "until the client hangs up",
      [&sup, &monitor](const json& params, const std::shared_ptr<RpcConnection>& connection) -> asio::awaitable<json> {
        std::size_t lines = 20;
        if (params.contains("lines")) {
          auto n = rpc::require_param(params, "lines", json::value_t::number_integer).get<long long>();
          if (n < 0 || n > 1000) throw rpc::Error(rpc::kInvalidParams, "invalid params: \"lines\" must be 0 to 1000");
          lines = static_cast<std::size_t>(n);
        }
        json result = monitor.snapshot();
        result["logs"] = sup.logs("all", lines, true, connection);
        monitor.subscribe(connection);
        co_return result;
      }};
  t["metrics"] = {"{text}: the daemon's and every instance's metrics in the Prometheus text format",
                  [&monitor](const json&, const std::shared_ptr<RpcConnection>&) -> asio::awaitable<json> {
                    co_return json{{"text", prometheus_text(monitor.snapshot())}};
                  }};
  t["flush"] = {"empty the log files of {target} (default all)",
                [&sup](const json& params, const std::shared_ptr<RpcConnection>&) -> asio::awaitable<json> {
                  co_return sup.flush_logs(params.contains("target") ? target_of(params) : "all");
                }};
  t["reloadLogs"] = {"reopen every log file (after an external logrotate); SIGUSR1 to pmd does the same",
                     [&sup](const json&, const std::shared_ptr<RpcConnection>&) -> asio::awaitable<json> {
                       sup.reopen_logs();
                       co_return json{{"reopened", true}};
                     }};
  t["kill"] = {
      "stop every app, reply, then exit the daemon",
      [&sup, request_shutdown](const json&, const std::shared_ptr<RpcConnection>& connection) -> asio::awaitable<json> {
        co_await sup.stop_all();
        // Exit once this reply has been written to the client.
        connection->on_close(request_shutdown);
        connection->close_after_flush();
        co_return json{{"stopped", true}};
      }};
  t["save"] = {
      "write every app (spec, instance count, running or not) to PMD_HOME/dump.json atomically, the previous "
      "dump kept as dump.json.bak; with no apps it refuses unless {force}",
      [&sup, &store](const json& params, const std::shared_ptr<RpcConnection>&) -> asio::awaitable<json> {
        co_return save_apps(sup, store, rpc::optional_param(params, "force", false));
      }};
  t["resurrect"] = {
      "start the apps of the dump (or of its backup, with a warning, when the dump is damaged); apps "
      "saved stopped come back stopped, names already present are left alone",
      [&sup, &store](const json&, const std::shared_ptr<RpcConnection>&) -> asio::awaitable<json> {
        co_return co_await resurrect_apps(sup, store);
      }};
  t["cleardump"] = {"empty the dump (the previous one is kept as dump.json.bak)",
                    [&store](const json&, const std::shared_ptr<RpcConnection>&) -> asio::awaitable<json> {
                      co_return clear_dump(store);
                    }};
  if (autosave)
    for (const char* name : kChangingMethods) save_after(t.at(name), sup, store);
  return t;
}

}  // namespace pmd
