// pmctl's end of the protocol: a blocking connection to the daemon's socket that sends a request
// and reads lines until the matching reply.
#pragma once

#include "jsonrpc.h"
#include "line_framer.h"

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pmd::cli {

class RpcClient {
 public:
  /// Connects; returns -1 with `err` = errno on failure (the caller decides what it means).
  static int open_socket(const std::filesystem::path& socket_path, int& err);

  explicit RpcClient(int fd) : fd_(fd), framer_(64 << 20) {}
  RpcClient(RpcClient&& other) noexcept : fd_(other.fd_), framer_(std::move(other.framer_)), next_id_(other.next_id_) {
    other.fd_ = -1;
  }
  RpcClient& operator=(RpcClient&& other) noexcept {
    std::swap(fd_, other.fd_);
    std::swap(framer_, other.framer_);
    std::swap(next_id_, other.next_id_);
    return *this;
  }
  ~RpcClient();

  /// Sends one request and waits for its reply. Throws std::runtime_error if the connection fails.
  /// Notifications that arrive before the reply (progress) go to `on_notification`.
  /// With `result_as_text`, the reply's result is kept as the daemon wrote it (result_text).
  rpc::Response call(const std::string& method, const nlohmann::json& params = nlohmann::json::object(),
                     const std::function<void(const rpc::Response&)>& on_notification = {},
                     bool result_as_text = false);

  /// The next message from the daemon (a stream notification after a call); nullopt when the
  /// daemon closes the connection.
  std::optional<rpc::Response> next_message();

  /// For callers that wait with poll(): one read of what has arrived, every whole message of it
  /// appended to `out`. False when the daemon closed the connection.
  bool read_available(std::vector<rpc::Response>& out);
  int fd() const { return fd_; }

 private:
  int fd_;
  LineFramer framer_;
  int next_id_ = 1;
};

}  // namespace pmd::cli
