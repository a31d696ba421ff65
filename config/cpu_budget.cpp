// CPU budget from sched_getaffinity and cgroups.
#include "cpu_budget.h"

#include <sched.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

namespace pmd::config {
namespace {

std::string read_first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// The quota that binds this process: the smallest along its cgroup v2 path, or v1's.
std::optional<std::pair<long long, long long>> cgroup_quota() {
  std::ifstream cgroups("/proc/self/cgroup");
  std::optional<std::pair<long long, long long>> best;
  auto consider = [&](std::optional<std::pair<long long, long long>> q) {
    if (!q) return;
    if (!best || static_cast<double>(q->first) / q->second < static_cast<double>(best->first) / best->second) best = q;
  };
  for (std::string line; std::getline(cgroups, line);) {
    if (line.rfind("0::", 0) == 0) {
      std::string path = line.substr(3);
      for (;;) {
        consider(parse_cpu_max(read_first_line("/sys/fs/cgroup" + path + "/cpu.max")));
        if (path.empty() || path == "/") break;
        path = path.substr(0, path.rfind('/'));
      }
    } else if (line.find(":cpu,") != std::string::npos || line.find(":cpu:") != std::string::npos ||
               line.find(",cpu,") != std::string::npos || line.find(",cpu:") != std::string::npos) {
      for (const char* dir : {"/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/cpu"}) {
        std::string quota = read_first_line(std::string(dir) + "/cpu.cfs_quota_us");
        std::string period = read_first_line(std::string(dir) + "/cpu.cfs_period_us");
        if (!quota.empty() && !period.empty()) {
          long long q = std::atoll(quota.c_str()), p = std::atoll(period.c_str());
          if (q > 0 && p > 0) consider(std::pair{q, p});
          break;
        }
      }
    }
  }
  return best;
}

}  // namespace

int cpus_allowed(int affinity_cpus, std::optional<long long> quota_us, long long period_us) {
  int cpus = std::max(1, affinity_cpus);
  if (quota_us && *quota_us > 0 && period_us > 0) {
    int by_quota = static_cast<int>(std::ceil(static_cast<double>(*quota_us) / static_cast<double>(period_us)));
    cpus = std::min(cpus, std::max(1, by_quota));
  }
  return cpus;
}

std::optional<std::pair<long long, long long>> parse_cpu_max(const std::string& text) {
  std::istringstream in(text);
  std::string quota;
  long long period = 0;
  if (!(in >> quota >> period) || quota == "max" || period <= 0) return std::nullopt;
  long long q = std::atoll(quota.c_str());
  if (q <= 0) return std::nullopt;
  return std::pair{q, period};
}

int usable_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  int affinity = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
  auto quota = cgroup_quota();
  return quota ? cpus_allowed(affinity, quota->first, quota->second) : cpus_allowed(affinity, std::nullopt, 1);
}

int resolve_instances(int requested, int cpus) {
  if (requested > 0) return requested;
  return std::max(1, cpus + requested);
}

}  // namespace pmd::config
