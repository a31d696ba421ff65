// pmctl's way to a pmd on another machine: OpenSSH, run as a program (no library, no shell on
// this side). Its options come from PMD_SSH_OPTS and the remote command from PMD_REMOTE_PMCTL.
#pragma once

#include "remote_host.h"

#include <sys/types.h>

#include <string>
#include <variant>
#include <vector>

namespace pmd::cli {

/// ssh running `pmctl --stdio` (or another pmctl command) on a host, its stdin and stdout one
/// end of a socket pair: the other end, fd(), speaks to the remote pmd as its own socket would.
/// What ssh says on stderr is kept to explain a failure.
class SshChannel {
 public:
  static std::variant<SshChannel, std::string> open(const RemoteHost& host,
                                                    const std::vector<std::string>& remote_words);
  SshChannel(SshChannel&& other) noexcept;
  SshChannel& operator=(SshChannel&&) = delete;
  ~SshChannel();

  /// The socket to the remote pmctl. Owned by the caller from now on (an RpcClient closes it).
  int release_fd();
  /// After the connection ended: waits for ssh and says why it ended ("" after a clean exit).
  std::string failure(int& exit_status);

 private:
  SshChannel(RemoteHost host, pid_t pid, int fd, int stderr_fd)
      : host_(std::move(host)), pid_(pid), fd_(fd), stderr_fd_(stderr_fd) {}
  int wait();

  RemoteHost host_;
  pid_t pid_ = -1;
  int fd_ = -1;
  int stderr_fd_ = -1;  // a memfd ssh writes its stderr to
  int status_ = -1;
};

/// Runs a whole pmctl command on `host` with this terminal's stdin, stdout and stderr (commands
/// whose arguments name files or take the environment mean the remote host's). Returns the
/// remote pmctl's exit status; when ssh itself failed, says why first.
int run_on_host(const RemoteHost& host, const std::vector<std::string>& pmctl_words, bool terminal);

/// PMD_SSH_OPTS split as a shell would (no expansion), or an error sentence.
std::variant<std::vector<std::string>, std::string> ssh_options_from_environment();

}  // namespace pmd::cli
