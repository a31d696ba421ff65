// Spawning ssh, the socket pair, and what ssh said.
#include "ssh_channel.h"

#include "argv_split.h"
#include "session.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

extern char** environ;

namespace pmd::cli {

namespace {

std::string remote_pmctl() {
  const char* env = std::getenv("PMD_REMOTE_PMCTL");
  return env && *env ? env : "pmctl";
}

// Spawns ssh with the given fds as its stdin, stdout and stderr (-1: inherited); pid or -1.
pid_t spawn_ssh(const std::vector<std::string>& argv, int in, int out, int err, std::string& error) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (in >= 0) posix_spawn_file_actions_adddup2(&actions, in, 0);
  if (out >= 0) posix_spawn_file_actions_adddup2(&actions, out, 1);
  if (err >= 0) posix_spawn_file_actions_adddup2(&actions, err, 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, "ssh", &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    error =
        std::string("cannot run ssh: ") + std::strerror(rc) + " (install OpenSSH's client: apt install openssh-client)";
    return -1;
  }
  return pid;
}

std::string read_all(int fd) {
  std::string text;
  if (fd < 0 || ::lseek(fd, 0, SEEK_SET) != 0) return text;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
  return text;
}

int wait_for(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
}

}  // namespace

std::variant<std::vector<std::string>, std::string> ssh_options_from_environment() {
  const char* env = std::getenv("PMD_SSH_OPTS");
  if (!env || !*env) return std::vector<std::string>{};
  auto split = config::split_command_line(env);
  if (auto* error = std::get_if<std::string>(&split)) return "PMD_SSH_OPTS: " + *error;
  return split;
}

std::variant<SshChannel, std::string> SshChannel::open(const RemoteHost& host,
                                                       const std::vector<std::string>& remote_words) {
  auto options = ssh_options_from_environment();
  if (auto* error = std::get_if<std::string>(&options)) return *error;
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
    return std::string("cannot make a socket pair for ssh: ") + std::strerror(errno);
  const int err = ::memfd_create("pmctl-ssh-stderr", MFD_CLOEXEC);
  std::string error;
  const auto argv = ssh_argv(host, std::get<std::vector<std::string>>(options), remote_pmctl(), remote_words);
  const pid_t pid = spawn_ssh(argv, pair[1], pair[1], err, error);
  ::close(pair[1]);
  if (pid < 0) {
    ::close(pair[0]);
    if (err >= 0) ::close(err);
    return error;
  }
  return SshChannel(host, pid, pair[0], err);
}

SshChannel::SshChannel(SshChannel&& other) noexcept
    : host_(std::move(other.host_)),
      pid_(std::exchange(other.pid_, -1)),
      fd_(std::exchange(other.fd_, -1)),
      stderr_fd_(std::exchange(other.stderr_fd_, -1)),
      status_(other.status_) {}

SshChannel::~SshChannel() {
  if (fd_ >= 0) ::close(fd_);
  // Our end closed, ssh sees its stdin end and leaves: waited for, never left a zombie.
  wait();
  if (stderr_fd_ >= 0) ::close(stderr_fd_);
}

int SshChannel::release_fd() { return std::exchange(fd_, -1); }

int SshChannel::wait() {
  if (pid_ > 0) status_ = wait_for(std::exchange(pid_, -1));
  return status_;
}

std::string SshChannel::failure(int& exit_status) {
  if (fd_ >= 0) ::close(std::exchange(fd_, -1));
  exit_status = wait();
  const std::string said = read_all(stderr_fd_);
  if (exit_status == 0) return {};
  return explain_ssh_failure(host_, exit_status, said);
}

int run_on_host(const RemoteHost& host, const std::vector<std::string>& pmctl_words, bool terminal) {
  auto options = ssh_options_from_environment();
  if (auto* error = std::get_if<std::string>(&options)) {
    print_error(*error);
    return kExitUsage;
  }
  const int err = ::memfd_create("pmctl-ssh-stderr", MFD_CLOEXEC);
  std::string error;
  const pid_t pid =
      spawn_ssh(ssh_argv(host, std::get<std::vector<std::string>>(options), remote_pmctl(), pmctl_words, terminal), -1,
                -1, err, error);
  if (pid < 0) {
    print_error(error);
    if (err >= 0) ::close(err);
    return kExitFailed;
  }
  const int status = wait_for(pid);
  const std::string said = read_all(err);
  if (err >= 0) ::close(err);
  if (status == 255 || status == 127) {
    print_error(explain_ssh_failure(host, status, said));
    return kExitNoDaemon;
  }
  std::fwrite(said.data(), 1, said.size(), stderr);  // the remote pmctl's own warnings and errors
  return status;
}

}  // namespace pmd::cli
