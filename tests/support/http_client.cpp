// Blocking sockets, one thread per client connection.
#include "http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

namespace pmd::test {

namespace {

// `source`: the client's address in 127.0.0.0/8 (all of it is local), in host order.
int connect_loopback(int port, std::uint32_t source = INADDR_ANY) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (source != INADDR_ANY) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_addr.s_addr = htonl(source);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
      ::close(fd);
      return -1;
    }
  }
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  int on = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Whether the response headers say the server closes the connection after this response.
bool says_close(std::string headers) {
  for (auto& c : headers) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return headers.find("\r\nconnection: close") != std::string::npos || headers.rfind("http/1.0", 0) == 0;
}

}  // namespace

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

namespace {

std::string get_over(int fd, const std::string& path = "/") {
  std::string response;
  if (fd >= 0) {
    const std::string request = "GET " + path + " HTTP/1.0\r\nHost: localhost\r\n\r\n";
    if (::write(fd, request.data(), request.size()) > 0) {
      char buf[4096];
      for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) response.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
  }
  return response;
}

}  // namespace

std::string http_get(int port, const std::string& path) { return get_over(connect_loopback(port), path); }

std::string http_get_from(int port, std::uint32_t source) { return get_over(connect_loopback(port, source)); }

std::string http_get_unix(const std::string& socket_path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket_path.c_str(), sizeof addr.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return {};
  }
  return get_over(fd);
}

HttpLoad::HttpLoad(int port, int connections, std::chrono::seconds limit)
    : port_(port), deadline_(std::chrono::steady_clock::now() + limit) {
  for (int i = 0; i < connections; ++i) threads_.emplace_back([this] { run_client(); });
}

HttpLoad::~HttpLoad() { stop(); }

LoadReport HttpLoad::snapshot() const {
  std::lock_guard lock(mutex_);
  return report_;
}

LoadReport HttpLoad::stop() {
  stopping_ = true;
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  return snapshot();
}

void HttpLoad::record(bool ok, const std::string& body_or_error) {
  std::lock_guard lock(mutex_);
  if (ok) {
    ++report_.ok;
    ++report_.bodies[body_or_error];
  } else {
    ++report_.failed;
    if (report_.first_failures.size() < 10) report_.first_failures.push_back(body_or_error);
  }
}

void HttpLoad::run_client() {
  const std::string request = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  int fd = -1;
  std::string buffer;
  int answered_here = 0;  // answers on the current connection: more than 0 means it is reused
  while (!stopping_ && std::chrono::steady_clock::now() < deadline_) {
    if (fd < 0) {
      fd = connect_loopback(port_);
      buffer.clear();
      answered_here = 0;
      if (fd < 0) {
        record(false, std::string("connect: ") + std::strerror(errno));
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        continue;
      }
    }
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
      if (answered_here > 0) {
        std::lock_guard lock(mutex_);
        ++report_.resent;
      } else {
        record(false, std::string("send: ") + std::strerror(errno));
      }
      ::close(fd);
      fd = -1;
      continue;
    }
    // Read one response: headers, then Content-Length bytes of body.
    std::string error;
    std::size_t header_end = std::string::npos;
    std::size_t body_length = 0;
    for (;;) {
      if (header_end == std::string::npos) {
        header_end = buffer.find("\r\n\r\n");
        if (header_end != std::string::npos) {
          std::string headers = buffer.substr(0, header_end + 2);
          std::string lower = headers;
          for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          auto cl = lower.find("\r\ncontent-length:");
          body_length = cl == std::string::npos ? 0 : std::strtoul(headers.c_str() + cl + 17, nullptr, 10);
        }
      }
      if (header_end != std::string::npos && buffer.size() >= header_end + 4 + body_length) break;
      char chunk[4096];
      ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n > 0) {
        buffer.append(chunk, static_cast<std::size_t>(n));
        continue;
      }
      error = n == 0 ? (buffer.empty() ? "closed before answering" : "closed mid-response")
                     : std::string("recv: ") + std::strerror(errno);
      break;
    }
    if (!error.empty()) {
      // The next turn of the loop sends it again, on a new connection.
      if (buffer.empty() && answered_here > 0) {
        std::lock_guard lock(mutex_);
        ++report_.resent;
      } else {
        record(false, error);
      }
      ::close(fd);
      fd = -1;
      continue;
    }
    std::string headers = buffer.substr(0, header_end + 2);
    std::string body = buffer.substr(header_end + 4, body_length);
    buffer.erase(0, header_end + 4 + body_length);
    const bool ok = headers.rfind("HTTP/1.1 200", 0) == 0 || headers.rfind("HTTP/1.0 200", 0) == 0;
    record(ok, ok ? body : "status: " + headers.substr(0, headers.find("\r\n")));
    ++answered_here;
    if (says_close(headers)) {
      ::close(fd);
      fd = -1;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  if (fd >= 0) ::close(fd);
}

}  // namespace pmd::test
