// How many CPUs this process may really use: its affinity mask, narrowed by a cgroup CPU quota
// (v2 cpu.max or v1 cfs_quota_us). `instances: max` means this number, not the machine's cores.
#pragma once

#include <optional>
#include <string>

namespace pmd::config {

/// A quota of `quota_us` per `period_us` allows ceil(quota/period) CPUs at full speed.
int cpus_allowed(int affinity_cpus, std::optional<long long> quota_us, long long period_us);

/// Parses cgroup v2's cpu.max ("max 100000" or "200000 100000") into {quota, period}.
std::optional<std::pair<long long, long long>> parse_cpu_max(const std::string& text);

/// The CPUs usable by this process, read from the kernel (at least 1).
int usable_cpus();

/// `instances` as PM2 reads it: n > 0 is n; 0 or "max" is usable CPUs; -n is max - n (at least 1).
int resolve_instances(int requested, int cpus);

}  // namespace pmd::config
