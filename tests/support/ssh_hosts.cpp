// Keys, configs and sshd processes for SshHosts.
#include "ssh_hosts.h"

#include "daemon_fixture.h"
#include "http_client.h"
#include "process_utils.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

namespace fs = std::filesystem;

namespace pmd::test {

namespace {

constexpr const char* kSshd = "/usr/sbin/sshd";

bool port_answers(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

std::string first_line_of(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

bool keygen(const fs::path& key) {
  return run_command({"/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "pmd-test", "-f", key.string()})
             .exit_code == 0;
}

}  // namespace

SshHosts::SshHosts(const std::vector<fs::path>& pmd_homes) {
  if (::geteuid() != 0) {
    why_not_ = "sshd must run as root to log a user in";
    return;
  }
  if (::access(kSshd, X_OK) != 0 || run_command({"/usr/bin/ssh", "-V"}).exit_code != 0) {
    why_not_ = "OpenSSH's server or client is not installed (apt install openssh-server openssh-client)";
    return;
  }
  if (::getpwnam("sshd") == nullptr) {
    why_not_ = "sshd's privilege separation user does not exist (Debian's openssh-server creates it)";
    return;
  }
  ::mkdir("/run/sshd", 0755);  // sshd refuses to start without it (made at boot where it runs as a service)
  dir_ = make_temp_home();
  if (!keygen(dir_ / "host_key") || !keygen(dir_ / "client_key") || !keygen(dir_ / "other_key")) {
    why_not_ = "ssh-keygen failed";
    return;
  }
  std::ofstream(dir_ / "authorized_keys") << first_line_of(dir_ / "client_key.pub") << "\n";
  std::ofstream known(dir_ / "known_hosts");
  std::ofstream wrong(dir_ / "wrong_known_hosts");
  for (std::size_t i = 0; i < pmd_homes.size(); ++i) {
    const int port = free_port();
    ports_.push_back(port);
    const fs::path config = dir_ / ("sshd_config_" + std::to_string(i));
    std::ofstream(config) << "Port " << port << "\nListenAddress 127.0.0.1\nHostKey " << (dir_ / "host_key").string()
                          << "\nAuthorizedKeysFile " << (dir_ / "authorized_keys").string()
                          << "\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n"
                          << "StrictModes no\nPidFile none\nPermitRootLogin prohibit-password\n"
                          << "SetEnv PMD_HOME=" << pmd_homes[i].string() << "\n";
    known << "[127.0.0.1]:" << port << " " << first_line_of(dir_ / "host_key.pub") << "\n";
    wrong << "[127.0.0.1]:" << port << " " << first_line_of(dir_ / "other_key.pub") << "\n";
    const fs::path log = dir_ / ("sshd_" + std::to_string(i) + ".log");
    const pid_t pid = ::fork();
    if (pid == 0) {
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::execl(kSshd, kSshd, "-D", "-e", "-f", config.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    servers_.push_back(pid);
    if (!wait_until([&] { return port_answers(port); }, 10s)) {
      why_not_ = "sshd did not listen on port " + std::to_string(port) + ": " + read_file(log);
      return;
    }
  }
  known.close();
  wrong.close();
  std::ofstream(dir_ / "ssh_config") << "Host *\n  IdentityFile " << (dir_ / "client_key").string()
                                     << "\n  IdentitiesOnly yes\n  UserKnownHostsFile "
                                     << (dir_ / "known_hosts").string()
                                     << "\n  StrictHostKeyChecking yes\n  LogLevel ERROR\n";
  ::chmod((dir_ / "ssh_config").c_str(), 0600);
}

SshHosts::~SshHosts() {
  for (pid_t pid : servers_) {
    ::kill(pid, SIGTERM);
    ::waitpid(pid, nullptr, 0);
  }
  std::error_code ec;
  if (!dir_.empty()) fs::remove_all(dir_, ec);
}

std::string SshHosts::url(std::size_t i) const { return "ssh://root@127.0.0.1:" + std::to_string(ports_.at(i)); }

std::map<std::string, std::string> SshHosts::client_env() const {
  return {{"PMD_SSH_OPTS", "-F " + (dir_ / "ssh_config").string()},
          {"PMD_REMOTE_PMCTL", (bin_dir() / "pmctl").string()}};
}

fs::path SshHosts::wrong_known_hosts() const { return dir_ / "wrong_known_hosts"; }

}  // namespace pmd::test
