// RpcServer: accept, authenticate, frame, dispatch.
#include "rpc/rpc_server.h"
#include "loop/cloexec.h"
#include "loop/detached.h"

#include "jsonrpc.h"
#include "line_framer.h"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>

namespace pmd {

namespace asio = boost::asio;
using asio::local::stream_protocol;
using nlohmann::json;

RpcServer::RpcServer(asio::io_context& io, const MethodTable& methods) : io_(io), methods_(methods), acceptor_(io) {}

std::string RpcServer::listen(const std::filesystem::path& socket_path) {
  socket_path_ = socket_path;
  // The daemon lock is held, so a socket file left here belongs to a daemon that died.
  ::unlink(socket_path.c_str());
  boost::system::error_code ec;
  acceptor_.open(stream_protocol(), ec);
  if (!ec) {
    // Created 0600 from the start: no window in which another user could connect.
    mode_t old = ::umask(0177);
    acceptor_.bind(stream_protocol::endpoint(socket_path.string()), ec);
    ::umask(old);
  }
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return "cannot listen on " + socket_path.string() + ": " + ec.message();
  remember_inode();
  start_accepting();
  return {};
}

void RpcServer::adopt(int listening_fd, const std::filesystem::path& socket_path) {
  socket_path_ = socket_path;
  acceptor_.assign(stream_protocol(), listening_fd);
  remember_inode();
  start_accepting();
}

int RpcServer::native_handle() { return acceptor_.is_open() ? acceptor_.native_handle() : -1; }

void RpcServer::remember_inode() {
  struct stat st {};
  inode_ = ::stat(socket_path_.c_str(), &st) == 0 ? st.st_ino : 0;
}

bool RpcServer::socket_file_is_ours() const {
  struct stat st {};
  return ::stat(socket_path_.c_str(), &st) == 0 && st.st_ino == inode_;
}

void RpcServer::pause_accepting() {
  boost::system::error_code ignored;
  acceptor_.cancel(ignored);
}

std::string RpcServer::relisten() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  return listen(socket_path_);
}

void RpcServer::start_accepting() {
  // Without it nobody could reach the daemon again: a loop that failed starts over.
  asio::co_spawn(io_, accept_loop(), logged("accepting clients", [this] {
                   if (acceptor_.is_open()) start_accepting();
                 }));
}

void RpcServer::close() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  if (!socket_path_.empty()) ::unlink(socket_path_.c_str());
}

asio::awaitable<void> RpcServer::accept_loop() {
  for (;;) {
    boost::system::error_code ec;
    stream_protocol::socket socket = co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
    if (!ec) set_cloexec(socket.native_handle());
    if (ec) {
      // EMFILE and friends: keep serving the clients we have, try again shortly.
      spdlog::warn("accept failed: {}", ec.message());
      asio::steady_timer pause(io_, std::chrono::milliseconds(100));
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    asio::co_spawn(io_, serve(std::move(socket)), logged("serving a client"));
  }
}

asio::awaitable<void> RpcServer::serve(stream_protocol::socket socket) {
  auto connection = std::make_shared<RpcConnection>(io_, std::move(socket));
  asio::co_spawn(io_, connection->write_loop(), logged("writing to a client", [connection] { connection->close(); }));
  ucred peer{};
  socklen_t len = sizeof peer;
  if (::getsockopt(connection->socket().native_handle(), SOL_SOCKET, SO_PEERCRED, &peer, &len) != 0 ||
      peer.uid != ::geteuid()) {
    spdlog::warn("refused a client of uid {} (pid {}): this daemon serves uid {} only", peer.uid, peer.pid,
                 ::geteuid());
    connection->send(rpc::encode_error(
        nullptr, rpc::kPermissionDenied,
        "permission denied: this pmd belongs to uid " + std::to_string(::geteuid()) + " (use your own PMD_HOME)"));
    // Read (and ignore) what the peer sent until it hangs up, at most a moment: closing with its
    // request unread would reset the connection before it reads why it was refused.
    asio::steady_timer deadline(io_, std::chrono::seconds(2));
    deadline.async_wait([connection](const boost::system::error_code& ec) {
      if (!ec) connection->close();
    });
    std::array<char, 4096> sink;
    boost::system::error_code ec;
    while (!ec && !connection->closed())
      co_await connection->socket().async_read_some(asio::buffer(sink), asio::redirect_error(asio::use_awaitable, ec));
    deadline.cancel();
    connection->close();
    co_return;
  }

  LineFramer framer(rpc::kMaxMessageBytes);
  std::array<char, 64 * 1024> buf;
  while (!connection->closed()) {
    boost::system::error_code ec;
    std::size_t n =
        co_await connection->socket().async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;  // EOF or reset; a partial message is simply dropped with the connection
    framer.feed(std::string_view(buf.data(), n));
    for (auto frame = framer.next(); frame.kind != LineFramer::Frame::Kind::kNone; frame = framer.next()) {
      if (frame.kind == LineFramer::Frame::Kind::kOversized) {
        connection->send(rpc::encode_error(
            nullptr, rpc::kInvalidRequest,
            "invalid request: message larger than " + std::to_string(rpc::kMaxMessageBytes >> 20) + " MiB"));
        continue;
      }
      if (frame.line.find_first_not_of(" \t") == std::string::npos) continue;  // blank keep-alive lines
      // Backpressure: a client that does not read its replies is not served more of them.
      if (connection->reply_backlog_full()) co_await connection->wait_until_drained();
      if (connection->closed()) break;
      if (on_request_) on_request_();
      std::string reply = co_await handle_line(frame.line, connection);
      if (!reply.empty()) connection->send(std::move(reply));  // a notification gets no answer
    }
  }
  connection->close();
}

asio::awaitable<std::string> RpcServer::handle_line(const std::string& line,
                                                    const std::shared_ptr<RpcConnection>& connection) {
  json id = nullptr;
  bool is_notification = false;
  std::string method_name = "a request";
  try {
    rpc::Request req = rpc::parse_request(line);
    id = req.id;
    is_notification = req.is_notification;
    method_name = "'" + req.method.substr(0, 64) + "'";
    auto method = methods_.find(req.method);
    if (method == methods_.end()) {
      std::string known;
      for (const auto& [name, m] : methods_) known += (known.empty() ? "" : ", ") + name;
      throw rpc::Error(rpc::kMethodNotFound, "unknown method '" + req.method + "' (known: " + known + ")");
    }
    if (method->second.text_handler) {
      std::string text = method->second.text_handler(req.params);
      co_return is_notification ? std::string() : rpc::encode_result_text(id, text);
    }
    json result = co_await method->second.handler(req.params, connection);
    co_return is_notification ? std::string() : rpc::encode_result(id, result);
  } catch (const rpc::Error& e) {
    if (e.data().is_object() && e.data().contains("id")) id = e.data()["id"];
    if (is_notification) co_return std::string();
    co_return rpc::encode_error(id, e.code(), e.what());
  } catch (const std::exception& e) {
    // A library's exception text is no message for a client (and may say too much): pmd.log
    // keeps it; the client is told what failed, not how.
    spdlog::error("internal error while handling {}: {}", method_name, e.what());
    if (is_notification) co_return std::string();
    co_return rpc::encode_error(id, rpc::kInternalError, "internal error in " + method_name + " (details in pmd.log)");
  }
}

}  // namespace pmd
