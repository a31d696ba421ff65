// What every `pmctl export` format needs to know about an app, whatever it is exported to:
// whether it needs pmd between it and the world, where it serves, what runs it.
#pragma once

#include "app_spec.h"

#include <string>
#include <vector>

namespace pmd::cli {

/// A Node app that talks to pmd over its IPC channel (process.send: wait_ready, ready_on
/// message, shutdown_with_message): without pmd (or PM2) as its parent it has no channel.
bool uses_ipc_channel(const AppSpec& app);

/// The TCP port the app serves on: `port`, the port of `listen` ("host:port", ":port", "port"),
/// or PORT in its env; 0 when it says none or listens on a unix socket.
int served_port(const AppSpec& app);

/// `pmd run FILE --only NAME [--env X]`: the app run by pmd inside whatever runs pmd.
std::vector<std::string> pmd_run_argv(const AppSpec& app, const std::string& pmd, const std::string& ecosystem_file,
                                      const std::string& env_name);

/// An image holding the app's interpreter (Debian-based official images), for --image unset:
/// the app itself still has to be in it, at its cwd.
std::string default_image(const AppSpec& app);

}  // namespace pmd::cli
