// Connect, lock, retry, start, wait.
#include "daemon_connection.h"

#include "run_program.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace pmd::cli {

namespace fs = std::filesystem;

std::string pmd_binary() {
  if (const char* env = std::getenv("PMD_BIN"); env && *env) return env;
  std::error_code ec;
  auto self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    auto sibling = self.parent_path() / "pmd";
    if (::access(sibling.c_str(), X_OK) == 0) return sibling.string();
  }
  return "pmd";
}

namespace {

// Runs `pmd --home H`, which returns once the daemon serves. Returns its exit status or -1.
int start_daemon(const HomePaths& paths) {
  return run_program({pmd_binary(), "--home", paths.home.string()}, "install pmd next to pmctl or set PMD_BIN");
}

// A connected socket whose server is not us or root: nothing is sent to it.
constexpr int kNotOurDaemon = -1;

std::optional<RpcClient> try_connect(const HomePaths& paths, int& err, uid_t& peer_uid) {
  int fd = RpcClient::open_socket(paths.socket, err);
  if (fd < 0) return std::nullopt;
  // Whoever listens on the socket learns our requests, and `start` carries our environment: make
  // sure it is our own daemon (or root's) before saying anything.
  ucred peer{};
  socklen_t len = sizeof peer;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) != 0 || (peer.uid != ::geteuid() && peer.uid != 0)) {
    peer_uid = peer.uid;
    err = kNotOurDaemon;
    ::close(fd);
    return std::nullopt;
  }
  return RpcClient(fd);
}

std::string unreachable(const HomePaths& paths, int err, uid_t peer_uid) {
  if (err == kNotOurDaemon)
    return "the process listening on " + paths.socket.string() + " runs as uid " + std::to_string(peer_uid) +
           ", not as you (uid " + std::to_string(::geteuid()) +
           ") or root; refusing to send it anything (use your own PMD_HOME)";
  if (err == EACCES || err == EPERM)
    return "cannot connect to " + paths.socket.string() +
           ": permission denied (the daemon belongs to another user; use your own PMD_HOME)";
  return "cannot connect to " + paths.socket.string() + ": " + std::strerror(err);
}

}  // namespace

ConnectResult connect_to_daemon(const HomePaths& paths, bool start_if_needed) {
  ConnectResult result;
  if (auto why = check_socket_path(paths.socket); !why.empty()) {
    result.error = why;
    return result;
  }
  if (auto why = check_home_trust(paths.home); !why.empty()) {
    result.error = why;
    return result;
  }
  int err = 0;
  uid_t peer_uid = 0;
  if ((result.client = try_connect(paths, err, peer_uid))) return result;
  if (err != ENOENT && err != ECONNREFUSED) {
    result.error = unreachable(paths, err, peer_uid);
    return result;
  }
  if (!start_if_needed) {
    result.no_daemon = true;
    result.error = "no daemon is running for " + paths.home.string();
    return result;
  }
  if (auto why = ensure_private_dir(paths.home); !why.empty()) {
    result.error = why;
    return result;
  }
  // Serialise the "nobody answers, start one" step between concurrent pmctl invocations.
  int lock = ::open(paths.autostart_lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock >= 0)
    while (::flock(lock, LOCK_EX) != 0 && errno == EINTR) {
    }
  if (!(result.client = try_connect(paths, err, peer_uid))) {
    int status = start_daemon(paths);
    if (status == 0) {
      result.client = try_connect(paths, err, peer_uid);
    } else if (status == kExitDaemonAlreadyRunning) {
      // Another daemon holds the home's lock but was not answering yet: give it a moment.
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      while (!(result.client = try_connect(paths, err, peer_uid)) && err != kNotOurDaemon &&
             std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!result.client && err == kNotOurDaemon)
      result.error = unreachable(paths, err, peer_uid);
    else if (!result.client)
      result.error =
          "could not start the daemon for " + paths.home.string() + " (see " + paths.daemon_log.string() + ")";
  }
  if (lock >= 0) ::close(lock);
  return result;
}

}  // namespace pmd::cli
