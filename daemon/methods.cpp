// Method registry: params checked here, work done by the Supervisor.
#include "methods.h"

#include "jsonrpc.h"
#include "pmd_version.h"


#include <unistd.h>

namespace pmd {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

std::string target_of(const json& params) {
  return rpc::require_param(params, "target", json::value_t::string).get<std::string>();
}

json daemon_identity() { return {{"version", kVersion}, {"pid", ::getpid()}}; }

}  // namespace

MethodTable make_method_table(Supervisor& sup, std::function<void()> request_shutdown) {
  MethodTable t;
  t["ping"] = {"answers pong; used to check the daemon is alive",
               [](const json&, const std::shared_ptr<RpcConnection>&) -> asio::awaitable<json> {
                 json r = daemon_identity();
                 r["pong"] = true;
                 co_return r;
               }};
  t["version"] = {"the daemon's version and pid", [](const json&, const std::shared_ptr<RpcConnection>&) -> asio::awaitable<json> { co_return daemon_identity(); }};
  t["start"] = {"start an app from {spec}, or start again the stopped instances of {target}",
                [&sup](const json& params, const std::shared_ptr<RpcConnection>&) -> asio::awaitable<json> {
                  if (params.contains("spec")) co_return sup.start(app_spec_from_json(params["spec"]));
                  co_return co_await sup.start_existing(target_of(params));
                }};
  t["apply"] = {"start or reload {specs} as PM2's startOrReload does; {force} restarts unchanged apps too, "
                "{update_env} also replaces the inherited environment",
                [&sup](const json& params, const std::shared_ptr<RpcConnection>&) -> asio::awaitable<json> {
                  const json& specs = rpc::require_param(params, "specs", json::value_t::array);
                  bool force = params.value("force", false), update_env = params.value("update_env", false);
                  std::vector<AppSpec> parsed;
                  for (const auto& s : specs) parsed.push_back(app_spec_from_json(s));
                  json results = json::array();
                  for (auto& spec : parsed) results.push_back(co_await sup.apply(std::move(spec), force, update_env));
                  co_return results;
                }};
  t["stop"] = {"stop {target}: kill_signal, then SIGKILL after kill_timeout",
               [&sup](const json& params, const std::shared_ptr<RpcConnection>&) -> asio::awaitable<json> { co_return co_await sup.stop(target_of(params)); }};
  t["restart"] = {"stop and start {target} again; {base_env} replaces the environment (--update-env)",
                  [&sup](const json& params, const std::shared_ptr<RpcConnection>&) -> asio::awaitable<json> {
                    std::optional<Env> env;
                    if (params.contains("base_env")) {
                      const json& e = rpc::require_param(params, "base_env", json::value_t::object);
                      Env parsed;
                      for (auto& [k, v] : e.items()) {
                        if (!v.is_string()) throw rpc::Error(rpc::kInvalidParams, "invalid params: base_env values must be strings");
                        parsed[k] = v.get<std::string>();
                      }
                      env = std::move(parsed);
                    }
                    co_return co_await sup.restart(target_of(params), env);
                  }};
  t["delete"] = {"stop {target} and forget it",
                 [&sup](const json& params, const std::shared_ptr<RpcConnection>&) -> asio::awaitable<json> { co_return co_await sup.remove(target_of(params)); }};
  t["list"] = {"every instance with status, pid, cpu and memory",
               [&sup](const json&, const std::shared_ptr<RpcConnection>&) -> asio::awaitable<json> { co_return sup.list(); }};
  t["describe"] = {"everything known about {target}'s instances",
                   [&sup](const json& params, const std::shared_ptr<RpcConnection>&) -> asio::awaitable<json> { co_return sup.describe(target_of(params)); }};
  t["logs"] = {"recent lines of {target} (default all; {lines}, default 15); with {follow}, then every new line as "
                "`log` notifications (and `log.missed` {count} when the reader is too slow) until the client hangs up",
               [&sup](const json& params, const std::shared_ptr<RpcConnection>& connection) -> asio::awaitable<json> {
                 std::string target = params.contains("target") ? target_of(params) : "all";
                 std::size_t lines = 15;
                 if (params.contains("lines")) {
                   auto n = rpc::require_param(params, "lines", json::value_t::number_integer).get<long long>();
                   if (n < 0) throw rpc::Error(rpc::kInvalidParams, "invalid params: \"lines\" must not be negative");
                   lines = static_cast<std::size_t>(n);
                 }
                 bool follow = params.contains("follow") && rpc::require_param(params, "follow", json::value_t::boolean).get<bool>();
                 co_return sup.logs(target, lines, follow, connection);
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
  t["kill"] = {"stop every app, reply, then exit the daemon",
               [&sup, request_shutdown](const json&, const std::shared_ptr<RpcConnection>& connection) -> asio::awaitable<json> {
                 co_await sup.stop_all();
                 // Exit once this reply has been written to the client.
                 connection->on_close(request_shutdown);
                 connection->close_after_flush();
                 co_return json{{"stopped", true}};
               }};
  return t;
}

}  // namespace pmd
