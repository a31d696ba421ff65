// What the instances of one app share: the spec they launch from, the app's log, and its
// listening sockets (one shared socket in cluster mode, or one per slot with reuseport).
#pragma once

#include "app_spec.h"
#include "logs/app_log.h"
#include "process/app_credentials.h"
#include "process/listeners.h"
#include "process/sticky_program.h"

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>

namespace pmd {

namespace handover {
class OutputBoard;
}

/// What the instances of one app share: the spec they launch from and the log files.
struct AppRuntime {
  explicit AppRuntime(AppSpec s) : spec(std::move(s)), log(spec.name, log_settings_for(spec)) {}
  ~AppRuntime();
  AppRuntime(const AppRuntime&) = delete;
  AppRuntime& operator=(const AppRuntime&) = delete;

  /// Replaces the cluster socket (closing the old one); fd -1 means none.
  void set_listener(ClusterSocket socket);

  /// Whether the instances share a listening address (a socket, or reuseport slots).
  bool has_socket() const { return listener.fd >= 0 || !slots.empty(); }
  bool reuseport() const { return spec.balance == "reuseport" || spec.balance == "sticky"; }
  bool sticky() const { return spec.balance == "sticky"; }
  /// The socket instance `number` inherits: the shared one, or with reuseport its slot's own
  /// (bound on first use, kept across replacements). fd -1 when the app has no address yet.
  std::variant<ClusterSocket, std::string> socket_for(int number);
  /// The address became known from the app's own listen(): bind it (or, with reuseport, note it
  /// for the slots). Returns an error sentence, or empty.
  std::string learn_address(const ListenAddress& address);
  /// Closes whatever is bound and binds `address` (none: fork mode, or not known yet); with
  /// reuseport the first slot is bound at once, so a port in use is reported now. Returns an
  /// error sentence naming the address, or empty.
  std::string use_address(const std::optional<ListenAddress>& address);
  /// The app's log, keeping the runtime alive as long as it is held.
  static std::shared_ptr<AppLog> log_of(const std::shared_ptr<AppRuntime>& runtime) { return {runtime, &runtime->log}; }
  /// The sockets a previous pmd bound for this app (taken back from the fd holder).
  void adopt_sockets(ClusterSocket shared, std::map<int, ClusterSocket> slot_sockets);
  /// Scaling down: closes slot `number`'s socket (reuseport only).
  void close_slot(int number);
  /// The output board the readers note their work on, and the log files their writes.
  void use_board(std::shared_ptr<handover::OutputBoard> board);

 private:
  /// sticky: the program for the current slots, attached again after each change.
  void attach_sticky_program();

 public:
  AppSpec spec;
  AppLog log;
  ClusterSocket listener;  // cluster mode: the socket every instance inherits (reuseport: fd -1, the address only)
  std::map<int, ClusterSocket> slots;  // reuseport: one socket per instance number
  StickyGroup sticky_group;            // sticky: the kernel's order of the slots' sockets
  std::string sticky_error;            // why the kernel refused the program ("" when it took it)
  std::chrono::system_clock::time_point created_at = std::chrono::system_clock::now();
  // Why the address the app's own listen() asked for could not be bound (a port in use): its
  // instances then give up instead of crash-looping, and `start` fails with it.
  std::string bind_failure;
  bool speaks_notify = false;  // an instance sent READY=1: launches wait for it (readiness.h)
  // Where the output readers note what they are doing (null without an fd holder); shared by
  // every app of the supervisor.
  std::shared_ptr<handover::OutputBoard> output_board;
};

}  // namespace pmd
