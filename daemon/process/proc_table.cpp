// /proc reading.
#include "process/proc_table.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unordered_map>

namespace pmd {
namespace {

const long kPageSize = ::sysconf(_SC_PAGESIZE);

template <typename T>
bool field(std::string_view& rest, T& out) {
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  auto end = rest.find(' ');
  std::string_view tok = rest.substr(0, end);
  rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
  auto [p, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), out);
  return ec == std::errc();
}

bool skip(std::string_view& rest, int count) {
  for (int i = 0; i < count; ++i) {
    long long ignored;
    if (!field(rest, ignored)) return false;
  }
  return true;
}

}  // namespace

std::optional<ProcEntry> parse_proc_stat(std::string_view text) {
  ProcEntry e;
  auto open = text.find('(');
  auto close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) return std::nullopt;
  if (std::from_chars(text.data(), text.data() + open - 1, e.pid).ec != std::errc()) return std::nullopt;
  std::string_view rest = text.substr(close + 1);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  if (rest.empty()) return std::nullopt;
  e.state = rest.front();
  rest.remove_prefix(1);
  // Fields after state: ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime
  // cutime cstime priority nice num_threads itrealvalue starttime vsize rss
  std::uint64_t utime = 0, stime = 0;
  long long rss_pages = 0;
  if (!field(rest, e.ppid) || !field(rest, e.pgid) || !skip(rest, 8) || !field(rest, utime) || !field(rest, stime) ||
      !skip(rest, 6) || !field(rest, e.start_ticks) || !skip(rest, 1) || !field(rest, rss_pages))
    return std::nullopt;
  e.cpu_ticks = utime + stime;
  e.rss_bytes = rss_pages > 0 ? static_cast<std::uint64_t>(rss_pages) * static_cast<std::uint64_t>(kPageSize) : 0;
  return e;
}

namespace {

std::optional<ProcEntry> read_stat_file(const char* pid_text) {
  char path[300];
  std::snprintf(path, sizeof path, "/proc/%s/stat", pid_text);
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  auto entry = pread_proc_stat(fd);
  ::close(fd);
  return entry;
}

}  // namespace

std::vector<ProcEntry> read_proc_table() {
  std::vector<ProcEntry> table;
  DIR* dir = ::opendir("/proc");
  if (!dir) return table;
  while (dirent* d = ::readdir(dir)) {
    if (d->d_name[0] < '1' || d->d_name[0] > '9') continue;
    if (auto e = read_stat_file(d->d_name)) table.push_back(*e);
  }
  ::closedir(dir);
  return table;
}

std::string read_environment(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/environ", static_cast<int>(pid));
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::string env;
  char buf[16384];
  for (ssize_t n; env.size() < (1 << 20) && (n = ::read(fd, buf, sizeof buf)) > 0;)
    env.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return env;
}

std::string environment_value(pid_t pid, const std::string& key) {
  const std::string env = read_environment(pid);
  const std::string prefix = key + "=";
  // Entries are NUL-separated KEY=VALUE.
  for (std::size_t at = 0; at < env.size();) {
    std::size_t end = env.find('\0', at);
    if (end == std::string::npos) end = env.size();
    if (env.compare(at, prefix.size(), prefix) == 0) return env.substr(at + prefix.size(), end - at - prefix.size());
    at = end + 1;
  }
  return {};
}

double cpu_seconds(std::uint64_t ticks) {
  static const double kTicksPerSecond = static_cast<double>(::sysconf(_SC_CLK_TCK));
  return static_cast<double>(ticks) / kTicksPerSecond;
}

bool CpuMeter::update(std::uint64_t ticks, std::chrono::steady_clock::time_point now) {
  bool moved = true;
  if (at_ != std::chrono::steady_clock::time_point{} && ticks >= ticks_) {
    double seconds = std::chrono::duration<double>(now - at_).count();
    if (seconds > 0) percent_ = cpu_seconds(ticks - ticks_) / seconds * 100.0;
    moved = ticks != ticks_;
  }
  ticks_ = ticks;
  at_ = now;
  return moved;
}

std::optional<ProcEntry> read_proc_entry(pid_t pid) { return read_stat_file(std::to_string(pid).c_str()); }

std::optional<ProcEntry> pread_proc_stat(int fd) {
  char buf[1024];
  ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return std::nullopt;  // ESRCH once the process is gone
  return parse_proc_stat(std::string_view(buf, static_cast<std::size_t>(n)));
}

std::vector<pid_t> descendants_of(const std::vector<ProcEntry>& table, const std::vector<pid_t>& roots) {
  std::unordered_multimap<pid_t, pid_t> children;
  for (const auto& e : table) children.emplace(e.ppid, e.pid);
  std::vector<pid_t> out, frontier = roots;
  while (!frontier.empty()) {
    pid_t parent = frontier.back();
    frontier.pop_back();
    auto [b, end] = children.equal_range(parent);
    for (auto it = b; it != end; ++it) {
      if (std::find(out.begin(), out.end(), it->second) != out.end()) continue;
      out.push_back(it->second);
      frontier.push_back(it->second);
    }
  }
  return out;
}

}  // namespace pmd
