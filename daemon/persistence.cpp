// save / resurrect / cleardump.
#include "persistence.h"

#include "jsonrpc.h"

#include <spdlog/spdlog.h>

namespace pmd {

using nlohmann::json;

json save_apps(const Supervisor& supervisor, const StateStore& store, bool force) {
  auto entries = supervisor.snapshot();
  if (entries.empty() && !force) {
    throw rpc::Error(rpc::kNothingToSave, "no apps to save: saving now would empty " + store.dump_path().string() +
                                              "; use `pmctl save --force` to save an empty list, or `pmctl cleardump`");
  }
  if (auto error = store.save(entries); !error.empty()) throw rpc::Error(rpc::kDumpFailed, error);
  spdlog::info("saved {} app(s) to {}", entries.size(), store.dump_path().string());
  json names = json::array();
  for (const auto& e : entries) names.push_back(e.spec.name);
  return {{"path", store.dump_path().string()}, {"apps", names}};
}

boost::asio::awaitable<json> resurrect_apps(Supervisor& supervisor, const StateStore& store, bool first_boot_ok) {
  auto loaded = store.load();
  if (loaded.missing && first_boot_ok)
    co_return json{
        {"path", store.dump_path().string()}, {"warnings", json::array()}, {"apps", json::array()}, {"missing", true}};
  if (!loaded.error.empty()) throw rpc::Error(rpc::kDumpFailed, loaded.error);
  for (const auto& w : loaded.warnings) spdlog::warn("{}", w);
  json rows = co_await supervisor.restore(std::move(loaded.entries));
  spdlog::info("resurrected {} app(s) from {}", rows.size(), store.dump_path().string());
  co_return json{{"path", store.dump_path().string()}, {"warnings", loaded.warnings}, {"apps", rows}};
}

json clear_dump(const StateStore& store) {
  if (auto error = store.save({}); !error.empty()) throw rpc::Error(rpc::kDumpFailed, error);
  return {{"path", store.dump_path().string()}};
}

}  // namespace pmd
