// The daemon's life once it is the one daemon of its home: the rooms wired together on one event
// loop, the socket served, the dump resurrected, the service manager told, and a graceful stop of
// every app on SIGTERM/SIGINT. `pmd` and `pmd run` (container mode) both end up here.
#pragma once

#include "app_spec.h"
#include "metrics_http.h"
#include "paths.h"
#include "upgrade.h"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace pmd {

struct ServeOptions {
  HomePaths paths;
  bool serve_socket = true;  // false: `pmd run` without a home of its own
  bool resurrect = false;
  bool autosave = false;
  std::chrono::milliseconds sample_interval{1000};
  std::optional<HttpAddress> metrics;
  std::optional<HttpAddress> web;     // the dashboard
  std::vector<std::string> warnings;  // found while reading flags and settings; logged once logging works

  // Container mode (`pmd run`): these apps start at once, their lines are printed on stdout and
  // stderr, and pmd exits when all of them are gone, with their status.
  bool container = false;
  std::vector<AppSpec> run_apps;
  bool prefix_lines = true;  // "api-0 | line" rather than the bare line

  // In-place upgrades (upgrade.h): how this image was started, to exec the next one the same way,
  // and what crosses the exec.
  std::vector<std::string> argv;
  Inherited inherited;  // present when this image was exec'd by an upgrade
  int flock_fd = -1, name_fd = -1;
};

/// Runs until asked to stop; returns pmd's exit status. `ready_fd` (or -1) gets the readiness
/// report of a daemon that forked into the background.
int serve(const ServeOptions& options, int ready_fd);

}  // namespace pmd
