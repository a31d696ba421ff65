// save / resurrect / cleardump: the supervisor's apps to and from the state store, with the
// rules a person relies on (an empty save needs --force; a bad dump restores nothing).
#pragma once

#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without including it

#include "store/state_store.h"
#include "supervise/supervisor.h"

#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

namespace pmd {

/// Writes every app to the dump. With no apps it refuses (rpc::Error kNothingToSave) unless
/// `force`: an accidental `save` after `delete all` would otherwise wipe what a reboot restores.
nlohmann::json save_apps(const Supervisor& supervisor, const StateStore& store, bool force);

/// Restores the dump (or its backup, with a warning). rpc::Error kDumpFailed when there is
/// nothing usable; then nothing was started. With `first_boot_ok`, no dump at all is no error
/// (pmd started at boot before anything was saved): the result then has `missing: true`.
boost::asio::awaitable<nlohmann::json> resurrect_apps(Supervisor& supervisor, const StateStore& store,
                                                      bool first_boot_ok = false);

/// Empties the dump (the previous one stays as the backup).
nlohmann::json clear_dump(const StateStore& store);

}  // namespace pmd
