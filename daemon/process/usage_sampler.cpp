// Per-round /proc sampling of instance trees.
#include "process/usage_sampler.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <optional>

namespace pmd {

std::optional<std::uint64_t> parse_statm_rss_pages(std::string_view text) {
  // "size resident shared text lib data dt", in pages.
  auto space = text.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  text.remove_prefix(space + 1);
  std::uint64_t pages = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), pages);
  if (ec != std::errc() || end == text.data()) return std::nullopt;
  return pages;
}

SampleRead read_this_round(bool idle, bool memory_watched, std::uint64_t round, pid_t pid, int idle_rounds) {
  // A process that used no CPU has not changed its memory either (allocating takes CPU), so idle
  // ones are read in turn. Those under a memory limit still have their memory read every round
  // (statm is cheap).
  if (!idle || idle_rounds <= 1) return SampleRead::kAll;
  if ((round + static_cast<std::uint64_t>(pid)) % static_cast<std::uint64_t>(idle_rounds) == 0) return SampleRead::kAll;
  return memory_watched ? SampleRead::kMemory : SampleRead::kNothing;
}

namespace {

const std::uint64_t kPageBytes = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));

int open_proc_file(pid_t pid, const char* name) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/%s", static_cast<int>(pid), name);
  return ::open(path, O_RDONLY | O_CLOEXEC);
}

std::optional<std::uint64_t> pread_statm_rss(int fd) {
  char buf[256];
  ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return std::nullopt;
  auto pages = parse_statm_rss_pages(std::string_view(buf, static_cast<std::size_t>(n)));
  if (!pages) return std::nullopt;
  return *pages * kPageBytes;
}

}  // namespace

UsageSampler::UsageSampler() : self_(::getpid()) {
  // Kept-open files take at most a quarter of the descriptors pmd may have: with 5,000+
  // processes, sampling must never take the pipes a launch needs.
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY)
    file_budget_ = static_cast<std::size_t>(lim.rlim_cur / 4);
}

UsageSampler::~UsageSampler() {
  for (auto& [pid, f] : ours_) close_files(f);
}

void UsageSampler::close_files(Followed& f) {
  for (int* fd : {&f.stat_fd, &f.statm_fd})
    if (*fd >= 0) {
      ::close(*fd);
      *fd = -1;
      --files_open_;
    }
}

int UsageSampler::keep_open(pid_t pid, const char* name) {
  if (files_open_ >= file_budget_) return -1;
  int fd = open_proc_file(pid, name);
  if (fd >= 0) ++files_open_;
  return fd;
}

std::optional<ProcEntry> UsageSampler::read_stat(pid_t pid, const Followed& f) {
  if (f.stat_fd >= 0) return pread_proc_stat(f.stat_fd);
  // Over the budget: opened for this read. A pid used again by another process since is told
  // apart by its start time (a kept file would say ESRCH instead).
  const int fd = open_proc_file(pid, "stat");
  if (fd < 0) return std::nullopt;
  auto e = pread_proc_stat(fd);
  ::close(fd);
  if (e && f.entry.start_ticks != 0 && e->start_ticks != f.entry.start_ticks) return std::nullopt;
  return e;
}

bool UsageSampler::refresh(pid_t pid, Followed& f, SampleRead what, std::chrono::steady_clock::time_point now) {
  if (what == SampleRead::kNothing) return true;
  if (what == SampleRead::kMemory && f.stat_fd >= 0) {
    if (f.statm_fd < 0) f.statm_fd = keep_open(pid, "statm");
    if (f.statm_fd >= 0) {
      auto rss = pread_statm_rss(f.statm_fd);
      if (!rss) return false;
      f.rss_bytes = *rss;
      return true;
    }
  }
  auto e = read_stat(pid, f);
  if (!e) return false;
  f.idle = !f.cpu.update(e->cpu_ticks, now);
  f.entry = *e;
  f.rss_bytes = e->rss_bytes;
  return true;
}

void UsageSampler::refresh_followed() {
  auto now = std::chrono::steady_clock::now();
  for (auto it = ours_.begin(); it != ours_.end();) {
    Followed& f = it->second;
    const SampleRead what =
        read_all_ ? SampleRead::kAll : read_this_round(f.idle, f.memory_watched, round_, it->first, idle_rounds_);
    if (refresh(it->first, f, what, now)) {
      ++it;
    } else {
      close_files(f);
      it = ours_.erase(it);
    }
  }
  read_all_ = false;
}

void UsageSampler::follow(pid_t pid) {
  Followed f;
  f.stat_fd = keep_open(pid, "stat");
  if (!refresh(pid, f, SampleRead::kAll, std::chrono::steady_clock::now())) {
    close_files(f);
    return;
  }
  ours_.emplace(pid, std::move(f));  // provisionally ours; the ownership pass decides
}

void UsageSampler::discover_new() {
  DIR* dir = ::opendir("/proc");
  if (!dir) return;
  std::unordered_set<pid_t> still_foreign;
  still_foreign.reserve(foreign_.size());
  while (dirent* d = ::readdir(dir)) {
    if (d->d_name[0] < '1' || d->d_name[0] > '9') continue;
    pid_t pid = static_cast<pid_t>(std::atoi(d->d_name));
    if (ours_.count(pid)) continue;
    if (foreign_.count(pid)) {
      still_foreign.insert(pid);
      continue;
    }
    follow(pid);
  }
  ::closedir(dir);
  foreign_ = std::move(still_foreign);
}

void UsageSampler::index_roots(const std::vector<TreeRoot>& roots) {
  bool same = indexed_pids_.size() == roots.size();
  for (std::size_t i = 0; same && i < roots.size(); ++i) same = indexed_pids_[i] == roots[i].pid;
  if (same) return;
  indexed_pids_.clear();
  root_index_.clear();
  for (int i = 0; i < static_cast<int>(roots.size()); ++i) {
    indexed_pids_.push_back(roots[i].pid);
    root_index_[roots[i].pid] = i;
  }
}

std::vector<TreeUsage> UsageSampler::sample(const std::vector<TreeRoot>& roots) {
  refresh_followed();
  bool memory_watched = false;
  for (const auto& root : roots) {
    memory_watched = memory_watched || root.memory_watched;
    if (!ours_.count(root.pid)) {
      foreign_.erase(root.pid);  // a pid reused since it was last seen
      follow(root.pid);
    }
  }
  // A child an app starts counts towards its memory limit: found within kSlowRounds.
  const int listing_rounds = memory_watched ? std::min(idle_rounds_, kSlowRounds) : idle_rounds_;
  if (round_ % static_cast<std::uint64_t>(listing_rounds) == 0) discover_new();
  ++round_;

  // Nothing here allocates per process in a quiet round: the root index is kept while the roots
  // stay the same, and only processes below a root enter the memo.
  index_roots(roots);
  owner_.clear();
  std::unordered_map<std::string_view, int> unit_index;  // built when an adopted orphan needs it
  auto unit_owner = [&](const std::string& unit) {
    if (unit_index.empty())
      for (int i = 0; i < static_cast<int>(roots.size()); ++i)
        if (!roots[i].unit.empty()) unit_index[roots[i].unit] = i;
    auto u = unit_index.find(unit);
    return u == unit_index.end() ? -1 : u->second;
  };
  // Ownership, memoised for the round: follow parents until a root, an adopted orphan with a
  // known unit, or a process that is not ours. Depth-bounded against a pid reused mid-round.
  auto owner_of = [&](pid_t start) {
    if (auto r = root_index_.find(start); r != root_index_.end()) return r->second;
    std::vector<pid_t> chain;
    int found = -1;
    for (pid_t pid = start; chain.size() < 256;) {
      if (auto r = root_index_.find(pid); r != root_index_.end()) {
        found = r->second;
        break;
      }
      if (auto o = owner_.find(pid); o != owner_.end()) {
        found = o->second;
        break;
      }
      auto f = ours_.find(pid);
      if (f == ours_.end()) break;
      chain.push_back(pid);
      if (f->second.entry.ppid == self_) {
        // Adopted by pmd: a double-forked orphan of some launch (its marker says which).
        if (f->second.unit.empty()) f->second.unit = environment_value(pid, "PMD_UNIT");
        found = unit_owner(f->second.unit);
        break;
      }
      pid = f->second.entry.ppid;
    }
    for (pid_t p : chain) owner_[p] = found;
    return found;
  };

  std::vector<TreeUsage> usage(roots.size());
  for (auto it = ours_.begin(); it != ours_.end();) {
    int o = owner_of(it->first);
    if (o < 0) {
      close_files(it->second);
      foreign_.insert(it->first);
      it = ours_.erase(it);
      continue;
    }
    it->second.memory_watched = roots[static_cast<std::size_t>(o)].memory_watched;
    TreeUsage& tree = usage[static_cast<std::size_t>(o)];
    tree.cpu_percent += it->second.cpu.percent();
    tree.cpu_ticks += it->second.entry.cpu_ticks;
    tree.rss_bytes += it->second.rss_bytes;
    ++tree.processes;
    ++it;
  }
  return usage;
}

}  // namespace pmd
