// A snapshot of the machine's processes read from /proc: who is whose parent, which group,
// CPU time and resident memory. The only place that parses /proc/<pid>/stat.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pmd {

struct ProcEntry {
  pid_t pid = 0;
  pid_t ppid = 0;
  pid_t pgid = 0;
  char state = '?';
  std::uint64_t cpu_ticks = 0;  // utime + stime, in clock ticks
  std::uint64_t rss_bytes = 0;
  std::uint64_t start_ticks = 0;  // when it started, in clock ticks after boot (with the pid: one process)
};

/// Parses the text of /proc/<pid>/stat (the command name may hold spaces and parentheses).
std::optional<ProcEntry> parse_proc_stat(std::string_view text);

/// Every process currently visible in /proc.
std::vector<ProcEntry> read_proc_table();
/// The process's environment as it was at exec: NUL-separated KEY=VALUE entries ("" if unreadable).
std::string read_environment(pid_t pid);
/// The value of `key` in the process's environment (as it was at exec); "" when absent.
std::string environment_value(pid_t pid, const std::string& key);
/// Clock ticks (as in /proc/<pid>/stat) to seconds.
double cpu_seconds(std::uint64_t ticks);

/// CPU use between two readings of a process's (or tree's) CPU ticks, in percent of one CPU.
class CpuMeter {
 public:
  /// Takes a reading; returns whether the ticks moved since the previous one.
  bool update(std::uint64_t ticks, std::chrono::steady_clock::time_point now);
  double percent() const { return percent_; }
  std::uint64_t ticks() const { return ticks_; }

 private:
  std::uint64_t ticks_ = 0;
  std::chrono::steady_clock::time_point at_{};
  double percent_ = 0;
};

/// One process's entry; nullopt when it is gone.
std::optional<ProcEntry> read_proc_entry(pid_t pid);
/// The entry read again from its /proc/<pid>/stat kept open as `fd` (no path lookup in /proc);
/// nullopt once the process is gone.
std::optional<ProcEntry> pread_proc_stat(int fd);

/// The pids below `roots` in the parent tree (not the roots themselves), in `table`.
std::vector<pid_t> descendants_of(const std::vector<ProcEntry>& table, const std::vector<pid_t>& roots);

}  // namespace pmd
