// RpcClient: blocking NDJSON over a Unix socket.
#include "rpc_client.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace pmd::cli {

int RpcClient::open_socket(const std::filesystem::path& socket_path, int& err) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    err = errno;
    return -1;
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket_path.c_str(), sizeof addr.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    err = errno;
    ::close(fd);
    return -1;
  }
  return fd;
}

RpcClient::~RpcClient() {
  if (fd_ >= 0) ::close(fd_);
}

rpc::Response RpcClient::call(const std::string& method, const nlohmann::json& params,
                              const std::function<void(const rpc::Response&)>& on_notification, bool result_as_text) {
  const int id = next_id_++;
  std::string request = rpc::encode_request(id, method, params);
  for (std::size_t done = 0; done < request.size();) {
    ssize_t n = ::send(fd_, request.data() + done, request.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    // The daemon may have answered and closed already (a refusal): read what it said.
    if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) break;
    if (n < 0) throw std::runtime_error(std::string("lost the connection to the daemon: ") + std::strerror(errno));
    done += static_cast<std::size_t>(n);
  }
  char buf[64 * 1024];
  for (;;) {
    for (auto frame = framer_.next(); frame.kind != LineFramer::Frame::Kind::kNone; frame = framer_.next()) {
      if (frame.kind != LineFramer::Frame::Kind::kLine) continue;
      rpc::Response r =
          result_as_text ? rpc::parse_response_keeping_text(std::move(frame.line)) : rpc::parse_response(frame.line);
      if (r.is_notification) {
        if (on_notification) on_notification(r);
        continue;
      }
      // A reply with a null id answers a request the daemon could not read at all (oversized).
      if (r.id == id || r.id.is_null()) return r;
    }
    ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error(std::string("lost the connection to the daemon: ") + std::strerror(errno));
    if (n == 0) throw std::runtime_error("the daemon closed the connection before answering (see pmd.log)");
    framer_.feed(std::string_view(buf, static_cast<std::size_t>(n)));
  }
}

std::optional<rpc::Response> RpcClient::next_message() {
  char buf[64 * 1024];
  for (;;) {
    for (auto frame = framer_.next(); frame.kind != LineFramer::Frame::Kind::kNone; frame = framer_.next())
      if (frame.kind == LineFramer::Frame::Kind::kLine) return rpc::parse_response(frame.line);
    ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    framer_.feed(std::string_view(buf, static_cast<std::size_t>(n)));
  }
}

bool RpcClient::read_available(std::vector<rpc::Response>& out) {
  char buf[64 * 1024];
  ssize_t n;
  do {
    n = ::read(fd_, buf, sizeof buf);
  } while (n < 0 && errno == EINTR);
  if (n > 0) framer_.feed(std::string_view(buf, static_cast<std::size_t>(n)));
  for (auto frame = framer_.next(); frame.kind != LineFramer::Frame::Kind::kNone; frame = framer_.next())
    if (frame.kind == LineFramer::Frame::Kind::kLine) out.push_back(rpc::parse_response(frame.line));
  return n > 0 || (n < 0 && errno == EAGAIN);
}

}  // namespace pmd::cli
