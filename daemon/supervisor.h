// The registry of apps and their instances. The verbs of the protocol (start, stop, restart,
// delete, list, describe) land here and are carried out on the instances' state machines.
#pragma once

#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without including it

#include "app_spec.h"
#include "child_reaper.h"
#include "instance.h"
#include "paths.h"
#include "rpc_connection.h"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pmd {

class Supervisor {
 public:
  Supervisor(boost::asio::io_context& io, ChildReaper& reaper, HomePaths paths);

  /// Registers the app and launches its instances. If the first launch fails, nothing stays
  /// registered and the error names the reason (rpc::Error kSpawnFailed).
  nlohmann::json start(AppSpec spec);
  /// PM2's startOrReload for one app of an ecosystem file: a new app is started; an existing one
  /// whose spec changed (or any, with `force`) gets the new spec and is restarted, with its
  /// instance count adjusted; an unchanged running one is left alone. `update_env` also replaces
  /// the environment inherited from the shell.
  boost::asio::awaitable<nlohmann::json> apply(AppSpec spec, bool force, bool update_env);
  /// Starts again the stopped or errored instances of an existing target (`pmctl start api`).
  boost::asio::awaitable<nlohmann::json> start_existing(const std::string& target);
  boost::asio::awaitable<nlohmann::json> stop(const std::string& target);
  /// Stops and relaunches; with `new_base_env` the apps get that environment (--update-env).
  boost::asio::awaitable<nlohmann::json> restart(const std::string& target, const std::optional<Env>& new_base_env);
  boost::asio::awaitable<nlohmann::json> remove(const std::string& target);
  boost::asio::awaitable<void> stop_all();

  nlohmann::json list() const;
  nlohmann::json describe(const std::string& target) const;

  /// The recent lines of `target` (oldest first, across apps by time), and with `follow` every
  /// new line after them as `log` notifications on `connection` until it closes. A follower too
  /// slow for the stream gets a `log.missed` notification counting what it lost.
  nlohmann::json logs(const std::string& target, std::size_t lines, bool follow,
                      const std::shared_ptr<RpcConnection>& connection);
  /// Empties the log files (and tails) of `target`'s apps.
  nlohmann::json flush_logs(const std::string& target);
  /// Reopens every log file (after an external logrotate moved them).
  void reopen_logs();
  /// Retries lines a full or failing disk refused.
  void retry_logs();

  /// One sampling round of CPU and memory for every running instance's process group.
  void sample_usage();

 private:
  struct App {
    std::shared_ptr<AppRuntime> runtime;
    std::vector<std::shared_ptr<Instance>> instances;
  };

  /// "all", a numeric id, or an app name -> instances; throws rpc::Error(kAppNotFound) with a
  /// suggestion when nothing matches.
  std::vector<std::shared_ptr<Instance>> resolve(const std::string& target) const;
  App* find_app(const std::string& name);
  void resolve_log_paths(AppSpec& spec) const;
  nlohmann::json views(const std::vector<std::shared_ptr<Instance>>& instances) const;
  static boost::asio::awaitable<void> stop_and_wait(const std::vector<std::shared_ptr<Instance>>& instances,
                                                    const std::string& reason);

  boost::asio::io_context& io_;
  ChildReaper& reaper_;
  HomePaths paths_;
  std::vector<App> apps_;  // in creation order
  int next_id_ = 0;
};

}  // namespace pmd
