// Measures CPU and resident memory of each instance's whole process tree, every sampling round,
// cheaply enough for thousands of processes:
// - the files of every process known to be ours stay open and are re-read with pread (no path
//   lookup, no open/close);
// - /proc/<pid>/stat (~5 us a read: the kernel formats 52 fields) is read every round for
//   processes that used CPU since their last read, and every few rounds for idle ones (no CPU,
//   no new memory); each process's CPU% is its ticks over the time between its own reads;
// - the memory of idle processes under a memory limit is still read every round, from
//   /proc/<pid>/statm (~1.5 us);
// - a new instance's main process is opened directly, and /proc is listed (costly: the kernel
//   builds a dentry per pid) only every few rounds to find the processes apps start themselves. A process is ours when
//   its parent
// chain reaches an instance's main process, or when its parent is pmd itself (the child
// subreaper adopts double-forked orphans) and its environment carries that launch's PMD_UNIT.
#pragma once

#include "process/proc_table.h"

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace pmd {

/// The resident set of a /proc/<pid>/statm text, in pages.
std::optional<std::uint64_t> parse_statm_rss_pages(std::string_view text);

/// What one round reads of a followed process.
enum class SampleRead { kNothing, kMemory, kAll };

/// The pacing policy: a process that used CPU at its last read is read again every round; an idle
/// one in its turn, one round in `idle_rounds` (spread over rounds by pid so the reads do not all
/// fall in one); in the other rounds only its memory, when its tree is under a limit.
SampleRead read_this_round(bool idle, bool memory_watched, std::uint64_t round, pid_t pid, int idle_rounds);

struct TreeRoot {
  pid_t pid = 0;
  std::string_view unit;        // the launch's PMD_UNIT marker; empty if it has none (outlives the round)
  bool memory_watched = false;  // under a memory limit: memory is read every round
};

struct TreeUsage {
  double cpu_percent = 0;       // of one CPU, summed over the tree (may exceed 100)
  std::uint64_t cpu_ticks = 0;  // CPU time of the tree's live processes, in clock ticks
  std::uint64_t rss_bytes = 0;
  int processes = 0;  // 0: the root itself was not found
};

class UsageSampler {
 public:
  UsageSampler();
  ~UsageSampler();
  UsageSampler(const UsageSampler&) = delete;
  UsageSampler& operator=(const UsageSampler&) = delete;

  /// Rounds between two listings of /proc (a process an app starts is counted from the next one),
  /// and between two CPU reads of a process that was idle at its last one, while someone watches.
  static constexpr int kSlowRounds = 5;
  /// The same while nobody looks (see Monitor, whose rounds are then 30 s apart unless a memory
  /// limit needs them every interval): a process that used no CPU has not changed, so reading it
  /// every few minutes loses nothing; one that works is still read every round, and a tree under
  /// a memory limit still has its memory read every round and /proc listed every kSlowRounds.
  static constexpr int kQuietRounds = 10;

  /// The next round reads every process whole, idle or not.
  void read_all_next_round() { read_all_ = true; }
  /// kSlowRounds or kQuietRounds, from the next round on.
  void set_idle_rounds(int rounds) { idle_rounds_ = rounds < 1 ? 1 : rounds; }

  /// One round: the usage of each root's tree, in the order of `roots`.
  std::vector<TreeUsage> sample(const std::vector<TreeRoot>& roots);

  /// How many processes are being followed.
  std::size_t followed() const { return ours_.size(); }
  /// How many /proc files are kept open, and at most how many may be (a quarter of RLIMIT_NOFILE;
  /// the processes beyond it are read by opening their file each time).
  std::size_t files_open() const { return files_open_; }
  void set_file_budget(std::size_t files) { file_budget_ = files; }

 private:
  struct Followed {
    int stat_fd = -1;   // /proc/<pid>/stat, kept open (-1: over the budget, opened per read)
    int statm_fd = -1;  // /proc/<pid>/statm, opened once memory is watched
    ProcEntry entry;    // as of the last stat read
    std::uint64_t rss_bytes = 0;
    CpuMeter cpu;                 // over the interval between its last two stat reads
    bool idle = false;            // no CPU used between its last two stat reads
    bool memory_watched = false;  // its tree is under a memory limit
    std::string unit;             // read from its environment when pmd adopted it
  };

  void close_files(Followed& f);
  /// The file, opened to be kept, or -1 when the budget is spent (or it is gone).
  int keep_open(pid_t pid, const char* name);
  static std::optional<ProcEntry> read_stat(pid_t pid, const Followed& f);
  /// Re-reads a followed process; false when it is gone.
  bool refresh(pid_t pid, Followed& f, SampleRead what, std::chrono::steady_clock::time_point now);
  void refresh_followed();
  void follow(pid_t pid);
  void discover_new();
  /// root_index_ for these roots; rebuilt only when their pids changed since the last round.
  void index_roots(const std::vector<TreeRoot>& roots);

  pid_t self_;
  int idle_rounds_ = kSlowRounds;
  bool read_all_ = false;
  std::size_t file_budget_ = 1024;
  std::size_t files_open_ = 0;
  std::vector<pid_t> indexed_pids_;
  std::unordered_map<pid_t, int> root_index_;  // root pid -> its index in the round's roots
  std::unordered_map<pid_t, int> owner_;       // the round's memo for processes below a root
  std::unordered_map<pid_t, Followed> ours_;
  std::unordered_set<pid_t> foreign_;  // pids seen and found not ours: never read again
  std::uint64_t round_ = 0;
};

}  // namespace pmd
