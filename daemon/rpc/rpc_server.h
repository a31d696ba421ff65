// The daemon's end of the protocol: accepts on the Unix socket, refuses peers of another uid,
// frames NDJSON, and hands each request to the method table. A client can send garbage, hang up
// mid-line or never speak; it costs only its own connection.
#pragma once

#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without including it

#include "rpc/method_table.h"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <string>

namespace pmd {

class RpcServer {
 public:
  RpcServer(boost::asio::io_context& io, const MethodTable& methods);

  /// Binds the socket (replacing a stale file), mode 0600, and starts accepting. Returns an error
  /// sentence on failure.
  std::string listen(const std::filesystem::path& socket_path);
  /// Serves a listening socket the previous pmd image bound (an upgrade re-exec'd us): clients
  /// that connected meanwhile wait in its backlog instead of being refused.
  void adopt(int listening_fd, const std::filesystem::path& socket_path);
  /// The listening socket's fd (-1 when closed), kept open across an upgrade's exec.
  int native_handle();
  /// The socket file still names our socket (it is not gone, nor replaced by someone else's).
  bool socket_file_is_ours() const;
  void close();

  /// Stops accepting (an upgrade is about to exec): new clients wait in the backlog for the next
  /// image. resume_accepting() if the exec failed.
  void pause_accepting();
  void resume_accepting() { start_accepting(); }
  /// Binds the socket file again (it was deleted or replaced): pmctl finds this daemon again.
  std::string relisten();
  /// Runs before each request is handled (a client is there: the daemon's pace may matter).
  void on_request(std::function<void()> callback) { on_request_ = std::move(callback); }

 private:
  void start_accepting();
  void remember_inode();
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> serve(boost::asio::local::stream_protocol::socket socket);
  boost::asio::awaitable<std::string> handle_line(const std::string& line,
                                                  const std::shared_ptr<RpcConnection>& connection);

  boost::asio::io_context& io_;
  const MethodTable& methods_;
  boost::asio::local::stream_protocol::acceptor acceptor_;
  std::filesystem::path socket_path_;
  ino_t inode_ = 0;  // of the socket file we bound
  std::function<void()> on_request_;
};

}  // namespace pmd
