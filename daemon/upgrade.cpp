// Exec'ing the next image of pmd, and what crosses.
#include "upgrade.h"

#include "handover/first_line.h"
#include "handover/holder_protocol.h"
#include "pmd_version.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <signal.h>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

extern char** environ;

namespace pmd {

namespace {

void set_cloexec(int fd, bool on) {
  if (fd < 0) return;
  int flags = ::fcntl(fd, F_GETFD);
  ::fcntl(fd, F_SETFD, on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC);
}

int number_after(const std::string& text, const std::string& key) {
  auto at = text.find(key + "=");
  if (at == std::string::npos) return -1;
  int value = -1;
  const char* begin = text.data() + at + key.size() + 1;
  std::from_chars(begin, text.data() + text.size(), value);
  return value;
}

}  // namespace

Inherited take_inherited() {
  Inherited in;
  const char* text = std::getenv(kUpgradeVariable);
  if (!text) return in;
  std::string value = text;
  ::unsetenv(kUpgradeVariable);  // not for the apps
  in.present = true;
  in.flock_fd = number_after(value, "flock");
  in.name_fd = number_after(value, "name");
  in.rpc_fd = number_after(value, "rpc");
  in.previous_exe = number_after(value, "previous");
  if (auto at = value.find("from="); at != std::string::npos) in.from_version = value.substr(at + 5);
  for (int fd : {in.flock_fd, in.name_fd, in.rpc_fd, in.previous_exe}) set_cloexec(fd, true);
  return in;
}

std::string probe_upgrade(const std::string& binary) {
  if (::access(binary.c_str(), X_OK) != 0) return binary + " is not an executable: " + std::strerror(errno);
  auto probe = handover::run_for_first_line(binary, {binary, "--handover-format"}, std::chrono::seconds(5));
  if (probe.pid < 0) return "cannot run " + binary + ": " + probe.error;
  ::kill(probe.pid, SIGKILL);  // it has answered (or never will)
  ::waitpid(probe.pid, nullptr, 0);
  int format = 0;
  std::from_chars(probe.line.data(), probe.line.data() + probe.line.size(), format);
  if (format <= 0)
    return binary +
           " does not answer --handover-format (not a pmd, or one older than in-place upgrades); "
           "nothing was changed";
  if (format < handover::kFormat)
    return binary + " reads handover formats up to " + std::to_string(format) + ", this pmd hands over format " +
           std::to_string(handover::kFormat) + " (a downgrade across formats); nothing was changed";
  return {};
}

std::string exec_image(const std::string& binary, int binary_fd, const std::vector<std::string>& argv,
                       const Inherited& fds) {
  std::string value = "flock=" + std::to_string(fds.flock_fd) + ",name=" + std::to_string(fds.name_fd) +
                      ",rpc=" + std::to_string(fds.rpc_fd) + ",previous=" + std::to_string(fds.previous_exe) +
                      ",from=" + kVersion;
  ::setenv(kUpgradeVariable, value.c_str(), 1);
  // Only what crosses reaches the next image: whatever a library (or Asio, for sockets) opened
  // without O_CLOEXEC is closed by the exec, as the spawner does for apps.
  ::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
  for (int fd : {fds.flock_fd, fds.name_fd, fds.rpc_fd, fds.previous_exe}) set_cloexec(fd, false);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  if (binary_fd >= 0)
    ::syscall(SYS_execveat, binary_fd, "", args.data(), environ, AT_EMPTY_PATH);
  else
    ::execv(binary.c_str(), args.data());
  std::string why = "cannot exec " + binary + ": " + std::strerror(errno);
  for (int fd : {fds.flock_fd, fds.name_fd, fds.rpc_fd, fds.previous_exe}) set_cloexec(fd, true);
  ::unsetenv(kUpgradeVariable);
  return why;
}

std::string own_binary_path() {
  std::error_code ec;
  std::string path = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  // Replaced by the package manager: the path names the new binary, which is the point.
  const std::string deleted = " (deleted)";
  if (path.size() > deleted.size() && path.compare(path.size() - deleted.size(), deleted.size(), deleted) == 0)
    path.resize(path.size() - deleted.size());
  return path;
}

}  // namespace pmd
