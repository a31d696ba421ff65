// Lock, daemonize, pid file.
#include "daemon_process.h"

#include <fcntl.h>
#include "handover/holder_protocol.h"

#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

namespace pmd {

int acquire_daemon_lock(const std::filesystem::path& lock_path, const std::filesystem::path& pid_file,
                        std::string& error) {
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    error = "cannot open " + lock_path.string() + ": " + std::strerror(errno);
    return -1;
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    std::string pid;
    std::ifstream(pid_file) >> pid;
    error = "a pmd daemon is already running for " + lock_path.parent_path().string() +
            (pid.empty() ? "" : " (pid " + pid + ")") + "; talk to it with pmctl, or stop it with `pmctl kill`";
    ::close(fd);
    return -1;
  }
  return fd;
}

int acquire_home_name(const std::filesystem::path& home, const std::filesystem::path& pid_file, std::string& error) {
  const std::string name = handover::daemon_lock_name(home, ::getuid());
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path + 1, name.data(), name.size());
  auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  // A listening stream socket, so that whoever finds the name taken can ask who holds it.
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0 && ::listen(fd, 1) == 0) return fd;
  const int err = errno;
  if (fd >= 0) ::close(fd);
  if (err != EADDRINUSE) {
    error = "cannot bind @" + name + ": " + std::strerror(err);
    return -1;
  }
  // An abstract name is anyone's to take: if another user holds it, that is no pmd of ours, and
  // the file lock alone keeps this home to one daemon.
  ucred holder{};
  socklen_t holder_len = sizeof holder;
  int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const bool asked = probe >= 0 && ::connect(probe, reinterpret_cast<sockaddr*>(&addr), len) == 0 &&
                     ::getsockopt(probe, SOL_SOCKET, SO_PEERCRED, &holder, &holder_len) == 0;
  if (probe >= 0) ::close(probe);
  if (asked && holder.uid != ::getuid()) {
    error = "the name @" + name + " is held by uid " + std::to_string(holder.uid) +
            ", not by a pmd of ours; only the lock file guards this home";
    return -2;
  }
  std::string pid;
  std::ifstream(pid_file) >> pid;
  error = "a pmd daemon is already running for " + home.string() +
          (pid.empty() ? " (its files in that directory may have been deleted; it recreates them within a second)"
                       : " (pid " + pid + ")") +
          "; talk to it with pmctl, or stop it with `pmctl kill`";
  return -1;
}

int daemonize() {
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) {
    std::perror("pmd: error: pipe");
    std::exit(1);
  }
  pid_t first = ::fork();
  if (first < 0) {
    std::perror("pmd: error: fork");
    std::exit(1);
  }
  if (first > 0) {
    ::close(pipefd[1]);
    ::waitpid(first, nullptr, 0);
    std::string message;
    char buf[512];
    ssize_t n;
    while ((n = ::read(pipefd[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
      if (n > 0) message.append(buf, static_cast<std::size_t>(n));
    if (message == "R") std::exit(0);
    std::fprintf(stderr, "pmd: error: %s\n",
                 message.empty() ? "the daemon exited while starting (see pmd.log)" : message.c_str());
    std::exit(1);
  }
  ::close(pipefd[0]);
  ::setsid();
  pid_t second = ::fork();
  if (second < 0) _exit(1);
  if (second > 0) _exit(0);
  if (::chdir("/") != 0) { /* stays where it was; harmless */
  }
  int devnull = ::open("/dev/null", O_RDWR);
  if (devnull >= 0) {
    ::dup2(devnull, 0);
    ::dup2(devnull, 1);
    ::dup2(devnull, 2);
    if (devnull > 2) ::close(devnull);
  }
  return pipefd[1];
}

void report_ready(int& ready_fd, const std::string& error) {
  if (ready_fd < 0) return;
  std::string message = error.empty() ? "R" : error;
  ssize_t ignored = ::write(ready_fd, message.data(), message.size());
  (void)ignored;
  ::close(ready_fd);
  ready_fd = -1;
}

void write_pid_file(const std::filesystem::path& pid_file) {
  auto tmp = pid_file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << ::getpid() << "\n";
  }
  std::rename(tmp.c_str(), pid_file.c_str());
}

}  // namespace pmd
