// HolderLink: connect, start, put, take.
#include "handover/holder_link.h"

#include "handover/fd_message.h"
#include "handover/first_line.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace pmd::handover {

namespace {

int connect_to(const std::string& name, pid_t& peer_pid) {
  int fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path + 1, name.data(), std::min(name.size(), sizeof addr.sun_path - 1));
  auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  ucred peer{};
  socklen_t peer_len = sizeof peer;
  // An abstract name anyone could have bound: only a holder of our own user is trusted.
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      ::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &peer_len) != 0 || peer.uid != ::getuid()) {
    ::close(fd);
    return -1;
  }
  // A holder that stops reading must not stall the daemon: sends give up after a while.
  timeval patience{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &patience, sizeof patience);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof patience);
  peer_pid = peer.pid;
  return fd;
}

}  // namespace

std::string holder_binary_path() {
  if (const char* env = std::getenv("PMD_HOLDER_BIN"); env && *env) return env;
  std::error_code ec;
  auto exe_dir = std::filesystem::read_symlink("/proc/self/exe", ec).parent_path();
  for (const auto& candidate : {exe_dir / "pmd-holder", exe_dir / ".." / "lib" / "pmd" / "pmd-holder"})
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.lexically_normal().string();
  return "pmd-holder";
}

HolderLink::HolderLink(const std::filesystem::path& home, std::string holder_binary)
    : name_(holder_name(home, ::getuid())), binary_(std::move(holder_binary)) {}

HolderLink::~HolderLink() { drop(); }

void HolderLink::drop() {
  if (socket_ >= 0) ::close(socket_);
  socket_ = -1;
}

bool HolderLink::alive() {
  if (socket_ < 0) return false;
  pollfd p{socket_, POLLRDHUP, 0};
  if (::poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLRDHUP | POLLERR))) drop();
  return socket_ >= 0;
}

bool HolderLink::connect_existing() {
  drop();
  socket_ = connect_to(name_, holder_pid_);
  return socket_ >= 0;
}

std::string HolderLink::start() {
  drop();
  // It says "ready" once it listens (a few milliseconds); bounded, since this runs on the loop.
  auto started = run_for_first_line(binary_, {"pmd-holder", name_}, std::chrono::seconds(2));
  if (started.pid < 0) return "cannot start the fd holder " + binary_ + ": " + started.error;
  if (started.line != "ready") {
    // One that says it later would hold the name the next try needs.
    ::kill(started.pid, SIGKILL);
    ::waitpid(started.pid, nullptr, 0);
    return "the fd holder " + binary_ + " did not start";
  }
  if (!connect_existing()) return "cannot reach the fd holder it just started";
  holder_pid_ = started.pid;
  return {};
}

std::vector<TakenRecord> HolderLink::take(std::string& error) {
  std::vector<TakenRecord> records;
  if (socket_ < 0 || !send_message(socket_, format_header(Header{"take", "", "", ""}), {})) {
    error = "the fd holder does not answer";
    return records;
  }
  for (;;) {
    auto message = receive_message(socket_);
    auto header = message ? parse_header(message->text) : std::nullopt;
    if (!header) {
      if (message) close_all(message->fds);
      error = "the fd holder's answer was cut short";
      return records;
    }
    if (header->verb == "end") return records;
    if (header->verb != "rec" || header->roles.size() != message->fds.size() || header->roles.empty() ||
        header->roles[0] != role::kData) {
      close_all(message->fds);
      continue;
    }
    TakenRecord r;
    r.key = header->key;
    auto data = read_all(message->fds[0]);
    ::close(message->fds[0]);
    r.data = data.value_or("");
    auto lost = split_lost(header->lost);
    std::size_t output_index = 0;
    for (std::size_t i = 1; i < message->fds.size(); ++i) {
      const char which = header->roles[i];
      if (which == role::kKept && !r.fds.empty()) {
        r.fds.back().kept = read_all(message->fds[i]).value_or("");
        ::close(message->fds[i]);
        continue;
      }
      HeldFd held{which, message->fds[i], {}, {}};
      if (is_output(which) && output_index < lost.size()) held.lost = parse_lost(lost[output_index++]);
      r.fds.push_back(std::move(held));
    }
    records.push_back(std::move(r));
  }
}

bool HolderLink::put(const std::string& key, const std::string& data, const std::vector<std::pair<char, int>>& fds) {
  if (socket_ < 0) return false;
  int memfd = memfd_with(data, "pmd-record");
  if (memfd < 0) return false;
  Header h{"put", std::string(1, role::kData), "", key};
  std::vector<int> sent{memfd};
  for (auto [which, fd] : fds) {
    if (fd < 0) continue;
    h.roles += which;
    sent.push_back(fd);
  }
  const bool ok = send_message(socket_, format_header(h), sent);
  ::close(memfd);
  if (!ok) drop();
  return ok;
}

void HolderLink::remove(const std::string& key) {
  if (socket_ >= 0 && !send_message(socket_, format_header(Header{"del", "", "", key}), {})) drop();
}

void HolderLink::bye() {
  if (socket_ >= 0) send_message(socket_, format_header(Header{"bye", "", "", ""}), {});
  drop();
}

}  // namespace pmd::handover
