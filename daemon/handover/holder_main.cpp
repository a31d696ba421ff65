// pmd-holder: keeps copies of the fds that must outlive pmd, and a record of what they are, so
// that a pmd killed, crashed or re-exec'd for an upgrade comes back to find every app where it
// was (s6-fdholder's idea, with the records beside the fds).
//
// One per PMD_HOME, started by pmd, bound to an abstract name derived from the home (so it
// survives the home being deleted). While a pmd is connected it only stores what it is given.
// When the connection ends without "bye" (pmd died, or exec'd itself), it reads the apps' output
// pipes so no app blocks on a full pipe or dies of a closed one, keeping whole lines up to a
// bound per pipe and counting those it drops; the next pmd takes all of it back. It costs one
// small process per daemon, not per instance: per instance only its fds and a record of about a
// kilobyte. Plain C++ and poll(2): nothing of pmd's libraries, so it stays small.
#include "handover/fd_message.h"
#include "handover/holder_protocol.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace {

using namespace pmd::handover;

// What is kept per pipe while orphaned; all pipes together stay under kKeptTotal.
constexpr std::size_t kKeptPerPipe = 256 * 1024;
constexpr std::size_t kKeptTotal = 64 * 1024 * 1024;

struct Held {
  char role;
  int fd;
  KeptOutput kept{0};
  bool at_eof = false;
};

struct Record {
  std::string data;
  std::vector<Held> held;
};

std::map<std::string, Record> records;
std::size_t output_pipes = 0;

void drop(Record& r) {
  for (auto& h : r.held) {
    if (is_output(h.role)) --output_pipes;
    ::close(h.fd);
  }
  r.held.clear();
}

std::size_t per_pipe_capacity() {
  if (output_pipes == 0) return kKeptPerPipe;
  return std::min(kKeptPerPipe, kKeptTotal / output_pipes);
}

void put(const Header& h, std::vector<int>& fds) {
  if (h.roles.size() != fds.size() || h.roles.empty() || h.roles[0] != role::kData) return close_all(fds);
  auto data = read_all(fds[0]);
  if (!data) return close_all(fds);
  auto& r = records[h.key];
  drop(r);
  r.data = std::move(*data);
  ::close(fds[0]);
  for (std::size_t i = 1; i < fds.size(); ++i) {
    r.held.push_back(Held{h.roles[i], fds[i]});
    if (is_output(h.roles[i])) ++output_pipes;
  }
  fds.clear();
}

// pmd went away: from now on the pipes are read here, each kept within its share.
void start_keeping() {
  const std::size_t capacity = per_pipe_capacity();
  for (auto& [key, r] : records)
    for (auto& held : r.held) held.kept = KeptOutput(capacity);
}

// Hands every record back, with what was read from each pipe since pmd went away.
bool give_all(int peer) {
  std::size_t sent = 0;
  for (auto& [key, r] : records) {
    Header h{"rec", "d", "", key};
    std::vector<int> fds;
    std::vector<int> made;
    int data = memfd_with(r.data, "pmd-record");
    if (data < 0) return false;
    fds.push_back(data);
    made.push_back(data);
    std::string lost;
    for (auto& held : r.held) {
      h.roles += held.role;
      fds.push_back(held.fd);
      if (!is_output(held.role)) continue;
      if (!lost.empty()) lost += ',';
      lost += held.kept.lost_text();
      if (!held.kept.kept().empty()) {
        int kept = memfd_with(held.kept.kept(), "pmd-kept-output");
        if (kept >= 0) {
          h.roles += role::kKept;
          fds.push_back(kept);
          made.push_back(kept);
        }
      }
      held.kept.clear();
    }
    h.lost = lost;
    const bool ok = send_message(peer, format_header(h), fds);
    close_all(made);
    if (!ok) return false;
    ++sent;
  }
  return send_message(peer, format_header(Header{"end", "", "", std::to_string(sent)}), {});
}

// Reads what an orphaned app wrote, so its pipe never fills; EOF when the app is gone.
void read_output(Held& held) {
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(held.fd, buf, sizeof buf);
    if (n > 0) {
      held.kept.feed(std::string_view(buf, static_cast<std::size_t>(n)));
      continue;
    }
    if (n == 0) held.at_eof = true;
    if (n < 0 && errno == EINTR) continue;
    return;
  }
}

bool same_user(int fd) {
  ucred peer{};
  socklen_t len = sizeof peer;
  return ::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) == 0 && peer.uid == ::getuid();
}

int listen_on(const std::string& name) {
  int fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (name.size() + 1 > sizeof addr.sun_path) return -1;
  std::memcpy(addr.sun_path + 1, name.data(), name.size());
  auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(fd, 4) != 0) {
    const int why = errno;
    ::close(fd);
    errno = why;
    return -1;
  }
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 || std::strcmp(argv[1], "--version") == 0) {
    std::fprintf(stderr, "usage: pmd-holder NAME (started by pmd; see pmd's docs/ARCHITECTURE.md)\n");
    return 2;
  }
  // Nothing of pmd's but what it hands over on purpose: a listening socket inherited by mistake
  // would keep answering connections for a pmd that is gone.
  ::syscall(SYS_close_range, 3U, ~0U, 0U);
  ::signal(SIGPIPE, SIG_IGN);
  ::signal(SIGHUP, SIG_IGN);
  ::signal(SIGINT, SIG_IGN);
  ::setsid();
  if (::chdir("/") != 0) return 1;
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0) {
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
  }
  // A holder killed a moment ago may still hold the name while the kernel tears it down: pmd
  // starts this one as soon as that one hangs up.
  int listener = listen_on(argv[1]);
  for (int tries = 0; listener < 0 && errno == EADDRINUSE && tries < 50; ++tries) {
    ::usleep(20'000);
    listener = listen_on(argv[1]);
  }
  if (listener < 0) {
    std::fprintf(stderr, "pmd-holder: cannot listen on @%s: %s\n", argv[1], std::strerror(errno));
    return 3;
  }
  // pmd waits for this line on our stdout before it connects.
  std::fputs("ready\n", stdout);
  std::fflush(stdout);
  int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull >= 0) {
    ::dup2(devnull, 0);
    ::dup2(devnull, 1);
    ::dup2(devnull, 2);
    if (devnull > 2) ::close(devnull);
  }

  int peer = -1;
  bool ever_connected = false;
  for (;;) {
    std::vector<pollfd> polled{{listener, POLLIN, 0}};
    std::vector<Held*> outputs;
    if (peer >= 0) {
      polled.push_back({peer, POLLIN, 0});
    } else {
      for (auto& [key, r] : records)
        for (auto& held : r.held)
          if (is_output(held.role) && !held.at_eof) {
            polled.push_back({held.fd, POLLIN, 0});
            outputs.push_back(&held);
          }
    }
    if (::poll(polled.data(), polled.size(), -1) < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    if (polled[0].revents & POLLIN) {
      int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0 && !same_user(fd)) {
        ::close(fd);
      } else if (fd >= 0) {
        // The newest pmd wins: after an upgrade the old connection may not have been seen closing.
        if (peer >= 0) ::close(peer);
        peer = fd;
        ever_connected = true;
        continue;
      }
    }
    if (peer >= 0 && polled.size() > 1 && polled[1].revents) {
      auto message = receive_message(peer);
      auto header = message ? parse_header(message->text) : std::nullopt;
      if (!message) {
        ::close(peer);
        peer = -1;
        // Nothing left to keep: pmd went away holding no app.
        if (records.empty() && ever_connected) return 0;
        start_keeping();
        continue;
      }
      if (!header) {
        close_all(message->fds);
        continue;
      }
      if (header->verb == "put") {
        put(*header, message->fds);
      } else if (header->verb == "del") {
        if (auto it = records.find(header->key); it != records.end()) {
          drop(it->second);
          records.erase(it);
        }
      } else if (header->verb == "take") {
        if (!give_all(peer)) {
          ::close(peer);
          peer = -1;
        }
      } else if (header->verb == "bye") {
        return 0;
      }
      close_all(message->fds);
      continue;
    }
    for (std::size_t i = 0; i < outputs.size(); ++i)
      if (polled[i + 1].revents) read_output(*outputs[i]);
  }
}
