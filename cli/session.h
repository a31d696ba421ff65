// The one way pmctl commands reach the daemon: connect (starting it if asked), call a method,
// and report failures as `pmctl: error: ...` with the documented exit statuses.
#pragma once

#include "daemon_connection.h"
#include "ssh_channel.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace pmd::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitNoDaemon = 3;

void print_error(const std::string& message);
void print_warning(const std::string& message);

class Session {
 public:
  explicit Session(bool autostart);

  /// Calls `method`; on success stores the result and returns kExitOk, otherwise prints the
  /// error and returns kExitFailed (the daemon refused) or kExitNoDaemon (unreachable).
  int call(const std::string& method, const nlohmann::json& params, nlohmann::json& result);
  /// The same, but a refusal by the daemon is not printed: the caller decides (last_error_message()).
  int call_quietly(const std::string& method, const nlohmann::json& params, nlohmann::json& result);
  /// The same, with the result as the daemon wrote it (valid JSON), for printing it unchanged.
  int call_for_text(const std::string& method, const nlohmann::json& params, std::string& result_text);
  const std::string& last_error_message() const { return last_error_message_; }
  /// Prints the `progress` notifications of the calls that follow (reload, scale) as they come.
  void print_progress(bool on) { print_progress_ = on; }

  /// Stream notifications after a call; nullopt when the daemon hangs up.
  std::optional<rpc::Response> next_message() { return client_ ? client_->next_message() : std::nullopt; }
  /// The connection's fd, to poll() on, and what arrived on it (see RpcClient::read_available).
  int fd() const { return client_ ? client_->fd() : -1; }
  bool read_available(std::vector<rpc::Response>& out) { return client_ && client_->read_available(out); }

  int last_error_code() const { return last_error_code_; }
  const HomePaths& paths() const { return paths_; }

 private:
  bool connect();
  std::string ended_because(const std::string& what);
  int call_for(const std::string& method, const nlohmann::json& params, bool as_text, rpc::Response& reply);

  HomePaths paths_;
  bool autostart_;
  std::optional<SshChannel> ssh_;  // with --host; outlives client_, which closes its socket first
  std::optional<RpcClient> client_;
  int last_error_code_ = 0;
  std::string last_error_message_;
  bool quiet_ = false;
  bool print_progress_ = false;
};

/// --host with one host: every Session from now on reaches that host's pmd through ssh and
/// `pmctl --stdio` there, instead of the local socket.
void use_remote_host(const RemoteHost& host);

/// Prints the process table (or its JSON), sorted by `sort` (see list_sort.h) when given.
int show_list(Session& session, bool as_json, const std::string& sort = "");

/// Whether to colour what pmctl prints: stdout is a terminal, NO_COLOR is unset, no --no-color.
bool color_output();
/// --no-color (PM2's flag), for every command.
void disable_color();
/// --silent (PM2's -s): stdout goes nowhere, so the process table is not even asked for (asking
/// is a look at the figures, which keeps the daemon sampling every interval for a while).
void silence_output();

}  // namespace pmd::cli
