// The JSON-RPC methods pmd serves, wired to the supervisor. The list, with params and results,
// is documented in docs/protocol.md.
#pragma once

#include "monitor.h"
#include "rpc/method_table.h"
#include "store/state_store.h"
#include "supervise/supervisor.h"

#include <functional>

namespace pmd {

/// `request_shutdown` is called by `kill` after the apps are stopped and the reply is sent.
/// With `autosave`, every method that changes the apps saves them to `store` when it succeeds.
/// `upgrade` carries out `update` (upgrade.h) with the binary it names; `identity` adds the
/// daemon's own facts (image start, fd holder, what was adopted) to `ping` and `version`.
using UpgradeHandler = std::function<boost::asio::awaitable<nlohmann::json>(std::string binary,
                                                                            std::shared_ptr<RpcConnection> connection)>;
MethodTable make_method_table(Supervisor& supervisor, Monitor& monitor, const StateStore& store, bool autosave,
                              std::function<void()> request_shutdown, UpgradeHandler upgrade,
                              std::function<nlohmann::json()> identity);

}  // namespace pmd
