// AppRuntime: the sockets an app's instances inherit, bound once and kept across replacements.
#include "supervise/app_runtime.h"

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
  if (auto* socket = std::get_if<ClusterSocket>(&bound)) slots[number] = *socket;
  return bound;
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
  }
}

void AppRuntime::set_listener(ClusterSocket socket) {
  if (listener.fd >= 0 && listener.fd != socket.fd) close_listener(listener);
  listener = std::move(socket);
}

}  // namespace pmd
