// The PM2 verbs that are small on their own: reset, sendSignal, env, init and update.
#pragma once

#include "session.h"

#include <string>

namespace pmd::cli {

/// `pmctl reset <target>`: restart counters back to zero.
int run_reset(const std::string& target);
/// `pmctl sendSignal <signal> <target>`: the signal to each running instance's main process.
int run_send_signal(const std::string& signal, const std::string& target);
/// `pmctl env <id>`: the environment the instance's process gets, KEY: VALUE sorted, as PM2.
int run_env(const std::string& id);
/// `pmctl init` / `pmctl ecosystem`: writes a commented ecosystem.config.js here (never over one).
int run_init();
/// `pmctl update`: saves the apps, restarts the daemon on the installed binary, resurrects them.
int run_update();

/// `resurrect` on `session`'s daemon: each app's outcome, then the process list; fails if any app did.
int resurrect_and_report(Session& session);

/// The sample `pmctl init` writes.
const char* sample_ecosystem();

}  // namespace pmd::cli
