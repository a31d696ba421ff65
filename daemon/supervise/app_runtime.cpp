// AppRuntime: the sockets an app's instances inherit, bound once and kept across replacements.
#include "supervise/app_runtime.h"

#include "handover/output_board.h"

#include <spdlog/spdlog.h>

namespace pmd {

AppRuntime::~AppRuntime() {
  set_listener({});
  for (auto& [number, socket] : slots) close_listener(socket);
}

std::variant<ClusterSocket, std::string> AppRuntime::socket_for(int number) {
  if (!reuseport()) return listener;
  const ListenAddress& address = listener.address;
  if (address.port == 0) return ClusterSocket{};
  if (auto it = slots.find(number); it != slots.end()) return it->second;
  auto bound = bind_listener(address, true);
  if (auto* socket = std::get_if<ClusterSocket>(&bound)) {
    slots[number] = *socket;
    if (sticky()) {
      sticky_group.joined(number);
      attach_sticky_program();
    }
  }
  return bound;
}

void AppRuntime::attach_sticky_program() {
  if (slots.empty()) return;
  std::string error = sticky_group.attach(slots.begin()->second.fd);
  if (!error.empty() && error != sticky_error)
    spdlog::warn("app {}: {}; balancing by the kernel's hash as with reuseport (clients are not kept on one instance)",
                 spec.name, error);
  sticky_error = error;
}

std::string AppRuntime::learn_address(const ListenAddress& address) {
  if (reuseport()) {
    listener.address = address;
    return {};
  }
  auto bound = bind_listener(address, false, file_owner(spec));
  if (auto* error = std::get_if<std::string>(&bound)) return *error;
  set_listener(std::get<ClusterSocket>(bound));
  return {};
}

std::string AppRuntime::use_address(const std::optional<ListenAddress>& address) {
  set_listener({});
  for (auto& [number, socket] : slots) close_listener(socket);
  slots.clear();
  sticky_group = {};
  if (!address) return {};
  if (!reuseport()) return learn_address(*address);
  listener.address = *address;
  auto first = socket_for(0);
  if (auto* error = std::get_if<std::string>(&first)) {
    listener.address = {};
    return *error;
  }
  return {};
}

void AppRuntime::close_slot(int number) {
  if (auto it = slots.find(number); it != slots.end()) {
    close_listener(it->second);
    slots.erase(it);
    if (sticky()) {
      sticky_group.left(number);
      attach_sticky_program();
    }
  }
}

void AppRuntime::adopt_sockets(ClusterSocket shared, std::map<int, ClusterSocket> slot_sockets) {
  set_listener(std::move(shared));
  slots = std::move(slot_sockets);
  if (!slots.empty()) listener.address = slots.begin()->second.address;
  if (sticky() && !slots.empty()) {
    // The kernel's order of the group is the order the slots joined; ascending is the best guess.
    sticky_group = {};
    for (const auto& [number, socket] : slots) sticky_group.joined(number);
    attach_sticky_program();
  }
}

void AppRuntime::set_listener(ClusterSocket socket) {
  if (listener.fd >= 0 && listener.fd != socket.fd) close_listener(listener);
  listener = std::move(socket);
}

void AppRuntime::use_board(std::shared_ptr<handover::OutputBoard> board) {
  output_board = std::move(board);
  log.set_journal(output_board.get());
}

}  // namespace pmd
