// Per-round /proc sampling of instance trees.
#include "process/usage_sampler.h"

#include <dirent.h>
#include <fcntl.h>
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

namespace {

const std::uint64_t kPageBytes = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));

int open_proc_file(pid_t pid, const char* name) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/%s", static_cast<int>(pid), name);
  return ::open(path, O_RDONLY | O_CLOEXEC);
}

std::optional<ProcEntry> pread_stat(int fd) {
  char buf[1024];
  ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return std::nullopt;  // ESRCH once the process is gone
  return parse_proc_stat(std::string_view(buf, static_cast<std::size_t>(n)));
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

UsageSampler::UsageSampler() : self_(::getpid()) {}

UsageSampler::~UsageSampler() {
  for (auto& [pid, f] : ours_) close_files(f);
}

void UsageSampler::close_files(Followed& f) {
  if (f.stat_fd >= 0) ::close(f.stat_fd);
  if (f.statm_fd >= 0) ::close(f.statm_fd);
  f.stat_fd = f.statm_fd = -1;
}

bool UsageSampler::refresh(pid_t pid, Followed& f, Read what, std::chrono::steady_clock::time_point now) {
  if (what == Read::kNothing) return true;
  if (what == Read::kMemory) {
    if (f.statm_fd < 0) f.statm_fd = open_proc_file(pid, "statm");
    auto rss = f.statm_fd >= 0 ? pread_statm_rss(f.statm_fd) : std::nullopt;
    if (!rss) return false;
    f.rss_bytes = *rss;
    return true;
  }
  auto e = pread_stat(f.stat_fd);
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
    // A process that used no CPU has not changed its memory either (allocating takes CPU), so
    // idle ones are read in turn, a fifth of them each round. Those under a memory limit still
    // have their memory read every round (statm is cheap).
    Read what = Read::kAll;
    if (f.idle && (round_ + static_cast<std::uint64_t>(it->first)) % kSlowRounds != 0)
      what = f.memory_watched ? Read::kMemory : Read::kNothing;
    if (refresh(it->first, f, what, now)) {
      ++it;
    } else {
      close_files(f);
      it = ours_.erase(it);
    }
  }
}

void UsageSampler::follow(pid_t pid) {
  Followed f;
  f.stat_fd = open_proc_file(pid, "stat");
  if (f.stat_fd < 0 || !refresh(pid, f, Read::kAll, std::chrono::steady_clock::now())) {
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

std::vector<TreeUsage> UsageSampler::sample(const std::vector<TreeRoot>& roots) {
  refresh_followed();
  for (const auto& root : roots)
    if (!ours_.count(root.pid)) {
      foreign_.erase(root.pid);  // a pid reused since it was last seen
      follow(root.pid);
    }
  if (round_ % kSlowRounds == 0) discover_new();
  ++round_;

  std::unordered_map<pid_t, int> root_index;
  std::unordered_map<std::string, int> unit_index;
  for (int i = 0; i < static_cast<int>(roots.size()); ++i) {
    root_index[roots[i].pid] = i;
    if (!roots[i].unit.empty()) unit_index[roots[i].unit] = i;
  }
  // Ownership, memoised for the round: follow parents until a root, an adopted orphan with a
  // known unit, or a process that is not ours. Depth-bounded against a pid reused mid-round.
  std::unordered_map<pid_t, int> owner;
  auto owner_of = [&](pid_t start) {
    std::vector<pid_t> chain;
    int found = -1;
    for (pid_t pid = start; chain.size() < 256;) {
      if (auto r = root_index.find(pid); r != root_index.end()) {
        found = r->second;
        break;
      }
      if (auto o = owner.find(pid); o != owner.end()) {
        found = o->second;
        break;
      }
      auto f = ours_.find(pid);
      if (f == ours_.end()) break;
      chain.push_back(pid);
      if (f->second.entry.ppid == self_) {
        // Adopted by pmd: a double-forked orphan of some launch (its marker says which).
        if (f->second.unit.empty()) f->second.unit = environment_value(pid, "PMD_UNIT");
        if (auto u = unit_index.find(f->second.unit); u != unit_index.end()) found = u->second;
        break;
      }
      pid = f->second.entry.ppid;
    }
    for (pid_t p : chain) owner[p] = found;
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
