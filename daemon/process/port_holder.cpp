// Port holder lookup.
#include "process/port_holder.h"

#include <dirent.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace pmd {

namespace {

constexpr const char* kListenState = "0A";  // TCP_LISTEN in /proc/net/tcp's "st" column
constexpr std::size_t kMaxCommand = 120;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// "node\0server.js\0" -> "node server.js", bounded.
std::string command_line_of(const std::string& pid) {
  std::string raw = read_file("/proc/" + pid + "/cmdline");
  while (!raw.empty() && raw.back() == '\0') raw.pop_back();
  for (char& c : raw)
    if (c == '\0') c = ' ';
  if (raw.size() > kMaxCommand) raw = raw.substr(0, kMaxCommand) + "...";
  return raw;
}

}  // namespace

std::vector<unsigned long> listening_inodes(std::string_view text, int port) {
  // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
  std::vector<unsigned long> inodes;
  std::istringstream lines{std::string(text)};
  std::string line;
  std::getline(lines, line);  // the header
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
    if (!(fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout >> inode))
      continue;
    const auto colon = local.rfind(':');
    if (colon == std::string::npos || state != kListenState) continue;
    char* end = nullptr;
    const long local_port = std::strtol(local.c_str() + colon + 1, &end, 16);
    if (*end != '\0' || local_port != port) continue;
    const unsigned long number = std::strtoul(inode.c_str(), &end, 10);
    if (*end == '\0' && number != 0) inodes.push_back(number);
  }
  return inodes;
}

std::string describe_port_holder(int port) {
  std::vector<unsigned long> inodes = listening_inodes(read_file("/proc/net/tcp"), port);
  for (unsigned long inode : listening_inodes(read_file("/proc/net/tcp6"), port)) inodes.push_back(inode);
  if (inodes.empty()) return {};
  std::vector<std::string> wanted;
  for (unsigned long inode : inodes) wanted.push_back("socket:[" + std::to_string(inode) + "]");
  DIR* proc = ::opendir("/proc");
  if (!proc) return {};
  std::string found;
  while (dirent* entry = ::readdir(proc)) {
    const std::string pid = entry->d_name;
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string fd_dir = "/proc/" + pid + "/fd";
    DIR* fds = ::opendir(fd_dir.c_str());
    if (!fds) continue;  // not ours to see
    while (dirent* fd = ::readdir(fds)) {
      char target[64];
      const std::string link = fd_dir + "/" + fd->d_name;
      const ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
      if (n <= 0) continue;
      target[n] = '\0';
      for (const auto& w : wanted)
        if (w == target) found = " by pid " + pid + " (" + command_line_of(pid) + ")";
      if (!found.empty()) break;
    }
    ::closedir(fds);
    if (!found.empty()) break;
  }
  ::closedir(proc);
  return found;
}

}  // namespace pmd
