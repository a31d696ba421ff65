// The web dashboard as one room of the daemon: its server, its token, and the usage history it
// charts, made when it is turned on (`pmd --web`, `web:` in pmd.yaml, PMD_WEB, or `pmctl web`)
// and not before, so a pmd without it pays nothing. It adds two JSON-RPC methods: `history`
// (what the charts draw) and `web` (turn it on; where it is and its token).
#pragma once

#include "metrics_http.h"
#include "monitor.h"
#include "paths.h"
#include "rpc/method_table.h"
#include "supervise/supervisor.h"
#include "web/usage_history.h"
#include "web/web_server.h"

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>

namespace pmd {

/// The address `pmctl web` turns the dashboard on at, as `pm2 web` (port 9615).
inline constexpr const char* kDefaultWebAddress = "127.0.0.1:9615";

class Dashboard {
 public:
  Dashboard(boost::asio::io_context& io, const HomePaths& paths, Supervisor& supervisor, Monitor& monitor);
  ~Dashboard();
  Dashboard(const Dashboard&) = delete;
  Dashboard& operator=(const Dashboard&) = delete;

  /// Serves at `address` and keeps history from now on; an error sentence on failure.
  std::string start(const HttpAddress& address);
  bool on() const { return server_.serving(); }
  void close();
  /// {on, url, token, loopback, history_bytes}.
  nlohmann::json info() const;

  /// Adds `history` and `web` to the daemon's methods.
  void add_methods(MethodTable& table);

 private:
  boost::asio::io_context& io_;
  HomePaths paths_;
  Supervisor& supervisor_;
  Monitor& monitor_;
  WebServer server_;
  std::unique_ptr<UsageHistory> history_;
  std::string token_;
};

}  // namespace pmd
