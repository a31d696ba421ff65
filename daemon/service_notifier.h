// Tells the service manager (systemd, or anything speaking its notify protocol) how pmd is
// doing: READY=1 once it serves, STOPPING=1 when it shuts down, STATUS= lines between.
#pragma once

#include <string>
#include <string_view>

namespace pmd {

class ServiceNotifier {
 public:
  /// Takes NOTIFY_SOCKET from the environment and removes it, so that no app inherits it (apps
  /// get pmd's own notify socket instead). Does nothing when the variable is absent.
  static ServiceNotifier from_environment();

  bool enabled() const { return !address_.empty(); }
  /// Sends one datagram of newline-separated assignments, e.g. "READY=1\nSTATUS=serving".
  /// Failures are ignored: a service manager that went away must not take pmd with it.
  void notify(std::string_view state) const;

 private:
  std::string address_;  // a path, or "@name" for an abstract socket
};

}  // namespace pmd
