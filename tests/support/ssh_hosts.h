// Machines for `pmctl --host` tests: real OpenSSH servers (Debian's sshd) on 127.0.0.1, one per
// pmd home, each at a free port with a fresh host key, all accepting one fresh client key. Each
// server gives its sessions PMD_HOME (sshd's SetEnv), so two homes on this machine stand in for
// two hosts. pmctl reaches them with the options client_env() returns (PMD_SSH_OPTS pointing at
// an ssh config with that key and a known_hosts naming exactly these servers).
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace pmd::test {

class SshHosts {
 public:
  explicit SshHosts(const std::vector<std::filesystem::path>& pmd_homes);
  ~SshHosts();
  SshHosts(const SshHosts&) = delete;
  SshHosts& operator=(const SshHosts&) = delete;

  /// "" when every server listens; else why not (the caller skips with Need::kSshd).
  const std::string& why_not() const { return why_not_; }
  /// ssh://root@127.0.0.1:PORT of the i-th server.
  std::string url(std::size_t i) const;
  int port(std::size_t i) const { return ports_.at(i); }
  /// PMD_SSH_OPTS (the config file) and PMD_REMOTE_PMCTL (this build's pmctl).
  std::map<std::string, std::string> client_env() const;
  /// A known_hosts file that names these servers with another key (a changed host key).
  std::filesystem::path wrong_known_hosts() const;
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  std::vector<int> ports_;
  std::vector<pid_t> servers_;
  std::string why_not_;
};

}  // namespace pmd::test
